"""``PolicyError``: a policy pack or a location cannot be used. Its message names the file, the field and
what was expected, so that an operator can fix the pack without reading code."""

from __future__ import annotations


class PolicyError(Exception):
    """A pack is broken or a location is not understood; the message says where and what to do."""
