"""The redaction service on English and Chinese text, plugin recognizers, and ``candor redact``."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from presidio_analyzer import Pattern, PatternRecognizer

from candor import PluginDeclaration, Purpose
from candor.redaction.checksums import cn_resident_id_valid, luhn_valid
from candor.redaction.redactor import Redactor

VALID_ID = "11010519491231002X"  # the GB 11643-1999 example: region 110105, born 1949-12-31, check X
UNIONPAY = "6222021234567890128"  # 19 digits, Luhn-valid


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def test_check_digits():
    assert cn_resident_id_valid(VALID_ID)
    assert not cn_resident_id_valid(VALID_ID[:-1] + "1")
    assert not cn_resident_id_valid("110105194913310021")  # no 13th month
    assert luhn_valid(UNIONPAY) and luhn_valid("4111 1111 1111 1111")
    assert not luhn_valid("4111 1111 1111 1112")


def test_english_text_is_redacted_by_type(redactor):
    text = (
        "I'm Sarah Connor from Denver. Mail sarah.connor@example.org or call (720) 555-0143 ext 12. "
        "My card is 4111-1111-1111-1111."
    )
    result = redactor.redact(text, "en")
    assert result.text == (
        "I'm <PERSON> from <LOCATION>. Mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>. My card is <BANK_CARD>."
    )
    assert result.entity_types == {"PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "BANK_CARD"}
    for finding in result.findings:
        assert text[finding.start : finding.end] not in result.text


def test_chinese_text_digits_next_to_characters(redactor):
    text = f"我的身份证号是{VALID_ID}，手机13812345678，邮箱li.lei@example.cn是常用的，卡号{UNIONPAY}。"
    result = redactor.redact(text, "zh")
    assert result.text == (
        "我的身份证号是<CN_RESIDENT_ID>，手机<PHONE_NUMBER>，邮箱<EMAIL_ADDRESS>是常用的，卡号<BANK_CARD>。"
    )


def test_numbers_failing_their_check_are_kept(redactor):
    text = f"编号{VALID_ID[:-1]}1，流水号4111111111111112，金额12000元。"
    result = redactor.redact(text, "zh")
    assert result.findings == ()
    assert result.text == text


def test_long_text_is_analysed_in_chunks_with_offsets_kept(redactor):
    filler = "We talked about the roadmap and the quarterly goals.\n" * 200
    text = filler + "Reach me at lin@example.com please.\n" + filler
    result = redactor.redact(text, "en")
    assert [f.entity_type for f in result.findings] == ["EMAIL_ADDRESS"]
    finding = result.findings[0]
    assert text[finding.start : finding.end] == "lin@example.com"


def test_unknown_language_is_refused(redactor):
    with pytest.raises(ValueError, match="language 'fr' is not supported"):
        redactor.redact("Bonjour", "fr")


def test_the_text_never_reaches_the_logs(redactor, caplog):
    caplog.set_level(logging.DEBUG)
    redactor.redact("Call Jane Doe at 415-555-0172, jane@example.com.", "en")
    assert (
        "jane@example.com" not in caplog.text and "555-0172" not in caplog.text and "Jane" not in caplog.text
    )


class EmployeeNumberPlugin:
    """A throwaway plugin adding a recognizer for an employer's staff numbers (E-123456)."""

    @staticmethod
    def candor_declare() -> PluginDeclaration:
        return PluginDeclaration(
            name="staff_numbers",
            title="Staff numbers",
            capabilities=frozenset({"pii_recognition"}),
            purposes=frozenset({Purpose.OPERATIONS}),
        )

    @staticmethod
    def candor_register_pii_recognizers(language: str) -> list[PatternRecognizer]:
        return [
            PatternRecognizer(
                supported_entity="STAFF_NUMBER",
                supported_language=language,
                name=f"staff_number_{language}",
                patterns=[Pattern("staff", r"(?<![A-Z0-9])E-\d{6}(?!\d)", 0.9)],
            )
        ]


class WrongRecognizerPlugin(EmployeeNumberPlugin):
    @staticmethod
    def candor_declare() -> PluginDeclaration:
        return PluginDeclaration(
            name="wrong_recognizer", title="Wrong", capabilities=frozenset({"pii_recognition"})
        )

    @staticmethod
    def candor_register_pii_recognizers(language: str) -> list[object]:
        return ["not a recognizer"]


def test_plugins_add_recognizers_through_the_hook(candor_settings):
    from candor.app import create_app
    from candor.redaction.redactor import redactor_for
    from candor.state import get_state

    app = create_app(candor_settings, plugins=[EmployeeNumberPlugin()])
    try:
        redactor = redactor_for(app)
        assert redactor_for(app) is redactor  # built once per app
        assert (
            redactor.redact("My staff number is E-123456.", "en").text == "My staff number is <STAFF_NUMBER>."
        )
        assert redactor.redact("工号E-654321。", "zh").text == "工号<STAFF_NUMBER>。"
    finally:
        get_state(app).db.dispose()


def test_a_plugin_offering_something_else_is_named(candor_settings):
    from candor.app import create_app
    from candor.plugins import PluginError
    from candor.redaction.redactor import redactor_for
    from candor.state import get_state

    app = create_app(candor_settings, plugins=[WrongRecognizerPlugin()])
    try:
        with pytest.raises(PluginError, match="'wrong_recognizer' offered str"):
            redactor_for(app)
    finally:
        get_state(app).db.dispose()


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Hello, I am Peter Parker, call me on +1 212 555 0100.\n",
            "Hello, I am <PERSON>, call me on <PHONE_NUMBER>.\n",
        ),
        ("zh", f"身份证{VALID_ID}\n", "身份证<CN_RESIDENT_ID>\n"),
    ],
)
def test_candor_redact_reads_stdin_and_prints_redacted_text(tmp_path, language, text, expected):
    command = [str(Path(sys.executable).with_name("candor")), "redact", "--lang", language, "--summary"]
    result = subprocess.run(
        command,
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CANDOR_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    assert "Traceback" not in result.stderr
