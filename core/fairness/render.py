"""The bias audit report as CSV and as a self-contained HTML page with inline SVG charts (no script).

Every piece of text that came from data (job titles, category labels an installation defined) is escaped.
"""

from __future__ import annotations

import csv
import io
from html import escape

from candor.fairness.metrics import Breakdown
from candor.fairness.report import BiasReport, IllinoisReport

FOUR_FIFTHS = 0.8  # the classic adverse-impact reference line; LL144 itself sets no threshold

CSV_FIELDS = ["output", "breakdown", "category", "label", "count", "favourable", "rate", "share",
              "impact_ratio", "excluded", "justification", "sample_median"]


def _number(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def bias_csv(report: BiasReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for result in (report.scoring, report.selection):
        median = _number(result.median)
        for table in result.breakdowns:
            for c in table.categories:
                writer.writerow([result.kind, table.dimension, c.key, c.label, c.count, c.favourable,
                                 _number(c.rate), _number(c.share), _number(c.impact_ratio),
                                 "yes" if c.excluded else "no", c.justification or "", median])
            writer.writerow([result.kind, table.dimension, "unknown", "Unknown", table.unknown, "", "", "",
                             "", "not rated", "Category not given or declined.", median])
    return out.getvalue()


def illinois_csv(report: IllinoisReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["year", "race_ethnicity", "label", "advanced", "not_advanced", "undecided", "hired"])
    for row in report.rows:
        writer.writerow([report.year, row.key or "unknown", row.label, row.advanced, row.not_advanced,
                         row.undecided, row.hired])
    return out.getvalue()


def _chart(table: Breakdown) -> str:
    """Horizontal bars of impact ratios on a 0..1 scale with the 0.8 reference line."""
    rows = list(table.categories)
    label_w, bar_w, row_h, top = 260, 360, 22, 24
    height = top + row_h * max(len(rows), 1) + 10
    x0 = label_w
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 70}" height="{height}" '
             f'role="img" aria-label="{escape(f"Impact ratios by {table.dimension}")}">']
    for tick in (0.0, 0.5, 1.0):
        x = x0 + tick * bar_w
        parts.append(f'<text x="{x:.1f}" y="14" font-size="11" text-anchor="middle">{tick:.1f}</text>')
    for i, c in enumerate(rows):
        y = top + i * row_h
        parts.append(f'<text x="{x0 - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
                     f'{escape(c.label)}</text>')
        if c.impact_ratio is None:
            note = "excluded (&lt; threshold)" if c.excluded else "undefined"
            parts.append(f'<text x="{x0 + 4}" y="{y + 15}" font-size="11" fill="#666">{note}</text>')
            continue
        width = max(c.impact_ratio, 0.0) * bar_w
        colour = "#c0392b" if c.impact_ratio < FOUR_FIFTHS else "#2e86c1"
        parts.append(f'<rect x="{x0}" y="{y + 3}" width="{width:.1f}" height="{row_h - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{x0 + width + 4:.1f}" y="{y + 15}" font-size="11">'
                     f'{c.impact_ratio:.3f}</text>')
    line_x = x0 + FOUR_FIFTHS * bar_w
    parts.append(f'<line x1="{line_x:.1f}" y1="18" x2="{line_x:.1f}" y2="{height - 4}" stroke="#000" '
                 'stroke-dasharray="4 3"><title>0.8 (four-fifths) reference</title></line>')
    parts.append("</svg>")
    return "".join(parts)


def _table(table: Breakdown, kind: str) -> str:
    rate_name = "Scoring rate" if kind == "scoring" else "Selection rate"
    head = (f"<tr><th>Category</th><th>Count</th><th>{rate_name}</th><th>Share</th><th>Impact ratio</th>"
            "<th>Note</th></tr>")
    body = "".join(
        f"<tr><td>{escape(c.label)}</td><td>{c.count}</td><td>{c.rate:.4f}</td><td>{c.share:.2%}</td>"
        f"<td>{_number(c.impact_ratio, 3) or '—'}</td><td>{escape(c.justification or '')}</td></tr>"
        for c in table.categories)
    body += f"<tr><td>Unknown</td><td>{table.unknown}</td><td colspan=\"4\">not rated</td></tr>"
    notes = "".join(f"<p>{escape(n)}</p>" for n in table.notes)
    return f"<table>{head}{body}</table>{notes}"


def bias_html(report: BiasReport) -> str:
    start = str(report.since.date()) if report.since else "the start"
    period = f"{start} to {report.until.date() if report.until else 'now'}"
    sections = []
    for result, title in ((report.scoring, "Scoring output"), (report.selection, "Selection output")):
        median = f"; median score of the whole sample: {result.median:g}" if result.median is not None else ""
        sections.append(f"<h2>{title}</h2><p>Sample: {result.sample}{escape(median)}</p>")
        if result.sample == 0:
            sections.append("<p>No interview of this job has this kind of output in the period.</p>")
            continue
        for table in result.breakdowns:
            sections.append(f"<h3>By {escape(table.dimension.replace('_', '/'))}</h3>")
            sections.append(_chart(table))
            sections.append(_table(table, result.kind))
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Bias audit: {escape(report.job_title)}</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}"
        "td:nth-child(6){font-size:.8rem;max-width:22rem}</style></head><body>"
        f"<h1>Bias audit (NYC Local Law 144): {escape(report.job_title)}</h1>"
        f"<p>Job {report.job_id}; interviews from {escape(period)}; {report.interviews} interviews, "
        f"{report.with_answers} with demographic answers given with consent. Generated "
        f"{escape(report.generated_at.isoformat(timespec='seconds'))}.</p>"
        "<p>Impact ratio = a category's rate divided by the highest category's rate. The dashed line marks "
        "0.8, the four-fifths reference; LL144 itself sets no threshold. Categories under "
        f"{report.threshold:.0%} of the known data are excluded from the ratios, with the justification "
        "shown.</p>"
        + "".join(sections) + "</body></html>")
