"""Staff authentication and authorisation: passwords, sessions, API tokens, roles and CSRF.

Every view declares who may call it with ``requires(permission)`` or ``public``; the app refuses to start if
one does not. Plugins use the same two decorators.
"""

from candor.auth.access import Permission, current_identity, public, requires, signed_requests

__all__ = ["Permission", "current_identity", "public", "requires", "signed_requests"]
