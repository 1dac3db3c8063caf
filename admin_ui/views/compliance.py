"""Data-subject requests, the retention plan with legal holds, and the bias-audit report with its chart.

Each page reads through the feature's own service (``candor.dsar.service``, ``candor.retention``,
``candor.fairness``); requests are changed through their API and ``candor dsar``, holds through
``candor retention hold``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from candor.auth import Permission, requires
from candor.dsar.models import OPEN_STATUSES, DataSubjectRequest, RequestStatus
from candor.dsar.service import summary
from candor.fairness.metrics import DEFAULT_EXCLUSION_THRESHOLD
from candor.fairness.render import _chart
from candor.fairness.report import ReportError, build_bias_report
from candor.fairness.views import vocabulary
from candor.jobs.models import Job
from candor.retention.engine import make_plan
from candor.retention.holds import hold_dict, list_holds
from candor.state import get_state
from candor_admin.blueprint import bp
from candor_admin.paging import paginate
from candor_admin.writes import writing_session


@bp.get("/dsar")
@requires(Permission.DSAR_MANAGE)
def dsar_list() -> Any:
    session = get_state().db.session
    wanted = request.args.get("status", "open")
    choices = {"open": [s.value for s in OPEN_STATUSES], "all": [s.value for s in RequestStatus]}
    if wanted not in choices:
        abort(400, _("Status must be open or all."))
    page = paginate(session, select(DataSubjectRequest).where(DataSubjectRequest.status.in_(choices[wanted]))
                    .order_by(DataSubjectRequest.due_at, DataSubjectRequest.id))
    return render_template("admin/dsar_list.html", page=page, rows=[summary(r) for r in page.items],
                           status=wanted)


@bp.get("/dsar/<int:request_id>")
@requires(Permission.DSAR_MANAGE)
def dsar_detail(request_id: int) -> Any:
    found = get_state().db.session.get(DataSubjectRequest, request_id)
    if found is None:
        abort(404, _("There is no data-subject request %(id)s.", id=request_id))
    return render_template("admin/dsar_detail.html", item=summary(found))


@bp.get("/retention")
@requires(Permission.SYSTEM_READ)
def retention() -> Any:
    state = get_state()
    session = state.db.session
    plan = make_plan(state, session).to_dict()
    holds = [hold_dict(h) for h in list_holds(session, include_released=request.args.get("released") == "1")]
    return render_template("admin/retention.html", plan=plan, holds=holds,
                           released=request.args.get("released") == "1")


@bp.get("/bias")
@requires(Permission.AUDIT_READ)
def bias() -> Any:
    session = writing_session()
    jobs = list(session.execute(select(Job.id, Job.title).order_by(Job.id.desc()).limit(500)).all())
    raw = request.args.get("job", "")
    report, sections, error = None, [], None
    if raw:
        if not raw.isdigit():
            abort(400, _("Choose a job from the list."))
        try:
            report = build_bias_report(session, vocabulary(), int(raw), threshold=DEFAULT_EXCLUSION_THRESHOLD)
        except ReportError as exc:
            error = str(exc)
        if report is not None:
            # The chart is the report's own SVG (labels escaped there); presentation attributes only, no
            # inline style, so it renders under the admin pages' CSP.
            sections = [(title, result, [(table, Markup(_chart(table))) for table in result.breakdowns])  # noqa: S704
                        for title, result in ((_("Scoring output"), report.scoring),
                                              (_("Selection output"), report.selection))]
        session.commit()
    return render_template("admin/bias.html", jobs=jobs, job_id=raw, report=report, sections=sections, error=error)
