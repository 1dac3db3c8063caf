"""Each merge rule, on packs built the way the loader builds them (validated by the schema)."""

from __future__ import annotations

from typing import Any

import pytest

from candor.declarations import DataCategory, Purpose
from candor.policy import PolicyPack, RecordKind, RequestKind, merge


def pack(pack_id: str, **fields: Any) -> PolicyPack:
    data: dict[str, Any] = {
        "pack": pack_id,
        "title": f"Pack {pack_id}",
        "version": "1",
        "jurisdictions": ["XX"],
        "consent": {"basis": "Art. 1", "required": [], "separate": []},
        "notice": {
            "version": "1",
            "en": "An English notice long enough.",
            "zh-CN": "一份足够长的中文告知文本。",
        },
    }
    data.update(fields)
    return PolicyPack.model_validate(data)


def test_consent_is_the_union_and_separate_consent_too():
    a = pack(
        "aa",
        consent={
            "basis": "A 1",
            "required": ["recruitment", "biometric_analysis"],
            "separate": ["biometric_analysis"],
        },
    )
    b = pack(
        "bb",
        consent={
            "basis": "B 1",
            "required": ["ai_evaluation", "cross_border_transfer"],
            "separate": ["cross_border_transfer"],
        },
    )
    merged = merge("XX", [a, b])
    assert merged.consent_required == {
        Purpose.RECRUITMENT,
        Purpose.BIOMETRIC_ANALYSIS,
        Purpose.AI_EVALUATION,
        Purpose.CROSS_BORDER_TRANSFER,
    }
    assert merged.consent_separate == {Purpose.BIOMETRIC_ANALYSIS, Purpose.CROSS_BORDER_TRANSFER}
    assert merged.needs_separate_consent(Purpose.BIOMETRIC_ANALYSIS)
    assert not merged.needs_separate_consent(Purpose.RECRUITMENT)


def test_retention_takes_the_shortest_maximum_and_the_longest_minimum():
    a = pack(
        "aa",
        retention={
            "video": {"max_days": 180, "basis": "A 5"},
            "audit_log": {"min_days": 183, "basis": "A 6"},
        },
    )
    b = pack(
        "bb",
        retention={
            "video": {"max_days": 30, "basis": "B 5"},
            "audit_log": {"min_days": 1095, "max_days": 3650, "basis": "B 6"},
            "transcript": {"max_days": 365, "basis": "B 7"},
        },
    )
    merged = merge("XX", [a, b])
    video = merged.retention[DataCategory.VIDEO]
    assert (video.max_days, video.max_from, video.min_days) == (30, "bb", None)
    audit = merged.retention[RecordKind.AUDIT_LOG]
    assert (audit.min_days, audit.min_from, audit.max_days) == (1095, "bb", 3650)
    assert merged.retention[DataCategory.TRANSCRIPT].max_days == 365  # only one pack speaks: it decides
    assert merged.conflicts == ()


def test_a_minimum_above_another_packs_maximum_is_kept_and_reported():
    keeps = pack("keeps", retention={"consent_record": {"min_days": 1095, "basis": "K 1"}})
    deletes = pack("deletes", retention={"consent_record": {"max_days": 180, "basis": "D 1"}})
    merged = merge("XX", [deletes, keeps])
    rule = merged.retention[RecordKind.CONSENT_RECORD]
    assert (rule.min_days, rule.max_days) == (1095, 1095)
    assert len(merged.conflicts) == 1
    assert "keeps requires keeping it 1095 days" in merged.conflicts[0]
    assert "deletes allows at most 180" in merged.conflicts[0]


def test_prohibitions_are_the_union():
    merged = merge(
        "XX",
        [
            pack("aa", prohibited_capabilities=["emotion_inference"]),
            pack("bb", prohibited_capabilities=["face_analysis"]),
            pack("cc"),
        ],
    )
    assert merged.prohibited_capabilities == {"emotion_inference", "face_analysis"}


@pytest.mark.parametrize(
    ("flags", "expected"), [((False, False), False), ((True, False), True), ((False, True), True)]
)
def test_human_decision_and_alternative_process_are_required_if_any_pack_requires_them(flags, expected):
    packs = [
        pack(
            f"p{i}",
            human_decision_required=flag,
            human_decision_basis="Art. 22" if flag else "",
            alternative_process_required=flag,
            alternative_process_basis="s. 20-871" if flag else "",
        )
        for i, flag in enumerate(flags)
    ]
    merged = merge("XX", packs)
    assert merged.human_decision_required is expected
    assert merged.alternative_process_required is expected


def test_request_deadlines_take_the_shortest_per_kind():
    a = pack(
        "aa",
        request_deadlines={"access": {"days": 30, "basis": "A 15"}, "erasure": {"days": 30, "basis": "A 17"}},
    )
    b = pack("bb", request_deadlines={"erasure": {"days": 15, "basis": "B 47"}})
    merged = merge("XX", [a, b])
    assert merged.request_deadlines[RequestKind.ACCESS].days == 30
    erasure = merged.request_deadlines[RequestKind.ERASURE]
    assert (erasure.days, erasure.pack, erasure.basis) == (15, "bb", "B 47")


def test_notice_lead_time_takes_the_longest_and_every_notice_is_kept():
    a = pack("aa", notice_lead_time={"business_days": 10, "basis": "LL144"})
    b = pack("bb", notice_lead_time={"business_days": 0, "basis": "Art. 13"})
    merged = merge("XX", [a, b, pack("cc")])
    assert merged.notice_lead_business_days == 10
    assert [pack_id for pack_id, _ in merged.notices] == ["aa", "bb", "cc"]


def test_no_pack_gives_an_empty_policy():
    merged = merge("ZZ", [])
    assert merged.packs == ()
    assert not merged.consent_required and not merged.retention and merged.notice_lead_business_days == 0
