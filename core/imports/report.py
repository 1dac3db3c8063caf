"""The report of an import, dry or real: counts by outcome, anomaly counts by code and field, the first
anomalies as examples, and what happened to the write. Holds no cell values, so it can be printed, logged and
stored; memory stays bounded because only the first ``max_examples`` anomalies are kept (a sink receives all).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from candor.imports.rows import Anomaly


@dataclass
class ImportReport:
    kind: str
    file_format: str
    encoding: str | None
    file_sha256: str
    dry_run: bool
    max_examples: int = 20
    rows_total: int = 0
    rows_new: int = 0
    rows_existing: int = 0
    rows_with_anomalies: int = 0
    anomaly_counts: Counter[str] = field(default_factory=Counter)
    field_counts: Counter[str] = field(default_factory=Counter)
    examples: list[Anomaly] = field(default_factory=list)
    #: Receives every anomaly (e.g. to write a full report file); the report itself keeps only examples.
    sink: Callable[[Anomaly], None] | None = None
    outcome: str = "dry_run"
    failed_row: int | None = None
    failure: str | None = None
    run_id: int | None = None
    columns: dict[str, str] = field(default_factory=dict)

    def add(self, status: str, anomalies: Iterable[Anomaly]) -> None:
        self.rows_total += 1
        listed = list(anomalies)
        if listed:
            self.rows_with_anomalies += 1
        elif status == "existing":
            self.rows_existing += 1
        else:
            self.rows_new += 1
        for anomaly in listed:
            self.anomaly_counts[anomaly.code] += 1
            self.field_counts[anomaly.field] += 1
            if len(self.examples) < self.max_examples:
                self.examples.append(anomaly)
            if self.sink is not None:
                self.sink(anomaly)

    @property
    def clean(self) -> bool:
        return self.rows_with_anomalies == 0 and self.failure is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "format": self.file_format, "encoding": self.encoding,
            "file_sha256": self.file_sha256, "dry_run": self.dry_run, "outcome": self.outcome,
            "columns": self.columns,
            "rows": {"total": self.rows_total, "new": self.rows_new, "existing": self.rows_existing,
                     "with_anomalies": self.rows_with_anomalies},
            "anomalies": {"total": sum(self.anomaly_counts.values()), "by_code": dict(self.anomaly_counts),
                          "by_field": dict(self.field_counts)},
            "examples": [a.to_dict() for a in self.examples],
            "failed_row": self.failed_row, "failure": self.failure, "run_id": self.run_id,
        }

    def lines(self) -> list[str]:
        """The report as a person reads it on a terminal."""
        existing = "updated" if self.kind == "jobs" else "already known"
        out = [f"{self.file_format.upper()} file" + (f" ({self.encoding})" if self.encoding else "")
               + f", sha256 {self.file_sha256[:12]}…",
               "Columns: " + ", ".join(f"{header} -> {name}" for name, header in self.columns.items()),
               f"Rows: {self.rows_total} read, {self.rows_new} new, {self.rows_existing} {existing}, "
               f"{self.rows_with_anomalies} with anomalies."]
        if self.anomaly_counts:
            out.append("Anomalies: " + ", ".join(f"{code} {count}" for code, count
                                                 in self.anomaly_counts.most_common()))
            shown = len(self.examples)
            total = sum(self.anomaly_counts.values())
            out.append(f"First {shown} of {total}:" if shown < total else "All of them:")
            out.extend(f"  {anomaly}" for anomaly in self.examples)
        if self.failure:
            out.append(f"Nothing was imported: {self.failure}")
        elif self.dry_run:
            out.append("Dry run: nothing was written.")
        elif self.outcome == "imported":
            out.append(f"Imported in one transaction (import run {self.run_id}).")
        return out
