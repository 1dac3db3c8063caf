"""The recognizers the redaction service ships: validated patterns for Chinese and international identifiers,
and presidio's own recognizers made to work offline.

Owns which entity types exist (``ENTITY_PRIORITY``) and the recognizers per language. Digits next to Chinese
characters have no word boundary, so patterns use ``(?<!\\d)...(?!\\d)`` lookarounds instead of ``\\b``.
Pattern matches that fail their check digit are dropped, which is what keeps precision on runs of digits.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)

from candor.redaction.checksums import cn_resident_id_valid, luhn_valid

#: Entity types, strongest first: when two findings cover the same text with the same score, the first wins.
ENTITY_PRIORITY: tuple[str, ...] = (
    "CN_RESIDENT_ID",
    "BANK_CARD",
    "IBAN_CODE",
    "US_SSN",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "PERSON",
    "LOCATION",
)

LANGUAGES = ("en", "zh")
PHONE_REGIONS = ("CN", "HK", "TW", "US", "CA", "GB", "DE", "FR", "IE", "IT", "ES", "NL", "IN", "SG", "AU")


@lru_cache(maxsize=1)
def _offline_tld_extractor() -> tldextract.TLDExtract:
    # The bundled Public Suffix List snapshot: no download attempt, no cache folder written.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(EmailRecognizer):
    """presidio's e-mail recognizer, checking the domain against the bundled suffix list only.

    The address is ASCII (IDN domains in punycode): presidio's ``\\w`` would take the Chinese words around an
    address, written without spaces, as part of it.
    """

    PATTERNS = [
        Pattern(
            "email (ascii)",
            r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
            r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+(?![A-Za-z0-9-])",
            0.5,
        )
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            patterns=self.PATTERNS,
            supported_language=supported_language,
            name=f"OfflineEmailRecognizer_{supported_language}",
        )

    def validate_result(self, pattern_text: str) -> bool:
        return _offline_tld_extractor()(pattern_text).fqdn != ""


class _PatternRecognizer(PatternRecognizer):
    """A pattern recognizer declared by class attributes: ``ENTITY``, ``PATTERNS`` and ``CONTEXT``."""

    ENTITY: str
    PATTERNS: list[Pattern]
    CONTEXT: list[str]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"{type(self).__name__}_{supported_language}",
        )


class CnResidentIdRecognizer(_PatternRecognizer):
    """18-character PRC resident identity numbers, checked with ISO 7064 MOD 11-2 and the birth date."""

    PATTERNS = [
        Pattern(
            "cn resident id",
            r"(?<![\dA-Za-z])[1-9]\d{5}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![\dA-Za-z])",
            0.5,
        )
    ]
    CONTEXT = ["身份证", "身份证号", "证件", "id", "identity", "resident"]

    ENTITY = "CN_RESIDENT_ID"

    def validate_result(self, pattern_text: str) -> bool:
        return cn_resident_id_valid(pattern_text)


class CnMobileRecognizer(_PatternRecognizer):
    """Mainland mobile numbers: 11 digits from 13x to 19x, optionally +86 and grouped 3-4-4."""

    PATTERNS = [Pattern("cn mobile", r"(?<![\d+])(?:(?:\+|00)86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)", 0.6)]
    CONTEXT = ["手机", "电话", "联系", "mobile", "phone", "call"]

    ENTITY = "PHONE_NUMBER"


class NanpPhoneRecognizer(_PatternRecognizer):
    """North American numbers in their written forms, extensions included: (312) 555-0199, 312.555.0199 x12.

    phonenumbers (presidio's ``PhoneRecognizer``) rejects numbers in unassigned area codes; a number written
    in phone format is still someone's contact detail to redact, so the format alone decides here.
    """

    PATTERNS = [
        Pattern(
            "nanp phone",
            r"(?<![\w+])(?:(?:\+|00)?1[-. ]?)?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}"
            r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?(?!\d)",
            0.6,
        )
    ]
    CONTEXT = ["phone", "call", "mobile", "cell", "reach", "电话"]

    ENTITY = "PHONE_NUMBER"


class BankCardRecognizer(_PatternRecognizer):
    """Payment and bank card numbers, 12 (Maestro) to 19 digits (UnionPay), plain or grouped, Luhn-checked."""

    PATTERNS = [
        Pattern(
            "bank card",
            r"(?<![\d\-])(?:\d{4}(?:[- ]?\d{4}){2}(?:[- ]?\d{1,4}){0,2}|\d{4}[- ]\d{6}[- ]\d{4,5}"
            r"|\d{6}[- ]\d{13}|\d{12,19})"
            r"(?![\d\-])",
            0.5,
        )
    ]
    CONTEXT = ["card", "visa", "mastercard", "amex", "银行卡", "卡号", "信用卡", "账号"]

    ENTITY = "BANK_CARD"

    def validate_result(self, pattern_text: str) -> bool:
        # A resident ID can pass Luhn by chance; it is not a card.
        return luhn_valid(pattern_text) and not cn_resident_id_valid(pattern_text.replace(" ", ""))


class WrittenPhoneRecognizer(PhoneRecognizer):
    """presidio's phonenumbers-based recognizer (international formats, many regions), minus bare digit runs
    said without a phone word nearby: in 15 regions almost any 8-12 digits are a valid number, and reference
    numbers, amounts and codes are far more common in interviews than unformatted phone numbers."""

    CUES = (
        "phone",
        "call",
        "reach",
        "mobile",
        "cell",
        "text me",
        "whatsapp",
        "电话",
        "手机",
        "联系",
        "拨打",
        "致电",
    )
    CUE_WINDOW = 40  # characters before the number

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        kept = []
        for result in super().analyze(text, entities, nlp_artifacts):
            written = text[result.start : result.end]
            if written.isdigit():
                before = text[max(0, result.start - self.CUE_WINDOW) : result.start].lower()
                if not any(cue in before for cue in self.CUES):
                    continue
            kept.append(result)
        return kept


def pattern_recognizers(language: str) -> list[EntityRecognizer]:
    """The recognizers that need no NER model, for ``language`` ('en' or 'zh')."""
    recognizers: list[EntityRecognizer] = [
        CnResidentIdRecognizer(language),
        CnMobileRecognizer(language),
        NanpPhoneRecognizer(language),
        BankCardRecognizer(language),
        OfflineEmailRecognizer(language),
        WrittenPhoneRecognizer(supported_language=language, supported_regions=PHONE_REGIONS),
        IbanRecognizer(supported_language=language),
        IpRecognizer(supported_language=language),
    ]
    if language == "en":
        recognizers.append(UsSsnRecognizer())
    return recognizers
