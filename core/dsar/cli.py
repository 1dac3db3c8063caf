"""``candor dsar``: data-subject requests from the command line (list, show, create, identity, run, reject).

Every action is attributed to ``system:cli`` in the audit log. Output holds ids, kinds, states and times,
never personal data; ``run`` of an access or portability request prints the download link once, to give
to the requester.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.dsar.models import OPEN_STATUSES, DataSubjectRequest, RequestType
from candor.dsar.service import EVIDENCE_KINDS, DsarError
from candor.state import CandorState, get_state

ACTOR = "system:cli"


def _state() -> CandorState:
    return get_state(current_app)


@contextmanager
def _request(request_id: int) -> Iterator[tuple[CandorState, Session, DataSubjectRequest]]:
    """A write transaction holding the request, with DsarError turned into a clean command error."""
    state = _state()
    with _errors(), audit.acting_as(ACTOR, purpose="data_subject_request"), \
            state.db.transaction(immediate=True) as session:
        request = session.get(DataSubjectRequest, request_id)
        if request is None:
            raise click.ClickException(f"No data-subject request with id {request_id}; see candor dsar list.")
        yield state, session, request


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except DsarError as exc:
        raise click.ClickException(str(exc)) from None


def _line(data: dict[str, Any]) -> str:
    flag = "  OVERDUE" if data["overdue"] else ""
    return (f"{data['id']:>6}  {data['kind']:<13} candidate:{data['candidate_id']:<7} {data['status']:<11} "
            f"identity:{data['identity']['state']:<9} due {data['due_at'][:10]}{flag}")


@click.group("dsar")
def dsar_group() -> None:
    """Data-subject requests: access, portability, erasure, rectification, explanation, AI opt-out."""


@dsar_group.command("list")
@click.option("--overdue", "only_overdue", is_flag=True, help="Only open requests past their due date.")
@click.option("--all", "show_all", is_flag=True, help="Also completed and rejected requests.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_command(only_overdue: bool, show_all: bool, as_json: bool) -> None:
    """Open requests, the ones due first at the top."""
    from candor.dsar.service import overdue, summary

    with _state().db.transaction() as session:
        if only_overdue:
            requests = overdue(session)
        else:
            query = select(DataSubjectRequest).order_by(DataSubjectRequest.due_at, DataSubjectRequest.id)
            if not show_all:
                query = query.where(DataSubjectRequest.status.in_([s.value for s in OPEN_STATUSES]))
            requests = list(session.scalars(query))
        rows = [summary(r) for r in requests]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(_line(row))
    late = sum(1 for row in rows if row["overdue"])
    click.echo(f"{len(rows)} request(s){f', {late} overdue' if late else ''}.", err=True)


@dsar_group.command("show")
@click.argument("request_id", type=int)
@with_appcontext
def show_command(request_id: int) -> None:
    """One request as JSON: kind, status, due date and its basis, identity check, result."""
    from candor.dsar.service import summary

    with _request(request_id) as (_, _session, request):
        click.echo(json.dumps(summary(request), indent=2))


@dsar_group.command("create")
@click.option("--candidate", "candidate_id", type=int, required=True, help="The candidate's id.")
@click.option("--kind", type=click.Choice([k.value for k in RequestType]), required=True)
@with_appcontext
def create_command(candidate_id: int, kind: str) -> None:
    """Record a request received by staff (mail, phone, letter); its identity must then be checked."""
    from candor.dsar.service import create_request

    state = _state()
    with _errors(), audit.acting_as(ACTOR, purpose="data_subject_request"), \
            state.db.transaction(immediate=True) as session:
        request = create_request(state, session, candidate_id, kind, channel="staff")
        request_id, due = request.id, request.due_at.date().isoformat()
        basis = request.due_basis
    click.echo(f"Request {request_id} recorded; due {due} ({basis}).")
    click.echo(f"Next: candor dsar send-code {request_id}, or an administrator's "
               f"candor dsar attest {request_id} --evidence ...", err=True)


@dsar_group.command("send-code")
@click.argument("request_id", type=int)
@with_appcontext
def send_code_command(request_id: int) -> None:
    """E-mail a one-time code to the address on file (never to one the requester gives)."""
    from candor.dsar.service import send_code

    with _request(request_id) as (state, session, request):
        send_code(state, session, request)
    click.echo(f"Code sent for request {request_id}; it is valid for 24 hours. "
               f"When the requester reads it back: candor dsar verify {request_id} --code ...")


@dsar_group.command("verify")
@click.argument("request_id", type=int)
@click.option("--code", required=True, help="The code the requester read back.")
@with_appcontext
def verify_command(request_id: int, code: str) -> None:
    """Check the one-time code the requester received."""
    from candor.dsar.service import check_code

    with _request(request_id) as (state, session, request):
        matched = check_code(state, session, request, code)
        failed = request.identity_state == "failed"
    if not matched:
        hint = "Too many wrong codes: send a new one." if failed else "Check it and try again."
        raise click.ClickException(f"The code does not match. {hint}")
    click.echo(f"Identity verified for request {request_id}. Next: candor dsar run {request_id}")


@dsar_group.command("attest")
@click.argument("request_id", type=int)
@click.option("--evidence", type=click.Choice(EVIDENCE_KINDS), required=True,
              help="How identity was checked.")
@with_appcontext
def attest_command(request_id: int, evidence: str) -> None:
    """Attest, as the installation's administrator, that the requester's identity was checked."""
    from candor.dsar.service import attest

    with _request(request_id) as (_, session, request):
        attest(session, request, actor=ACTOR, role="admin", evidence=evidence)
    click.echo(f"Identity attested for request {request_id}. Next: candor dsar run {request_id}")


@dsar_group.command("run")
@click.argument("request_id", type=int)
@click.option("--changes", type=click.File("r"), default=None,
              help="Rectification: a JSON file of corrected fields ('-' reads standard input).")
@with_appcontext
def run_command(request_id: int, changes: IO[str] | None) -> None:
    """Carry out a verified request and complete it."""
    from candor.dsar.actions import run_request
    from candor.dsar.export import download_url

    corrected = _read_changes(changes) if changes is not None else None
    state = _state()
    with _errors():
        result = run_request(state, request_id, handler=ACTOR, changes=corrected)
    token = result.pop("token", None)
    click.echo(json.dumps(result, indent=2))
    if token:
        click.echo(f"Download link for the requester (shown once): {download_url(state, token)}")
    click.echo(f"Request {request_id} completed.", err=True)


def _read_changes(source: IO[str]) -> dict[str, Any]:
    try:
        data = json.load(source)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON ({exc.msg} at line {exc.lineno})",
                                 param_hint="--changes") from None
    if not isinstance(data, dict):
        raise click.BadParameter('give a JSON object such as {"phone": "..."}', param_hint="--changes")
    return data


@dsar_group.command("reject")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Why, without personal data (e.g. 'identity not confirmed').")
@with_appcontext
def reject_command(request_id: int, reason: str) -> None:
    """Refuse a request, saying why (the requester must be told, with their right to complain)."""
    from candor.dsar.service import reject

    if not reason.strip():
        raise click.BadParameter("say why the request is refused", param_hint="--reason")
    with _request(request_id) as (_, session, request):
        reject(session, request, handler=ACTOR, reason=reason.strip())
    click.echo(f"Request {request_id} rejected.")

