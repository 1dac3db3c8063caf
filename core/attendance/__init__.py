"""Probation attendance: rules as data, check-ins pulled from attendance systems (or pushed by them), their
evaluation per local work day at the employee's site, and the reports sent back to HR through the outbox.

It never provisions accounts (``candor.onboarding`` does) and never applies penalties: it reports counts and
flags, and people decide.
"""
