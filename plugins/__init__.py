"""Candor's built-in plugins. Each registers through the ``candor.plugins`` entry points like any other."""
