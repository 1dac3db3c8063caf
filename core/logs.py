"""Logging set-up: plain text or JSON lines, and a filter that masks e-mail addresses and phone numbers.

The code logs ids, never personal data; the filter is a second line of defence for messages that come from
libraries (a driver's error text, say).
"""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from candor.config import Settings

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w.:/-])\+?\d[\d ()-]{8,}\d(?![\w.:/-])")


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub("[phone]", _EMAIL.sub("[email]", message))
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"levelname": "level", "asctime": "time"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPersonalData())
    root = logging.getLogger("candor")
    for existing in list(root.handlers):
        if getattr(existing, "_candor", False):
            root.removeHandler(existing)
    handler._candor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    root.propagate = settings.testing  # let pytest's caplog see records in tests
