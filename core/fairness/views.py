"""The candidate's demographic questions and the auditors' aggregate reports.

Candidates authenticate with their link token (``Authorization: Candidate <token>``) as on the consent API.
The answers are never sent back, to the candidate or anyone: staff see only the aggregate reports, and only
with ``audit:read`` (auditors; reviewers and recruiters are refused).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from candor.audit.views import parse_time
from candor.auth import Permission, public, requires
from candor.consent.service import granted_purposes
from candor.declarations import Purpose
from candor.fairness.metrics import DEFAULT_EXCLUSION_THRESHOLD
from candor.fairness.render import bias_csv, bias_html, illinois_csv
from candor.fairness.report import ReportError, UnknownJob, build_bias_report, build_illinois_report
from candor.fairness.service import ConsentMissing, record_demographics
from candor.fairness.vocabulary import LANGUAGES, Vocabulary, VocabularyError, load_vocabulary
from candor.http import json_body
from candor.interviews.links import LinkError, LinkProblem, resolve_link
from candor.interviews.models import Interview
from candor.state import CandorState, get_state

bp = Blueprint("fairness", __name__)

FORMATS = ("json", "csv", "html")
# The report page carries its own style and no script; nothing else may load.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def vocabulary_for(state: CandorState) -> Vocabulary:
    """The installation's vocabulary; a broken categories file is the operator's to fix, said plainly."""
    try:
        return load_vocabulary(state.settings.data_dir)
    except VocabularyError as exc:
        raise RuntimeError(f"The demographic categories file is invalid: {exc}") from None


def vocabulary() -> Vocabulary:
    try:
        return vocabulary_for(get_state())
    except RuntimeError as exc:
        abort(500, str(exc))


def _candidate_interview() -> Interview:
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Candidate ").strip() if header.startswith("Candidate ") else ""
    if not token:
        abort(401, "Open the interview from the link in your invitation.")
    state = get_state()
    try:
        return resolve_link(state.app_secret, state.db.session, token)
    except LinkError as exc:
        abort(410 if exc.problem == LinkProblem.EXPIRED else 403, str(exc))


@bp.get("/api/v1/candidate/demographics")
@public
def questions() -> Any:
    """The voluntary questions, every one with "decline to answer", and whether consent allows storing."""
    interview = _candidate_interview()
    language = request.args.get("lang", "en")
    if language not in LANGUAGES:
        abort(400, f"No questions in {language!r}; available: {', '.join(LANGUAGES)}.")
    consented = Purpose.BIAS_AUDIT in granted_purposes(get_state().db.session, interview.candidate_id)
    return jsonify({**vocabulary().to_dict(language), "voluntary": True, "consented": consented})


@bp.post("/api/v1/candidate/demographics")
@public
def answer() -> Any:
    interview = _candidate_interview()
    body = json_body(request, required={"answers": dict})
    session = get_state().db.session
    try:
        record_demographics(session, vocabulary(), interview.candidate_id, body["answers"])
    except ConsentMissing as exc:
        abort(403, str(exc))
    except VocabularyError as exc:
        abort(422, str(exc))
    session.commit()
    return jsonify({"recorded": True}), 201


def _format() -> str:
    wanted = request.args.get("format", "json")
    if wanted not in FORMATS:
        abort(400, f"format must be one of {', '.join(FORMATS)}.")
    return wanted


def _int_arg(name: str, example: str) -> int:
    value = request.args.get(name, "")
    if not value.isdigit():
        abort(400, f"Give {name} as a number, e.g. ?{name}={example}.")
    return int(value)


@bp.get("/api/v1/audit/bias")
@requires(Permission.AUDIT_READ)
def bias_report() -> Any:
    job_id = _int_arg("job", "12")
    wanted = _format()
    try:
        since = parse_time(request.args.get("since"), "since")
        until = parse_time(request.args.get("until"), "until")
    except ValueError as exc:
        abort(400, str(exc))
    try:
        threshold = float(request.args.get("exclude_under", DEFAULT_EXCLUSION_THRESHOLD))
    except ValueError:
        abort(400, "exclude_under must be a share such as 0.02 (0 excludes nothing).")
    state = get_state()
    with state.db.transaction(immediate=True) as session:
        try:
            report = build_bias_report(session, vocabulary(), job_id, since=since, until=until,
                                       threshold=threshold)
        except UnknownJob as exc:
            abort(404, str(exc))
        except ReportError as exc:
            abort(400, str(exc))
    if wanted == "csv":
        name = f"bias-audit-job-{job_id}.csv"
        return Response(bias_csv(report), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if wanted == "html":
        return Response(bias_html(report), mimetype="text/html",
                        headers={"Content-Security-Policy": REPORT_CSP})
    return jsonify(report.to_dict())


@bp.get("/api/v1/audit/illinois")
@requires(Permission.AUDIT_READ)
def illinois_report() -> Any:
    organization_id = _int_arg("organization", "1")
    year = _int_arg("year", "2026")
    wanted = _format()
    if wanted == "html":
        abort(400, "The Illinois report comes as json or csv.")
    with get_state().db.transaction(immediate=True) as session:
        try:
            report = build_illinois_report(session, vocabulary(), organization_id, year)
        except ReportError as exc:
            abort(400, str(exc))
    if wanted == "csv":
        return Response(illinois_csv(report), mimetype="text/csv")
    return jsonify(report.to_dict())
