"""Check digits that tell a real identifier from a run of digits: Luhn (bank cards) and ISO 7064 MOD 11-2
(the 18-digit resident identity number of the People's Republic of China, GB 11643-1999).

Pure functions of a string; no presidio, no logging.
"""

from __future__ import annotations

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # check character for each remainder of the weighted sum modulo 11


def digits_only(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_valid(number: str) -> bool:
    """Whether a card number (separators allowed) passes the Luhn check."""
    digits = digits_only(number)
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def cn_resident_id_valid(value: str) -> bool:
    """Whether an 18-character resident ID has a plausible region, a real birth date and the right check."""
    code = value.strip().upper()
    if len(code) != 18 or not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        return False
    if code[0] not in "123456789":  # region codes start 1-8 (9 is used for some residence permits)
        return False
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > date.today():
        return False
    remainder = sum(int(d) * w for d, w in zip(code[:17], _ID_WEIGHTS, strict=True)) % 11
    return _ID_CHECK[remainder] == code[17]
