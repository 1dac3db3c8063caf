"""The NYC LL144 bias audit arithmetic (6 RCNY 5-301), on plain observations and the standard library only.

Scoring output: the median score of the whole sample; a category's scoring rate is the share of its members
scoring above that median; its impact ratio is its rate divided by the highest category's rate. Selection
output: the selection rate is the share selected; the impact ratio likewise. Both are computed separately for
each dimension (sex, race/ethnicity) and for their intersection. People whose category is unknown (declined
or not given) are counted, not rated. A category under the exclusion threshold (2% of the people with a known
category) is left out of the impact ratios, with the justification, as the rule permits.

This module knows nothing of the database: ``candor.fairness.report`` feeds it.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["scoring", "selection"]
DEFAULT_EXCLUSION_THRESHOLD = 0.02
JOIN = "|"  # between the category keys of an intersectional category


@dataclass(frozen=True)
class Observation:
    """One person in the audit: a category per dimension (``None`` when unknown) and the tool's output."""

    groups: Mapping[str, str | None]
    score: float | None = None
    selected: bool | None = None


@dataclass(frozen=True)
class CategoryResult:
    key: str
    label: str
    count: int
    favourable: int  # scored above the median, or selected
    rate: float
    share: float  # of the people with a known category in this breakdown
    impact_ratio: float | None = None  # None when excluded, or when no category has a positive rate
    excluded: bool = False
    justification: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "count": self.count, "favourable": self.favourable,
                "rate": self.rate, "share": self.share, "impact_ratio": self.impact_ratio,
                "excluded": self.excluded, "justification": self.justification}


@dataclass(frozen=True)
class Breakdown:
    """One table of the report: one kind of output, by one dimension or by the intersection."""

    kind: Kind
    dimension: str
    categories: tuple[CategoryResult, ...]
    unknown: int
    highest: str | None  # key of the category the ratios divide by
    notes: tuple[str, ...] = field(default=())

    @property
    def known(self) -> int:
        return sum(c.count for c in self.categories)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "dimension": self.dimension, "known": self.known, "unknown": self.unknown,
                "highest": self.highest, "notes": list(self.notes),
                "categories": [c.to_dict() for c in self.categories]}


def justification(label: str, share: float, known: int, threshold: float) -> str:
    return (f"{label} is {share:.2%} of the {known} people with a known category, under the {threshold:.0%} "
            "threshold. 6 RCNY 5-301 lets the auditor exclude a category that small from the impact ratio "
            "calculations: a rate over so few people is dominated by chance. Its count and rate are still "
            "shown.")


def breakdown(kind: Kind, dimension: str, members: Sequence[tuple[str | None, bool]],
              label_of: Callable[[str], str], *, order: Sequence[str] = (),
              threshold: float = DEFAULT_EXCLUSION_THRESHOLD) -> Breakdown:
    """Rates and impact ratios for ``members``: (category key or None when unknown, favourable outcome)."""
    counts: dict[str, list[int]] = {}
    unknown = 0
    for category, favourable in members:
        if category is None:
            unknown += 1
            continue
        tally = counts.setdefault(category, [0, 0])
        tally[0] += 1
        tally[1] += int(favourable)
    known = sum(t[0] for t in counts.values())
    rank = {key: i for i, key in enumerate(order)}
    keys = sorted(counts, key=lambda k: (rank.get(k, len(rank)), k))
    rates = {k: counts[k][1] / counts[k][0] for k in keys}
    excluded = {k for k in keys if threshold > 0 and counts[k][0] / known < threshold}
    rated = [k for k in keys if k not in excluded]
    highest = max(rated, key=lambda k: rates[k], default=None)
    notes: list[str] = []
    top = rates[highest] if highest is not None else 0.0
    if highest is not None and top == 0:
        notes.append("No category has a favourable outcome, so impact ratios are undefined.")
    results = []
    for k in keys:
        share = counts[k][0] / known
        label = label_of(k)
        results.append(CategoryResult(
            key=k, label=label, count=counts[k][0], favourable=counts[k][1], rate=rates[k], share=share,
            impact_ratio=None if k in excluded or top == 0 else rates[k] / top, excluded=k in excluded,
            justification=justification(label, share, known, threshold) if k in excluded else None))
    return Breakdown(kind, dimension, tuple(results), unknown, highest if top > 0 else None, tuple(notes))


def intersection_key(groups: Mapping[str, str | None], dimensions: Sequence[str]) -> str | None:
    values = [groups.get(d) for d in dimensions]
    return None if any(v is None for v in values) else JOIN.join(v for v in values if v is not None)


@dataclass(frozen=True)
class AuditResult:
    kind: Kind
    sample: int  # people with an output of this kind
    median: float | None  # scoring output only
    breakdowns: tuple[Breakdown, ...]

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "sample": self.sample, "median": self.median,
                "breakdowns": [b.to_dict() for b in self.breakdowns]}


def audit(kind: Kind, observations: Sequence[Observation], dimensions: Sequence[str],
          label_of: Callable[[str, str], str], *, order: Mapping[str, Sequence[str]] | None = None,
          threshold: float = DEFAULT_EXCLUSION_THRESHOLD) -> AuditResult:
    """Every breakdown of one kind of output: each dimension alone, then all of them intersected.

    :param label_of: ``(dimension, category key) -> label``; intersectional labels join the parts.
    :param order: the order categories are listed in, per dimension (the vocabulary's order).
    """
    order = order or {}
    if kind == "scoring":
        sample = [o for o in observations if o.score is not None]
        median = statistics.median([o.score for o in sample]) if sample else None  # type: ignore[type-var]

        def favourable(o: Observation) -> bool:
            return median is not None and o.score is not None and o.score > median
    else:
        sample = [o for o in observations if o.selected is not None]
        median = None

        def favourable(o: Observation) -> bool:
            return bool(o.selected)

    tables = [breakdown(kind, d, [(o.groups.get(d), favourable(o)) for o in sample],
                        lambda k, d=d: label_of(d, k), order=order.get(d, ()), threshold=threshold)
              for d in dimensions]
    if len(dimensions) > 1:
        combined = " × ".join(dimensions)
        crossed = [JOIN.join(parts) for parts in itertools.product(*(order.get(d, ()) for d in dimensions))]

        def crossed_label(key: str) -> str:
            return " ".join(label_of(d, part) for d, part in zip(dimensions, key.split(JOIN), strict=True))

        tables.append(breakdown(kind, combined,
                                [(intersection_key(o.groups, dimensions), favourable(o)) for o in sample],
                                crossed_label, order=crossed, threshold=threshold))
    return AuditResult(kind, len(sample), median, tuple(tables))

