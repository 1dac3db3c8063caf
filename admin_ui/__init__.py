"""The staff web interface under ``/admin/`` (installed as ``candor_admin``): sign-in and the pages that
grow with each capability. Server-rendered, escaped by Jinja, CSRF on every form, in English and Chinese."""

from candor_admin import views  # noqa: F401  (registers the routes)
from candor_admin.blueprint import bp

__all__ = ["bp"]
