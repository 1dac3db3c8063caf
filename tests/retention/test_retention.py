"""Retention on both databases: what is due under the packs is purged (files and rows), a legal hold
suspends it, the plan lists exactly what a run then purges, and the purge log holds ids and counts only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from candor.analysis.transcripts import Transcript
from candor.audit.models import AuditEntry
from candor.consent.models import ConsentRecord
from candor.db import utcnow
from candor.interviews.models import Analysis, Answer
from candor.retention.engine import make_plan, run_retention
from candor.retention.models import HoldScope, LegalHold, RetentionPurge


def test_nothing_is_due_before_the_maximum(state, make_world):
    make_world("DE")
    with state.db.transaction() as session:
        plan = make_plan(state, session, now=utcnow() + timedelta(days=179))
    assert all(not category.due for category in plan.categories.values())
    assert plan.categories["video"].kept == 1


def test_the_plan_matches_the_run_and_files_and_rows_go(state, make_world):
    de, cn = make_world("DE"), make_world("CN")
    later = utcnow() + timedelta(days=181)
    with state.db.transaction() as session:
        plan = make_plan(state, session, now=later).to_dict()
    categories = plan["categories"]
    assert categories["video"]["due_ids"] == sorted([de["answer"], cn["answer"]])  # both packs: 180 days
    # GDPR keeps transcripts and assessments 180 days, PIPL 365: only the German ones are due.
    assert categories["transcript"]["due"] == 1 and categories["assessment"]["due"] == 1
    assert categories["consent_record"]["due"] == 0  # GDPR: a minimum, no maximum
    assert categories["audit_log"]["due"] == 0 and categories["audit_log"]["min_days"] == 1095
    result = run_retention(state, now=later)
    assert result is not None
    assert dict(result.purged) == {c: categories[c]["due_ids"] for c in result.purged}
    media = state.settings.data_dir / "media"
    assert not (media / de["media_key"]).exists() and not (media / cn["media_key"]).exists()
    with state.db.transaction() as session:
        assert session.get(Answer, de["answer"]).media_key is None
        remaining = session.scalars(select(Transcript.answer_id)).all()
        assert remaining == [cn["answer"]]
        assert session.scalars(select(Analysis.answer_id)).all() == [cn["answer"]]
        assert session.scalar(select(func.count()).select_from(ConsentRecord)) == 2
        log = {row.category: row for row in session.scalars(select(RetentionPurge))}
        assert log["video"].ids == categories["video"]["due_ids"] and log["video"].purged == 2
        assert log["transcript"].ids == categories["transcript"]["due_ids"]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "system.retention_purge")).one()
        assert entry.details["purged_video"] == 2
        again = make_plan(state, session, now=later)
    assert all(not category.due for category in again.categories.values())


def test_a_legal_hold_suspends_purging_until_released(state, make_world):
    world = make_world("DE")
    with state.db.transaction() as session:
        hold = LegalHold(scope=HoldScope.CANDIDATE, target_id=world["candidate"], reason="case 2025-17",
                         placed_by="user:1")
        session.add(hold)
        session.flush()
        hold_id = hold.id
    later = utcnow() + timedelta(days=365)
    result = run_retention(state, now=later)
    assert result is not None and all(not ids for ids in result.purged.values())
    assert result.plan.categories["video"].held == [world["answer"]]
    assert (state.settings.data_dir / "media" / world["media_key"]).exists()
    with state.db.transaction() as session:
        session.get(LegalHold, hold_id).released_at = utcnow()
    result = run_retention(state, now=later)
    assert result.purged["video"] == [world["answer"]]
    assert not (state.settings.data_dir / "media" / world["media_key"]).exists()


def test_overlapping_runs_are_refused(state, make_world):
    from candor.retention.engine import acquire_lock, release_lock

    assert acquire_lock(state)
    assert run_retention(state) is None
    release_lock(state)
    assert run_retention(state) is not None
    assert run_retention(state, min_interval=timedelta(hours=1)) is None  # the sweep's cheap path
