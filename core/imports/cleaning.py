"""Cleaning of single cell values: trimming, phone numbers, e-mail addresses, dates and resident ids.

Each cleaner takes a raw cell (text, a number or a date from a spreadsheet) and returns the clean value, or
raises ``FieldProblem`` with a code and a message that never contains the value itself, so that reports and
logs stay free of personal data. No database, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from candor.redaction.checksums import cn_resident_id_valid

DEFAULT_REGION = "CN"
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (it counts 1900 as a leap year; this epoch absorbs that)
_EXCEL_SERIALS = range(1, 80000)  # 1900-01-01 .. 2119: plausible dates only, not any number
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"),  # 05.01.2024, the German order
)


class FieldProblem(ValueError):
    """A cell that cannot be cleaned. ``code`` is machine-readable, ``message`` names no value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def text(value: Any) -> str | None:
    """Trimmed text with full-width characters folded and inner runs of spaces collapsed; None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets store 13800138000 as 13800138000.0
    cleaned = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    return cleaned or None


def phone(value: Any, region: str = DEFAULT_REGION) -> str | None:
    """A phone number in E.164 (``+8613800138000``). Without a country code it is read as a number of
    ``region``; a mainland China number must be a mobile number, since invitations go by text message."""
    raw = text(value)
    if raw is None:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise FieldProblem("invalid_phone", "phone is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise FieldProblem("invalid_phone", "phone is not a valid number for its country")
    if phonenumbers.region_code_for_number(number) == "CN" and phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise FieldProblem("invalid_phone", "phone is not a valid mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(value: Any) -> str | None:
    """An e-mail address checked for syntax (no DNS look-up) and lower-cased."""
    raw = text(value)
    if raw is None:
        return None
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        raise FieldProblem("invalid_email", "email is not a valid e-mail address") from None
    return checked.normalized.lower()


def day(value: Any, field: str) -> date | None:
    """A calendar date from a spreadsheet date, an Excel serial number or text such as ``2024-01-05``,
    ``2024/1/5``, ``2024.1.5``, ``2024年1月5日``, ``20240105`` or ``05.01.2024``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value, field)
    raw = text(value)
    if raw is None:
        return None
    if re.fullmatch(r"\d{1,5}(\.\d+)?", raw) and not re.fullmatch(r"\d{8}", raw):
        return _excel_serial(float(raw), field)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise FieldProblem("impossible_date", f"{field} is not a real calendar date") from None
    raise FieldProblem("invalid_date", f"{field} is not a date in a known format (use YYYY-MM-DD)")


def _excel_serial(value: float, field: str) -> date:
    if int(value) not in _EXCEL_SERIALS:
        raise FieldProblem("invalid_date", f"{field} is a number that is not a plausible Excel date")
    return _EXCEL_EPOCH + timedelta(days=int(value))


def resident_id(value: Any) -> str | None:
    """An 18-character Chinese resident identity number with a valid birth date and MOD 11-2 check."""
    raw = text(value)
    if raw is None:
        return None
    code = raw.replace(" ", "").upper()
    if not cn_resident_id_valid(code):
        raise FieldProblem("invalid_id_number", "id_number is not a valid resident identity number "
                           "(length, birth date or check digit)")
    return code


def birth_date_of_resident_id(code: str) -> date:
    return date(int(code[6:10]), int(code[10:12]), int(code[12:14]))


def language(value: Any, default: str) -> str:
    """An interview language code: ``zh`` or ``en`` (Chinese and English names accepted)."""
    raw = text(value)
    if raw is None:
        return default
    key = raw.lower().replace("_", "-")
    if key in ("zh", "zh-cn", "zh-hans", "chinese", "中文", "汉语", "普通话", "简体中文"):
        return "zh"
    if key in ("en", "en-us", "en-gb", "english", "英文", "英语"):
        return "en"
    raise FieldProblem("invalid_language", "language is not one of zh or en")


def has_cjk(value: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in value)
