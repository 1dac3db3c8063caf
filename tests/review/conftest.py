"""Fixtures of the review tests live with their helpers in ``review_helpers``."""

from review_helpers import app, staff

__all__ = ["app", "staff"]
