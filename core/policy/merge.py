"""Combining the packs that apply to one job into the rules the platform follows for it.

Owns ``MergedPolicy`` and ``merge``. The strictest rule wins, field by field (docs/policies.md says the same):

- consent: the union of purposes needing consent, and the union of those needing *separate* consent;
- notices: every applicable pack's notice is kept (each regime's notice must be shown), in pack order;
- retention, per data category or record: the shortest ``max_days`` and the longest ``min_days``. When the
  longest minimum exceeds the shortest maximum the packs contradict each other: the minimum is kept (a
  duty to keep records outlives a duty to delete, and deleting early cannot be undone), ``max_days`` is
  raised to it and the conflict is reported in ``conflicts``;
- prohibited capabilities: the union;
- human decision: required if any pack requires it; alternative non-AI process: likewise;
- data-subject request deadlines: the shortest, per kind of request;
- notice lead time: the longest.

Every merged value remembers which pack decided it, for ``candor policies show`` and for exports.
It must not read files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from candor.declarations import Purpose
from candor.policy.schema import Notice, PolicyPack, RecordKind, RequestKind, RetentionSubject


@dataclass(frozen=True)
class MergedRetention:
    max_days: int | None
    min_days: int | None
    max_from: str | None  # pack id that set the maximum
    min_from: str | None


@dataclass(frozen=True)
class MergedDeadline:
    days: int
    pack: str
    basis: str


@dataclass(frozen=True)
class MergedPolicy:
    """The rules for one location after merging every applicable pack."""

    location: str
    packs: tuple[str, ...]
    consent_required: frozenset[Purpose] = frozenset()
    consent_separate: frozenset[Purpose] = frozenset()
    notices: tuple[tuple[str, Notice], ...] = ()
    retention: dict[RetentionSubject, MergedRetention] = field(default_factory=dict)
    prohibited_capabilities: frozenset[str] = frozenset()
    human_decision_required: bool = False
    alternative_process_required: bool = False
    request_deadlines: dict[RequestKind, MergedDeadline] = field(default_factory=dict)
    notice_lead_business_days: int = 0
    conflicts: tuple[str, ...] = ()

    def needs_consent(self, purpose: Purpose) -> bool:
        return purpose in self.consent_required

    def needs_separate_consent(self, purpose: Purpose) -> bool:
        return purpose in self.consent_separate

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view, as ``candor policies show --json`` prints it."""
        return {
            "location": self.location,
            "packs": list(self.packs),
            "consent": {
                "required": sorted(self.consent_required),
                "separate": sorted(self.consent_separate),
            },
            "notices": [
                {"pack": pack, "version": notice.version, "en": notice.en, "zh-CN": notice.zh_cn}
                for pack, notice in self.notices
            ],
            "retention": {
                str(subject): {
                    "max_days": rule.max_days,
                    "min_days": rule.min_days,
                    "max_from": rule.max_from,
                    "min_from": rule.min_from,
                }
                for subject, rule in sorted(self.retention.items())
            },
            "prohibited_capabilities": sorted(self.prohibited_capabilities),
            "human_decision_required": self.human_decision_required,
            "alternative_process_required": self.alternative_process_required,
            "request_deadlines": {
                str(kind): {"days": d.days, "pack": d.pack, "basis": d.basis}
                for kind, d in sorted(self.request_deadlines.items())
            },
            "notice_lead_business_days": self.notice_lead_business_days,
            "conflicts": list(self.conflicts),
        }


def merge(location: str, packs: Sequence[PolicyPack]) -> MergedPolicy:
    """Merge ``packs`` (already chosen for ``location``) by the rules in this module's docstring."""
    retention, conflicts = _merge_retention(packs)
    deadlines: dict[RequestKind, MergedDeadline] = {}
    for pack in packs:
        for kind, deadline in pack.request_deadlines.items():
            current = deadlines.get(kind)
            if current is None or deadline.days < current.days:
                deadlines[kind] = MergedDeadline(deadline.days, pack.pack, deadline.basis)
    return MergedPolicy(
        location=location,
        packs=tuple(pack.pack for pack in packs),
        consent_required=frozenset().union(*(p.consent.required for p in packs)),
        consent_separate=frozenset().union(*(p.consent.separate for p in packs)),
        notices=tuple((pack.pack, pack.notice) for pack in packs),
        retention=retention,
        prohibited_capabilities=frozenset().union(*(p.prohibited_capabilities for p in packs)),
        human_decision_required=any(p.human_decision_required for p in packs),
        alternative_process_required=any(p.alternative_process_required for p in packs),
        request_deadlines=deadlines,
        notice_lead_business_days=max(
            (p.notice_lead_time.business_days for p in packs if p.notice_lead_time), default=0
        ),
        conflicts=tuple(conflicts),
    )


def _merge_retention(
    packs: Sequence[PolicyPack],
) -> tuple[dict[RetentionSubject, MergedRetention], list[str]]:
    shortest_max: dict[RetentionSubject, tuple[int, str]] = {}
    longest_min: dict[RetentionSubject, tuple[int, str]] = {}
    for pack in packs:
        for subject, rule in pack.retention.items():
            if rule.max_days is not None and (
                subject not in shortest_max or rule.max_days < shortest_max[subject][0]
            ):
                shortest_max[subject] = (rule.max_days, pack.pack)
            if rule.min_days is not None and (
                subject not in longest_min or rule.min_days > longest_min[subject][0]
            ):
                longest_min[subject] = (rule.min_days, pack.pack)
    merged: dict[RetentionSubject, MergedRetention] = {}
    conflicts: list[str] = []
    for subject in sorted({*shortest_max, *longest_min}, key=_subject_order):
        max_days, max_from = shortest_max.get(subject, (None, None))
        min_days, min_from = longest_min.get(subject, (None, None))
        if max_days is not None and min_days is not None and min_days > max_days:
            conflicts.append(
                f"retention of {subject}: {min_from} requires keeping it {min_days} days but "
                f"{max_from} allows "
                f"at most {max_days}; keeping it {min_days} days"
            )
            max_days, max_from = min_days, min_from
        merged[subject] = MergedRetention(max_days, min_days, max_from, min_from)
    return merged, conflicts


def _subject_order(subject: RetentionSubject) -> tuple[int, str]:
    return (1 if isinstance(subject, RecordKind) else 0, str(subject))
