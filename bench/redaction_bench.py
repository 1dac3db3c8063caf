"""Throughput of the redaction service: characters per second with NER and with patterns only.

Run: ``.venv/bin/python bench/redaction_bench.py [records_per_language]``. Uses the generated corpus of
``tests/redaction/pii_corpus.py`` (seeded faker, en_US and zh_CN interview sentences). Engines are built and
warmed before timing, as in a long-running worker; the goal is at least 10,000 characters/s with NER.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "redaction"))

from pii_corpus import generate  # noqa: E402

from candor.redaction.redactor import Redactor  # noqa: E402


def chars_per_second(redactor: Redactor, records: list, rounds: int = 2) -> float:
    for record in records[:20]:  # warm-up: first calls compile regexes and fill caches
        redactor.redact(record.text, record.language)
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        chars = 0
        for record in records:
            redactor.redact(record.text, record.language)
            chars += len(record.text)
        best = max(best, chars / (time.perf_counter() - started))
    return best


def main() -> None:
    per_language = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    records = generate(per_language)
    english = [r for r in records if r.language == "en"]
    chinese = [r for r in records if r.language == "zh"]
    started = time.perf_counter()
    with_ner = Redactor(ner=True)
    patterns_only = Redactor(ner=False)
    print(
        f"engines built in {time.perf_counter() - started:.1f} s; "
        f"{sum(len(r.text) for r in records):,} characters in {len(records)} records"
    )
    rows = [
        ("en, NER + patterns", chars_per_second(with_ner, english)),
        ("en, patterns only", chars_per_second(patterns_only, english)),
        ("zh, patterns (no zh NER)", chars_per_second(with_ner, chinese)),
    ]
    for label, speed in rows:
        print(f"{label:<26} {speed:>10,.0f} chars/s")
    print(f"patterns-only / NER (en)   {rows[1][1] / rows[0][1]:>10.2f}x")
    print(f"goal >= 10,000 chars/s with NER: {'met' if rows[0][1] >= 10_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
