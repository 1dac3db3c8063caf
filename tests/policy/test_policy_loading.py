"""The built-in packs, which apply where, organisation packs, and broken packs stopping startup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from candor.declarations import DataCategory, Purpose
from candor.policy import PolicyError, RecordKind, RequestKind, load_policy_set

BUILTIN = {"pipl", "gdpr", "eu_ai_act", "illinois_aivi", "nyc_ll144"}

ORG_PACK = """
pack: acme_retention
title: ACME group retention rules
version: "3"
jurisdictions: [US]
consent: {basis: "ACME policy 4.2", required: [recruitment]}
notice:
  version: "3"
  en: "ACME keeps interview recordings for 90 days at most."
  zh-CN: "ACME 的面试录像最多保存90天。"
retention:
  video: {max_days: 90, basis: "ACME policy 7.1"}
"""


def write_pack(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_five_builtin_packs_load_with_both_notice_languages():
    policies = load_policy_set()
    assert {loaded.pack.pack for loaded in policies.all()} == BUILTIN
    for loaded in policies.all():
        assert loaded.builtin
        assert loaded.pack.notice.en and loaded.pack.notice.zh_cn and loaded.pack.notice.version


def test_pipl_needs_separate_consent_for_biometrics_and_transfer_and_keeps_audit_three_years():
    merged = load_policy_set().for_location("CN")
    assert merged.packs == ("pipl",)
    assert merged.consent_separate >= {Purpose.BIOMETRIC_ANALYSIS, Purpose.CROSS_BORDER_TRANSFER}
    assert merged.retention[RecordKind.AUDIT_LOG].min_days >= 1095


def test_a_member_state_gets_gdpr_and_the_ai_act_which_forbids_emotion_inference():
    for location in ("DE", "fr", "EU", "IE-D"):
        merged = load_policy_set().for_location(location)
        assert set(merged.packs) == {"gdpr", "eu_ai_act"}, location
        assert "emotion_inference" in merged.prohibited_capabilities
        assert merged.human_decision_required
        assert merged.retention[RecordKind.ANALYSIS_LOG].min_days >= 183


def test_us_locations_get_only_their_own_laws():
    policies = load_policy_set()
    nyc = policies.for_location("US-NYC")
    assert nyc.packs == ("nyc_ll144",)
    assert nyc.notice_lead_business_days == 10
    assert nyc.alternative_process_required
    assert "emotion_inference" not in nyc.prohibited_capabilities
    chicago = policies.for_location("US-IL-CHI")
    assert chicago.packs == ("illinois_aivi",)
    assert chicago.request_deadlines[RequestKind.ERASURE].days == 30
    assert chicago.consent_required >= {Purpose.AI_EVALUATION}
    assert policies.for_location("US-CA").packs == ()
    assert policies.for_location("GB").packs == ()


def test_a_location_that_is_not_a_code_is_refused():
    with pytest.raises(PolicyError, match="not a jurisdiction code"):
        load_policy_set().for_location("New York!")


def test_an_organisation_pack_adds_rules_and_can_only_tighten(tmp_path):
    write_pack(tmp_path / "org", "acme.yaml", ORG_PACK)
    policies = load_policy_set([tmp_path / "org"])
    loaded = {item.pack.pack: item for item in policies.all()}
    assert not loaded["acme_retention"].builtin
    assert loaded["acme_retention"].path.endswith("acme.yaml")
    nyc = policies.for_location("US-NYC")
    assert nyc.packs == ("nyc_ll144", "acme_retention")
    assert nyc.retention[DataCategory.VIDEO].max_days == 90
    assert nyc.notice_lead_business_days == 10  # the built-in rule still holds
    assert policies.for_location("CN").packs == ("pipl",)


def test_an_organisation_pack_cannot_take_a_builtin_id(tmp_path):
    write_pack(tmp_path, "gdpr.yaml", ORG_PACK.replace("acme_retention", "gdpr"))
    with pytest.raises(PolicyError) as caught:
        load_policy_set([tmp_path])
    assert "gdpr.yaml: field 'pack'" in str(caught.value)
    assert "already used" in str(caught.value)


BROKEN = {
    "bad YAML": ("pack: acme\ntitle: [unclosed\n", ["not valid YAML", "line 3"]),
    "unknown field": (ORG_PACK + "retension: {}\n", ["field 'retension'", "unknown field"]),
    "wrong type": (
        ORG_PACK.replace("max_days: 90", "max_days: ninety"),
        ["field 'retention.video.max_days'", "valid integer", "'ninety'"],
    ),
    "unknown purpose": (
        ORG_PACK.replace("required: [recruitment]", "required: [recruiting]"),
        ["field 'consent.required", "'recruitment'", "'recruiting'"],
    ),
    "unknown data category": (ORG_PACK.replace("  video:", "  videos:"), ["field 'retention.videos'"]),
    "missing field": (
        ORG_PACK.replace("title: ACME group retention rules\n", ""),
        ["field 'title'", "required"],
    ),
    "empty file": ("", ["expected a mapping"]),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_pack_names_the_file_and_the_field(tmp_path, case):
    text, expected = BROKEN[case]
    path = write_pack(tmp_path / "org", "acme.yaml", text)
    with pytest.raises(PolicyError) as caught:
        load_policy_set([tmp_path / "org"])
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message, message


def test_a_broken_pack_stops_create_app(candor_settings, tmp_path):
    from candor.app import create_app

    path = write_pack(tmp_path / "org", "acme.yaml", ORG_PACK.replace("[recruitment]", "[recruiting]"))
    with pytest.raises(PolicyError) as caught:
        create_app({**candor_settings, "policy_dirs": str(tmp_path / "org")})
    assert str(path) in str(caught.value) and "consent.required" in str(caught.value)


def test_a_missing_policy_folder_stops_create_app(candor_settings, tmp_path):
    from candor.app import create_app

    with pytest.raises(PolicyError, match="not a folder"):
        create_app({**candor_settings, "policy_dirs": str(tmp_path / "nowhere")})


def test_the_app_holds_the_loaded_packs(candor_settings, tmp_path):
    from candor.app import create_app
    from candor.state import get_state

    write_pack(tmp_path / "org", "acme.yaml", ORG_PACK)
    app = create_app({**candor_settings, "policy_dirs": f"{tmp_path / 'org'}, "})
    try:
        assert "acme_retention" in get_state(app).policies
        assert len(get_state(app).policies) == len(BUILTIN) + 1
    finally:
        get_state(app).db.dispose()


def _candor(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("candor")), *args]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


def test_cli_lists_packs_and_shows_the_merged_view(tmp_path):
    write_pack(tmp_path / "org", "acme.yaml", ORG_PACK)
    env = {"CANDOR_DATA_DIR": str(tmp_path / "data"), "CANDOR_POLICY_DIRS": str(tmp_path / "org")}
    listing = _candor(["policies", "list"], env)
    assert listing.returncode == 0, listing.stderr
    assert "nyc_ll144" in listing.stdout and "acme_retention" in listing.stdout
    shown = _candor(["policies", "show", "--location", "US-NYC", "--json"], env)
    assert shown.returncode == 0, shown.stderr
    merged = json.loads(shown.stdout)
    assert merged["packs"] == ["nyc_ll144", "acme_retention"]
    assert merged["notice_lead_business_days"] == 10
    assert merged["retention"]["video"] == {
        "max_days": 90,
        "min_days": None,
        "max_from": "acme_retention",
        "min_from": None,
    }
    text = _candor(["policies", "show", "--location", "DE"], env)
    assert "emotion_inference" in text.stdout and "gdpr" in text.stdout


def test_cli_reports_a_broken_pack_without_a_traceback(tmp_path):
    path = write_pack(tmp_path / "org", "acme.yaml", ORG_PACK + "retension: {}\n")
    result = _candor(
        ["policies", "list"],
        {"CANDOR_DATA_DIR": str(tmp_path / "data"), "CANDOR_POLICY_DIRS": str(tmp_path / "org")},
    )
    assert result.returncode == 2
    assert str(path) in result.stderr and "retension" in result.stderr
    assert "Traceback" not in result.stderr
