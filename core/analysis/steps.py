"""One analysis step = one analyzer on one answer, as a unit of work.

Each step asks the gate again when it runs, not only when it was queued: consent withdrawn or an analyzer
prohibited between the two stops it. A refused step is recorded as ``skipped`` with the gate's reasons, so
the interview shows why ("face analysis skipped: no separate consent for biometric_analysis"). Inputs are
recorded by reference (ids), never copied; text arrives redacted (``candor.analysis.transcripts``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.transcripts import analyzer_inputs
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
MEDIA_INPUTS = frozenset({"audio", "video"})


def purpose_for(state: CandorState, plugin: str) -> Purpose:
    return Purpose.BIOMETRIC_ANALYSIS if is_biometric(state.plugins.declaration(plugin)) else Purpose.AI_EVALUATION


def schedule_answer_analysis(state: CandorState, session: Session, answer: Answer) -> list[int]:
    """Queue a step for every enabled analyzer; the caller's commit sends them."""
    interview = session.get(Interview, answer.interview_id)
    assert interview is not None
    ids = []
    for plugin, name in sorted(state.analyzers):
        if state.analyzers[(plugin, name)].needs & MEDIA_INPUTS and answer.media_key is None:
            continue  # a typed or coded answer has no recording: nothing for audio or video analyzers to read
        item = enqueue(session, ANALYSE_KIND, {"answer_id": answer.id, "plugin": plugin, "analyzer": name},
                       dedupe_key=f"analyse:{answer.id}:{plugin}:{name}",
                       subject=f"candidate:{interview.candidate_id}", purpose=purpose_for(state, plugin).value)
        ids.append(item.id)
    return ids


def run_analysis_step(state: CandorState, context: WorkContext) -> dict[str, Any]:
    session = context.session
    payload = context.payload
    plugin, name = payload["plugin"], payload["analyzer"]
    answer = session.get(Answer, payload["answer_id"])
    if answer is None:
        return {"outcome": "answer_gone"}  # erased meanwhile: nothing to analyse
    interview = session.get(Interview, answer.interview_id)
    job = session.get(Job, interview.job_id)
    info = state.plugins.get(plugin)
    analysis = session.scalar(select(Analysis).where(Analysis.answer_id == answer.id,
                                                     Analysis.analyzer == f"{plugin}.{name}"))
    if analysis is None:
        analysis = Analysis(answer_id=answer.id, analyzer=f"{plugin}.{name}", plugin=plugin,
                            plugin_version=info.version, inputs={"answer_id": answer.id})
        session.add(analysis)
    purpose = purpose_for(state, plugin)
    decision = check_gate(state, session, plugin=plugin, purpose=purpose, candidate_id=interview.candidate_id,
                          location=job.location, interview_id=interview.id, ai_opt_out=interview.ai_opt_out)
    if not decision.allowed:
        analysis.state, analysis.error, analysis.finished_at = "skipped", decision.summary, utcnow()
        return {"outcome": "skipped", "reasons": [r.code for r in decision.reasons]}

    analyzer = state.analyzers[(plugin, name)]
    inputs = analyzer_inputs(session, answer, analyzer.needs, job.language)
    analysis.started_at = utcnow()
    started = time.perf_counter()
    try:
        with audit.acting_as(f"plugin:{plugin}", purpose=purpose.value, via=f"work:{ANALYSE_KIND}"):
            output = dict(analyzer.analyze(inputs, info.settings))
    except PluginDataAccessDenied as exc:  # a fault of the plugin, not a passing one: no retry
        analysis.state, analysis.error, analysis.finished_at = "failed", str(exc), utcnow()
        return {"outcome": "refused_access"}
    analysis.finished_at = utcnow()
    analysis.state = "done"
    analysis.model_id = str(output.pop("model_id", "")) or None
    analysis.output = {**output, "seconds": round(time.perf_counter() - started, 4)}
    audit.record(session, "plugin.analyse", f"candidate:{interview.candidate_id}", purpose=purpose.value,
                 details={"plugin": plugin, "answer": answer.id})
    return {"outcome": "done"}
