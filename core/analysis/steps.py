"""One analysis step = one analyzer on one answer, as a unit of work.

Each step asks the gate again when it runs, not only when it was queued: consent withdrawn or an analyzer
prohibited between the two stops it. A refused step is recorded as ``skipped`` with the gate's reasons, so
the interview shows why ("face analysis skipped: no separate consent for biometric_analysis"). Inputs are
recorded by reference (ids), never copied; text arrives redacted (``candor.analysis.inputs``).

The gate's decision is committed in its own short transaction before the analyzer runs, and the step writes its
record only after the analyzer returned: on SQLite a write holds the database's single write lock until the
step ends, and analyzers take seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.inputs import MEDIA_INPUTS, analyzer_inputs, load_material
from candor.analysis.media import MediaError
from candor.consent.gate import check_gate, is_biometric
from candor.consent.guard import PluginDataAccessDenied
from candor.db import utcnow
from candor.declarations import Purpose
from candor.interviews.models import Analysis, Answer, Interview
from candor.jobs.models import Job
from candor.tasks import enqueue

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

ANALYSE_KIND = "core.analyse"
#: Which analyzers to queue: ``(plugin, analyzer name, needs) -> bool``.
Selector = Callable[[str, str, frozenset[str]], bool]


def purpose_for(state: CandorState, plugin: str) -> Purpose:
    return Purpose.BIOMETRIC_ANALYSIS if is_biometric(state.plugins.declaration(plugin)) else Purpose.AI_EVALUATION


def schedule_answer_analysis(state: CandorState, session: Session, answer: Answer, *,
                             select: Selector | None = None) -> list[int]:
    """Queue a step for every enabled analyzer (or those ``select`` picks); the caller's commit sends them."""
    interview = session.get(Interview, answer.interview_id)
    assert interview is not None
    ids = []
    for plugin, name in sorted(state.analyzers):
        needs = state.analyzers[(plugin, name)].needs
        if needs & MEDIA_INPUTS and answer.media_key is None:
            continue  # a typed or coded answer has no recording: nothing for audio or video analyzers to read
        if select is not None and not select(plugin, name, needs):
            continue
        item = enqueue(session, ANALYSE_KIND, {"answer_id": answer.id, "plugin": plugin, "analyzer": name},
                       dedupe_key=f"analyse:{answer.id}:{plugin}:{name}",
                       subject=f"candidate:{interview.candidate_id}", purpose=purpose_for(state, plugin).value)
        ids.append(item.id)
    return ids


def analysis_record(session: Session, answer: Answer, plugin: str, name: str, version: str,
                    inputs: dict[str, Any] | None = None) -> Analysis:
    """The answer's record for this analyzer, made on first use; a retried step overwrites it."""
    analysis = session.scalar(select(Analysis).where(Analysis.answer_id == answer.id,
                                                     Analysis.analyzer == f"{plugin}.{name}"))
    if analysis is None:
        analysis = Analysis(answer_id=answer.id, analyzer=f"{plugin}.{name}", plugin=plugin)
        session.add(analysis)
    analysis.plugin_version = version
    analysis.inputs = inputs or {"answer_id": answer.id}
    return analysis


def run_analysis_step(state: CandorState, context: WorkContext) -> dict[str, Any]:
    from candor.analysis.pipeline import finish_if_done

    payload = context.payload
    plugin, name = payload["plugin"], payload["analyzer"]
    info = state.plugins.get(plugin)
    analyzer = state.analyzers[(plugin, name)]
    purpose = purpose_for(state, plugin)
    # 1. A short transaction of its own: the gate's decision, and the material read from the database.
    with state.db.transaction() as reading:
        answer = reading.get(Answer, payload["answer_id"])
        if answer is None:
            return {"outcome": "answer_gone"}  # erased meanwhile: nothing to analyse
        interview = reading.get(Interview, answer.interview_id)
        job = reading.get(Job, interview.job_id)
        candidate_id = interview.candidate_id
        decision = check_gate(state, reading, plugin=plugin, purpose=purpose, candidate_id=candidate_id,
                              location=job.location, interview_id=interview.id, ai_opt_out=interview.ai_opt_out)
        material = load_material(reading, answer, analyzer.needs, job.language) if decision.allowed else None

    # 2. The analyzer, outside any transaction.
    started_at, started = utcnow(), time.perf_counter()
    error: str | None = None
    outcome = "done"
    output: dict[str, Any] = {}
    if material is not None:
        try:
            with (analyzer_inputs(state, material, analyzer.needs) as inputs,
                  audit.acting_as(f"plugin:{plugin}", purpose=purpose.value, via=f"work:{ANALYSE_KIND}")):
                output = dict(analyzer.analyze(inputs, info.settings))
        except PluginDataAccessDenied as exc:  # a fault of the plugin, not a passing one: no retry
            error, outcome = str(exc), "refused_access"
        except MediaError as exc:  # the recording cannot be decoded: retrying will not change that
            error, outcome = str(exc), "failed"

    # 3. The record, written with the unit's completion.
    session = context.session
    state.db.lock_for_write(session)
    answer = session.get(Answer, payload["answer_id"])
    if answer is None:
        return {"outcome": "answer_gone"}
    references = {"answer_id": answer.id, "needs": sorted(analyzer.needs)}
    analysis = analysis_record(session, answer, plugin, name, info.version, references)
    if material is None:
        analysis.state, analysis.error, analysis.finished_at = "skipped", decision.summary, utcnow()
        finish_if_done(session, answer, exclude=context.item_id)
        return {"outcome": "skipped", "reasons": [r.code for r in decision.reasons]}
    analysis.started_at, analysis.finished_at = started_at, utcnow()
    if error is not None:
        analysis.state, analysis.error = "failed", error
        finish_if_done(session, answer, exclude=context.item_id)
        return {"outcome": outcome}
    analysis.state, analysis.error = "done", None
    analysis.model_id = str(output.pop("model_id", "")) or None
    analysis.output = {**output, "seconds": round(time.perf_counter() - started, 4)}
    audit.record(session, "plugin.analyse", f"candidate:{candidate_id}", purpose=purpose.value,
                 details={"plugin": plugin, "answer": answer.id})
    finish_if_done(session, answer, exclude=context.item_id)
    return {"outcome": "done"}
