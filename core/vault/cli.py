"""``candor keys``: the status of the key-encryption keys and their rotation, for operators."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from candor.state import get_state
from candor.vault import rotation


@click.group("keys")
def keys_group() -> None:
    """Keys that protect personal data: status and rotation."""


@keys_group.command("status")
@with_appcontext
def keys_status() -> None:
    """Show every key-encryption key, its state and how many data subjects it wraps."""
    report = rotation.status(get_state(current_app))
    click.echo(f"Key provider: {report.provider}")
    for key_id, state, created_at, count in report.keys:
        click.echo(f"  {key_id:<28} {state:<8} created {created_at or '?':<26} subjects: {count}")
    for key_id, count in report.unknown.items():
        click.echo(f"  {key_id:<28} MISSING  subjects: {count}  (the key provider does not hold this key)")
    click.echo(f"Erased subjects: {report.erased}")
    if report.pending:
        click.echo(f"{report.pending} subject(s) are not under the active key: "
                   "run candor keys rotate --finish")


@keys_group.command("rotate")
@click.option("--finish", is_flag=True, help="Only re-wrap subjects left by an interrupted rotation.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def keys_rotate(finish: bool, batch_size: int) -> None:
    """Introduce a new key-encryption key and re-wrap every data key with it, without downtime."""
    state = get_state(current_app)
    result = rotation.rotate(state, new_key=not finish, batch_size=batch_size,
                             on_batch=lambda done: click.echo(f"  re-wrapped {done}", err=True))
    click.echo(f"Active key: {result.active_key_id}; re-wrapped {result.rewrapped} data key(s) in "
               f"{result.batches} batch(es). Retired keys stay readable.")
