"""The purpose gate: may this plugin receive this candidate's personal data for this purpose, now?

The rules, in the order they are checked (every failing rule is reported, not just the first):
1. the plugin is enabled and declares the purpose;
2. none of its capabilities is prohibited by a policy pack that applies to the job's location
   ("emotion_inference prohibited under eu_ai_act");
3. the candidate did not ask for a human-only process, for AI evaluation and biometric analysis;
4. no administrator suspended the plugin, or all AI evaluation, for the job or its organisation (the stop
   button, ``candor.review.suspensions``);
5. the candidate has a current consent for every purpose that needs one: the purpose itself when a pack
   requires consent for it or the core always does (``CONSENT_ALWAYS``); biometric analysis, separately, for a
   plugin that processes biometric data; cross-border transfer for a plugin whose region is outside the job's
   jurisdictions.
Each answer is stored as a ``GateDecision`` (shown on the interview) and appended to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from candor import audit
from candor.consent.models import GateDecision
from candor.consent.service import granted_purposes
from candor.declarations import DataCategory, PluginDeclaration, Purpose
from candor.policy.jurisdictions import jurisdictions_of

if TYPE_CHECKING:
    from candor.state import CandorState

#: Purposes that need the candidate's consent wherever the job is, whatever the packs say: automated
#: evaluation ("never evaluate someone who did not consent", Illinois §5) and the sensitive ones.
CONSENT_ALWAYS: frozenset[Purpose] = frozenset({
    Purpose.AI_EVALUATION, Purpose.BIOMETRIC_ANALYSIS, Purpose.PERSONALISATION, Purpose.CROSS_BORDER_TRANSFER,
    Purpose.ATTENDANCE_BIOMETRICS, Purpose.BIAS_AUDIT,
})
BIOMETRIC_CAPABILITIES = frozenset({"face_analysis", "emotion_inference"})
AI_PURPOSES = frozenset({Purpose.AI_EVALUATION, Purpose.BIOMETRIC_ANALYSIS})


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class GateAnswer:
    plugin: str
    purpose: Purpose
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        return not self.reasons

    @property
    def summary(self) -> str:
        return "; ".join(reason.message for reason in self.reasons) or "allowed"


def is_biometric(declaration: PluginDeclaration) -> bool:
    return bool(declaration.capabilities & BIOMETRIC_CAPABILITIES) or (
        DataCategory.BIOMETRIC in declaration.data_categories)


def required_consents(declaration: PluginDeclaration, purpose: Purpose, location: str,
                      policy_requires: frozenset[Purpose]) -> set[Purpose]:
    """The purposes the candidate must have consented to before this plugin runs for ``purpose``."""
    needed: set[Purpose] = set()
    if purpose in CONSENT_ALWAYS or purpose in policy_requires:
        needed.add(purpose)
    if is_biometric(declaration):
        needed.add(Purpose.BIOMETRIC_ANALYSIS)
    if declaration.region and declaration.region not in jurisdictions_of(location):
        needed.add(Purpose.CROSS_BORDER_TRANSFER)
    return needed


def check_gate(
    state: CandorState,
    session: Session,
    *,
    plugin: str,
    purpose: Purpose | str,
    candidate_id: int,
    location: str,
    interview_id: int | None = None,
    ai_opt_out: bool = False,
) -> GateAnswer:
    """Decide, record the decision, and return it. Callers hand data over only when ``answer.allowed``."""
    purpose = Purpose(purpose)
    reasons = list(_reasons(state, session, plugin, purpose, candidate_id, location, ai_opt_out,
                            interview_id))
    answer = GateAnswer(plugin, purpose, tuple(reasons))
    session.add(GateDecision(candidate_id=candidate_id, interview_id=interview_id, plugin=plugin,
                             purpose=purpose.value, allowed=answer.allowed,
                             reasons=[reason.to_dict() for reason in reasons]))
    details: dict[str, Any] = {"plugin": plugin, "codes": [reason.code for reason in reasons]}
    if interview_id is not None:
        details["interview"] = interview_id
    audit.record(session, "policy.gate", f"candidate:{candidate_id}", purpose=purpose.value,
                 outcome="success" if answer.allowed else "denied", details=details)
    return answer


def _reasons(state: CandorState, session: Session, plugin: str, purpose: Purpose, candidate_id: int,
             location: str, ai_opt_out: bool, interview_id: int | None = None) -> list[Reason]:
    try:
        declaration = state.plugins.declaration(plugin)
    except KeyError:
        return [Reason("plugin_not_enabled", f"{plugin} is not an enabled plugin")]
    reasons: list[Reason] = []
    title = declaration.title
    if purpose not in declaration.purposes:
        reasons.append(Reason("purpose_not_declared", f"{title} skipped: it does not declare the purpose {purpose}"))
    for pack in state.policies.applicable(location):
        for capability in sorted(declaration.capabilities & pack.prohibited_capabilities):
            reasons.append(Reason("prohibited", f"{title} skipped: {capability.replace('_', ' ')} "
                                                f"prohibited under {pack.pack}"))
    if ai_opt_out and purpose in AI_PURPOSES:
        reasons.append(Reason("ai_opt_out", f"{title} skipped: the candidate asked for a human-only process"))
    from candor.review.suspensions import gate_reasons  # the review package imports this module's constants

    reasons.extend(Reason(code, message) for code, message in gate_reasons(
        session, plugin=plugin, title=title, purpose=purpose, candidate_id=candidate_id,
        interview_id=interview_id))
    policy = state.policies.for_location(location)
    granted = granted_purposes(session, candidate_id)
    for needed in sorted(required_consents(declaration, purpose, location, policy.consent_required)):
        if needed in granted:
            continue
        separate = needed == Purpose.BIOMETRIC_ANALYSIS or policy.needs_separate_consent(needed)
        kind = "separate consent" if separate else "consent"
        reasons.append(Reason(f"no_consent:{needed.value}", f"{title} skipped: no {kind} for {needed}"))
    return reasons
