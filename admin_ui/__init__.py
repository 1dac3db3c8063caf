"""The staff web interface under ``/admin/`` (installed as ``candor_admin``): sign-in and the pages that
grow with each capability. Server-rendered, escaped by Jinja, CSRF on every form."""

from candor_admin.views import bp

__all__ = ["bp"]
