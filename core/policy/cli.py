"""``candor policies``: list the loaded packs and show the merged rules for a location.

For operators checking an organisation pack, and for auditors reading what the platform will enforce.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from candor.policy.errors import PolicyError
from candor.policy.merge import MergedPolicy
from candor.state import get_state


@click.group("policies")
def policies_group() -> None:
    """Policy packs: which laws apply where, and what they require."""


@policies_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_packs(as_json: bool) -> None:
    """Every loaded pack: id, version, jurisdictions and the file it came from."""
    loaded = get_state(current_app).policies.all()
    if as_json:
        rows = [
            {
                "pack": item.pack.pack,
                "version": item.pack.version,
                "title": item.pack.title,
                "jurisdictions": list(item.pack.jurisdictions),
                "builtin": item.builtin,
                "path": item.path,
            }
            for item in loaded
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for item in loaded:
        origin = "built-in" if item.builtin else item.path
        click.echo(
            f"{item.pack.pack:<16} {item.pack.version:<10} {','.join(item.pack.jurisdictions):<14} "
            f"{item.pack.title}  [{origin}]"
        )


@policies_group.command("show")
@click.option("--location", required=True, help="A job location: CN, DE, EU, US-IL, US-NYC...")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def show_merged(location: str, as_json: bool) -> None:
    """The merged rules for a job at LOCATION, with the pack that decided each one."""
    try:
        merged = get_state(current_app).policies.for_location(location)
    except PolicyError as exc:
        raise click.BadParameter(str(exc), param_hint="--location") from None
    if as_json:
        click.echo(json.dumps(merged.to_dict(), indent=2, ensure_ascii=False))
        return
    for line in _describe(merged):
        click.echo(line)


def _describe(merged: MergedPolicy) -> list[str]:
    if not merged.packs:
        return [f"No policy pack applies to {merged.location}. Add one in a policy_dirs folder."]
    lines = [f"Location {merged.location}: packs {', '.join(merged.packs)}"]
    lines.append(f"consent required: {', '.join(sorted(merged.consent_required)) or 'none'}")
    lines.append(f"separate consent: {', '.join(sorted(merged.consent_separate)) or 'none'}")
    lines.append(f"prohibited capabilities: {', '.join(sorted(merged.prohibited_capabilities)) or 'none'}")
    lines.append(f"human decision required: {'yes' if merged.human_decision_required else 'no'}")
    lines.append(f"alternative process required: {'yes' if merged.alternative_process_required else 'no'}")
    lines.append(f"notice lead time: {merged.notice_lead_business_days} business days")
    lines.append("notices: " + ", ".join(f"{pack} v{notice.version}" for pack, notice in merged.notices))
    lines.append("retention:")
    for subject, rule in merged.retention.items():
        parts = []
        if rule.max_days is not None:
            parts.append(f"at most {rule.max_days} days ({rule.max_from})")
        if rule.min_days is not None:
            parts.append(f"at least {rule.min_days} days ({rule.min_from})")
        lines.append(f"  {subject:<15} {'; '.join(parts)}")
    lines.append("request deadlines:")
    for kind, deadline in merged.request_deadlines.items():
        lines.append(f"  {kind:<15} {deadline.days} days ({deadline.pack}: {deadline.basis})")
    for conflict in merged.conflicts:
        lines.append(f"CONFLICT: {conflict}")
    return lines
