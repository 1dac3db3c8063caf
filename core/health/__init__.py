"""Liveness, readiness and ``candor doctor``: running the diagnostic checks plugins offer."""
