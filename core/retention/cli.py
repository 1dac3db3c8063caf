"""``candor retention``: the dry-run plan, a run, and legal holds.

``plan`` changes nothing; ``run`` purges exactly what a plan made in the same transaction lists and logs the
counts and ids. Both print ids and counts only. Hold changes are attributed to ``system:cli``.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from candor import audit
from candor.retention.holds import SCOPE_NAMES, HoldError, hold_dict, list_holds, place_hold, release_hold
from candor.state import CandorState, get_state

ACTOR = "system:cli"


def _state() -> CandorState:
    return get_state(current_app)


@click.group("retention")
def retention_group() -> None:
    """Retention of interview data under the policy packs, with legal holds."""


def _print_plan(data: dict[str, object]) -> None:
    categories = data["categories"]
    assert isinstance(categories, dict)
    click.echo(f"{'category':<16}{'due':>8}{'held':>8}{'kept':>8}")
    for name, row in categories.items():
        if name == "audit_log":
            continue
        click.echo(f"{name:<16}{row['due']:>8}{row['held']:>8}{row['kept']:>8}")
    log = categories["audit_log"]
    minimum = f"{log['min_days']} days minimum" if log["min_days"] else "no minimum"
    click.echo(f"{'audit_log':<16}{0:>8}{'':>8}{log['retained']:>8}  (never purged; {minimum})")


@retention_group.command("plan")
@click.option("--json", "as_json", is_flag=True, help="Print the plan with the ids of every row due.")
@with_appcontext
def plan_command(as_json: bool) -> None:
    """What a run now would purge, per category (a dry run: nothing changes)."""
    from candor.retention.engine import make_plan

    state = _state()
    with state.db.transaction() as session:
        data = make_plan(state, session).to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        _print_plan(data)


@retention_group.command("run")
@with_appcontext
def run_command() -> None:
    """Purge what is past its retention now and log it (the worker does this every hour by itself)."""
    from candor.retention.engine import run_retention

    result = run_retention(_state())
    if result is None:
        raise click.ClickException("Another retention run is in progress; try again when it has finished.")
    click.echo(json.dumps({
        "run_id": result.run_id,
        "purged": {category: len(ids) for category, ids in result.purged.items()},
        "held": {category: len(plan.held) for category, plan in result.plan.categories.items()},
    }, indent=2))


@retention_group.group("hold")
def hold_group() -> None:
    """Legal holds: while one is active, nothing in its scope is purged or erased."""


@hold_group.command("add")
@click.option("--scope", type=click.Choice(sorted(SCOPE_NAMES)), required=True)
@click.option("--id", "target_id", type=int, required=True, help="The id of what it covers.")
@click.option("--reason", required=True, help="A case reference, no personal data.")
@with_appcontext
def hold_add(scope: str, target_id: int, reason: str) -> None:
    """Place a legal hold."""
    state = _state()
    try:
        with audit.acting_as(ACTOR, purpose="retention"), state.db.transaction(immediate=True) as session:
            hold_id = place_hold(session, scope, target_id, reason=reason, actor=ACTOR).id
    except HoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Legal hold {hold_id} placed on {scope} {target_id}.")


@hold_group.command("release")
@click.argument("hold_id", type=int)
@with_appcontext
def hold_release(hold_id: int) -> None:
    """Release a legal hold; what it kept becomes subject to retention again."""
    state = _state()
    try:
        with audit.acting_as(ACTOR, purpose="retention"), state.db.transaction(immediate=True) as session:
            release_hold(session, hold_id, actor=ACTOR)
    except HoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Legal hold {hold_id} released.")


@hold_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also released holds.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def hold_list(show_all: bool, as_json: bool) -> None:
    """Active legal holds."""
    with _state().db.transaction() as session:
        holds = [hold_dict(h) for h in list_holds(session, include_released=show_all)]
    if as_json:
        click.echo(json.dumps(holds, indent=2))
        return
    for hold in holds:
        released = f"  released {hold['released_at'][:10]}" if hold["released_at"] else ""
        click.echo(f"{hold['id']:>5}  {hold['scope']:<12} {hold['target_id']:<7} "
                   f"placed {hold['placed_at'][:10]} by {hold['placed_by']}  {hold['reason']}{released}")
    if not holds:
        click.echo("No active legal holds.", err=True)
