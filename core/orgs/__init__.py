"""Organisations: the companies that run interviews, and the jurisdictions they operate in."""
