"""The AI stop button and the outbox's dead letters.

The stop page lists suspensions and suspends one analyzer, or all AI evaluation, for a job or an organisation,
and lifts a suspension, through ``candor.review.suspensions`` (the service behind ``/api/v1/jobs/<id>/
suspensions``, which cancels the queued steps, makes the purpose gate refuse later ones and records the audit
entry). The dead-letter page lists events to HR systems that failed every attempt and gives one a fresh set of
attempts through ``candor.outbox.delivery.retry_event``, the service behind ``POST /api/v1/outbox/<id>/retry``.
Neither page reads personal data: jobs and organisations by title, events by id and reference.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.auth import Permission, current_identity, requires
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.outbox.delivery import retry_event
from candor.outbox.models import OutboxEvent, OutboxState
from candor.review.models import Suspension
from candor.review.suspensions import SuspensionError, lift, suspend
from candor.state import get_state
from candor_admin.blueprint import bp
from candor_admin.paging import paginate
from candor_admin.writes import writing_session

#: Jobs and organisations offered in the forms (newest first); more are reached through the API.
CHOICES_LIMIT = 500
ALL_AI = ""  # the plugin choice that means all AI evaluation


def _actor() -> str:
    identity = current_identity()
    assert identity is not None
    return identity.actor


def _suspensions_page(session: Session, *, status: int = 200, form: dict[str, str] | None = None) -> Any:
    state = get_state()
    active_only = request.args.get("active") == "1"
    query = select(Suspension).order_by(Suspension.lifted_at.is_not(None), Suspension.id.desc())
    if active_only:
        query = query.where(Suspension.lifted_at.is_(None))
    page = paginate(session, query)
    jobs = list(session.execute(select(Job.id, Job.title, Job.organization_id).order_by(Job.id.desc())
                                .limit(CHOICES_LIMIT)).all())
    organizations = list(session.execute(select(Organization.id, Organization.name).order_by(Organization.name)
                                         .limit(CHOICES_LIMIT)).all())
    job_ids = {s.job_id for s in page.items if s.job_id is not None}
    org_ids = {s.organization_id for s in page.items}
    job_titles = dict(session.execute(select(Job.id, Job.title).where(Job.id.in_(job_ids))).all()) if job_ids else {}
    org_names = dict(session.execute(select(Organization.id, Organization.name)
                                     .where(Organization.id.in_(org_ids))).all()) if org_ids else {}
    analyzers = sorted({plugin for plugin, _name in state.analyzers})
    html = render_template("admin/suspensions.html", page=page, jobs=jobs, organizations=organizations,
                           analyzers=analyzers, job_titles=job_titles, org_names=org_names,
                           active_only=active_only, form=form or {})
    return make_response(html, status)


@bp.get("/suspensions")
@requires(Permission.AI_SUSPEND)
def suspensions() -> Any:
    return _suspensions_page(get_state().db.session)


@bp.post("/suspensions")
@requires(Permission.AI_SUSPEND)
def suspension_create() -> Any:
    state = get_state()
    session = writing_session()
    form = request.form
    scope = form.get("scope", "")
    job: Job | None = None
    if scope == "job":
        raw = form.get("job", "")
        job = session.get(Job, int(raw)) if raw.isdigit() else None
        if job is None:
            flash(_("Choose the job to suspend AI evaluation for."), "error")
            return _suspensions_page(session, status=422, form=form.to_dict())
        organization_id = job.organization_id
    elif scope == "organization":
        raw = form.get("organization", "")
        organization = session.get(Organization, int(raw)) if raw.isdigit() else None
        if organization is None:
            flash(_("Choose the organisation to suspend AI evaluation for."), "error")
            return _suspensions_page(session, status=422, form=form.to_dict())
        organization_id = organization.id
    else:
        flash(_("Choose whether to suspend for a job or for a whole organisation."), "error")
        return _suspensions_page(session, status=422, form=form.to_dict())
    plugin = form.get("plugin", ALL_AI) or None
    try:
        made = suspend(state, session, job=job, organization_id=organization_id, plugin=plugin,
                       reason=form.get("reason", ""), actor=_actor())
    except SuspensionError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _suspensions_page(writing_session(), status=422, form=form.to_dict())
    session.commit()
    flash(_("Suspension %(id)s is in force; %(count)s queued analysis steps were cancelled.", id=made.id,
            count=made.cancelled_work), "ok")
    return redirect(url_for("admin.suspensions"), code=303)


@bp.post("/suspensions/<int:suspension_id>/lift")
@requires(Permission.AI_SUSPEND)
def suspension_lift(suspension_id: int) -> Any:
    session = writing_session()
    found = session.get(Suspension, suspension_id)
    if found is None:
        abort(404, _("There is no suspension %(id)s.", id=suspension_id))
    try:
        lift(session, found, actor=_actor())
    except SuspensionError:
        session.rollback()
        flash(_("Suspension %(id)s was already lifted.", id=suspension_id), "error")
        return redirect(url_for("admin.suspensions"), code=303)
    session.commit()
    flash(_("Suspension %(id)s lifted; new analysis steps may run. Cancelled ones are not queued again.",
            id=suspension_id), "ok")
    return redirect(url_for("admin.suspensions"), code=303)


@bp.get("/outbox")
@requires(Permission.OUTBOX_MANAGE)
def dead_letters() -> Any:
    session = get_state().db.session
    page = paginate(session, select(OutboxEvent).where(OutboxEvent.state == OutboxState.DEAD)
                    .order_by(OutboxEvent.id))
    return render_template("admin/dead_letters.html", page=page)


@bp.post("/outbox/<int:event_id>/retry")
@requires(Permission.OUTBOX_MANAGE)
def dead_letter_retry(event_id: int) -> Any:
    session = writing_session()
    try:
        retry_event(session, event_id)
    except LookupError:
        session.rollback()
        abort(404, _("There is no outbox event %(id)s.", id=event_id))
    except ValueError:
        session.rollback()
        flash(_("Event %(id)s is not a dead letter (any more); only dead letters can be retried.", id=event_id),
              "error")
        return redirect(url_for("admin.dead_letters"), code=303)
    session.commit()
    flash(_("Event %(id)s is queued for delivery again, with a fresh set of attempts.", id=event_id), "ok")
    return redirect(url_for("admin.dead_letters"), code=303)
