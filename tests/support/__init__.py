"""Servers and helpers that tests start for themselves."""
