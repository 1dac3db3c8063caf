"""Shared test helpers. The fixtures themselves come from the ``candor.testing`` pytest plugin."""
