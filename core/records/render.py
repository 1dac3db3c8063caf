"""The records as Markdown and HTML. Every value comes from declarations and packs that third parties write,
so Markdown escapes its special characters and HTML is rendered by Jinja with autoescaping."""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import Environment

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def md(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))
    return text.replace("<", "&lt;").replace("&lt;", "&lt;")


def _items(values: list[Any]) -> str:
    return ", ".join(md(v) for v in values) or "none"


def to_markdown(record: dict[str, Any]) -> str:
    ropa, dpia = record["ropa"], record["dpia"]
    lines = [
        f"# {md(ropa['title'])}",
        "",
        f"Inputs fingerprint: `{record['fingerprint']}`",
        "",
        f"Controller: {md(ropa['controller'])}",
        "",
        "## Processing activities",
        "",
        "| Activity | Purposes | Data categories | Region | Limits |",
        "|---|---|---|---|---|",
    ]
    for a in ropa["activities"]:
        lines.append(
            f"| {md(a['title'])} ({md(a['name'])}) | {_items(a['purposes'])} | "
            f"{_items(a['data_categories'])} | {md(a['region'] or 'local')} | {_items(a['limits'])} |"
        )
    lines += [
        "",
        f"All data categories: {_items(ropa['data_categories'])}",
        "",
        f"Data subjects: {_items(ropa['data_subjects'])}",
        "",
        "## Recipients and transfers",
        "",
    ]
    lines += [
        f"- {md(t['plugin'])}: region {md(t['region'])}" + (" (cross-border)" if t["cross_border"] else "")
        for t in ropa["transfers"]
    ] or ["- none outside this installation"]
    lines += ["", "## Retention", ""]
    for code, rules in ropa["retention"].items():
        lines.append(f"### {md(code)}")
        lines += [
            f"- {md(subject)}: at most {md(rule['max_days'])} days ({md(rule['max_from'])}), at least "
            f"{md(rule['min_days'])} days ({md(rule['min_from'])})"
            for subject, rule in rules.items()
        ]
    lines += ["", "## Policy packs", ""]
    lines += [
        f"- {md(p['pack'])} {md(p['version'])}: {md(p['title'])} ({_items(p['jurisdictions'])})"
        for p in ropa["policy_packs"]
    ]
    lines += ["", "## Security measures", ""]
    lines += [f"- **{md(m['measure'])}**: {md(m['detail'])}" for m in ropa["security_measures"]]
    lines += [
        "",
        f"# {md(dpia['title'])}",
        "",
        f"Status: {md(dpia['status'])}",
        "",
        f"Necessity and proportionality: {md(dpia['necessity'])}",
        "",
        f"Sensitive data: {_items(dpia['sensitive_data'])}",
        "",
        f"Automated decision-making: {_items(dpia['automated_decision_making'])}",
        "",
        "## Risks",
        "",
    ]
    lines += [
        f"- {md(r['risk'])} ({md(r['basis'])}): {_items(r['plugins'])}; mitigation: {md(r['mitigation'])};"
        f" residual risk: {md(r['residual'])}"
        for r in dpia["risks"]
    ] or ["- none identified"]
    lines += ["", "## Analyzer limits", ""]
    lines += [
        f"- {md(a['plugin'])}: {_items(a['limits'])}; accuracy {md(a['accuracy'])}"
        for a in dpia["analyzer_limits"]
    ] or ["- no analyzers enabled"]
    lines += ["", f"Sign-off: {md(dpia['sign_off'])}", ""]
    return "\n".join(lines)


_HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ ropa.title }}</title></head><body>
<h1>{{ ropa.title }}</h1>
<p>Inputs fingerprint: <code>{{ fingerprint }}</code></p>
<p>Controller: {{ ropa.controller }}</p>
<h2>Processing activities</h2>
<table><thead><tr><th>Activity</th><th>Purposes</th><th>Data categories</th>
<th>Region</th><th>Limits</th></tr>
</thead><tbody>
{% for a in ropa.activities %}<tr><td>{{ a.title }} ({{ a.name }})</td><td>{{ a.purposes|join(", ") }}</td>
<td>{{ a.data_categories|join(", ") }}</td>
<td>{{ a.region or "local" }}</td><td>{{ a.limits|join("; ") }}</td></tr>
{% endfor %}</tbody></table>
<p>All data categories: {{ ropa.data_categories|join(", ") }}</p>
<h2>Recipients and transfers</h2><ul>
{% for t in ropa.transfers %}<li>{{ t.plugin }}: region {{ t.region }}
{%- if t.cross_border %} (cross-border){% endif %}</li>
{% else %}<li>none outside this installation</li>{% endfor %}</ul>
<h2>Retention</h2>
{% for code, rules in ropa.retention.items() %}<h3>{{ code }}</h3><ul>
{% for subject, rule in rules.items() %}
<li>{{ subject }}: at most {{ rule.max_days }} days ({{ rule.max_from }}),
at least {{ rule.min_days }} days ({{ rule.min_from }})</li>{% endfor %}</ul>{% endfor %}
<h2>Policy packs</h2><ul>
{% for p in ropa.policy_packs %}<li>{{ p.pack }} {{ p.version }}: {{ p.title }}</li>{% endfor %}</ul>
<h2>Security measures</h2><ul>
{% for m in ropa.security_measures %}
<li><strong>{{ m.measure }}</strong>: {{ m.detail }}</li>{% endfor %}</ul>
<h1>{{ dpia.title }}</h1>
<p>Status: {{ dpia.status }}</p>
<p>Necessity and proportionality: {{ dpia.necessity }}</p>
<p>Sensitive data: {{ dpia.sensitive_data|join(", ") or "none" }}</p>
<p>Automated decision-making: {{ dpia.automated_decision_making|join(", ") or "none" }}</p>
<h2>Risks</h2><ul>
{% for r in dpia.risks %}<li>{{ r.risk }} ({{ r.basis }}): {{ r.plugins|join(", ") }};
mitigation: {{ r.mitigation }};
residual risk: {{ r.residual }}</li>{% else %}<li>none identified</li>{% endfor %}</ul>
<h2>Analyzer limits</h2><ul>
{% for a in dpia.analyzer_limits %}<li>{{ a.plugin }}: {{ a.limits|join("; ") }}</li>
{% else %}<li>no analyzers enabled</li>{% endfor %}</ul>
<p>Sign-off: {{ dpia.sign_off }}</p>
</body></html>
""")


def to_html(record: dict[str, Any]) -> str:
    return _HTML.render(ropa=record["ropa"], dpia=record["dpia"], fingerprint=record["fingerprint"])


def render(record: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False, default=str)
    if fmt == "md":
        return to_markdown(record)
    if fmt == "html":
        return to_html(record)
    raise ValueError(f"Unknown format {fmt!r}; use json, md or html.")
