"""Building the GDPR Art. 30 record of processing activities and the DPIA / PIPIA draft from what is running.

Inputs, and only these: the enabled plugins' declarations (capabilities, data categories, purposes, region,
limits, accuracy), the core's own processing, the loaded policy packs, the merged rules for every location an
organisation or job here is in (retention, deadlines, consent), and the security measures in force (vault
encryption and its key provider, the audit log, roles and their permissions, redaction before analysis, the
purpose gate). The fingerprint is the SHA-256 of those inputs in canonical JSON: a plugin enabled, disabled or
upgraded, or a pack changed, gives a new fingerprint and so a new version (``candor.records.store``).

The DPIA / PIPIA part is a draft: it lists what the platform knows (sensitive data, automated decisions,
transfers, measures) and marks what only the organisation can assess as ``to_complete``.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.auth.permissions import ROLE_PERMISSIONS
from candor.consent.gate import BIOMETRIC_CAPABILITIES, CONSENT_ALWAYS, is_biometric
from candor.declarations import DataCategory, PluginDeclaration, Purpose
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.policy.jurisdictions import jurisdictions_of

if TYPE_CHECKING:
    from candor.state import CandorState

FORMAT_VERSION = 1

#: What the core itself processes, whatever plugins are enabled (interviews, review, requests).
CORE_ACTIVITY: dict[str, Any] = {
    "name": "core",
    "title": "Online interviews and human review (Candor core)",
    "purposes": sorted({Purpose.RECRUITMENT.value, Purpose.OPERATIONS.value}),
    "data_categories": sorted(
        c.value
        for c in (
            DataCategory.CONTACT,
            DataCategory.IDENTITY,
            DataCategory.VIDEO,
            DataCategory.AUDIO,
            DataCategory.TRANSCRIPT,
            DataCategory.ASSESSMENT,
            DataCategory.JOB,
        )
    ),
    "capabilities": ["human_review", "interviews", "data_subject_requests"],
    "region": None,
    "limits": [],
    "accuracy": {},
    "description": "Stores candidates' contact details, answers (video, audio, transcripts), the AI's "
    "analyses "
    "and reviewers' ratings and decisions, for the recruitment the candidate applied to.",
}


def _activity(declaration: PluginDeclaration, version: str) -> dict[str, Any]:
    public = declaration.to_public_dict()
    return {
        "name": declaration.name,
        "title": declaration.title,
        "version": version,
        "description": declaration.description,
        "purposes": public["purposes"],
        "data_categories": public["data_categories"],
        "capabilities": public["capabilities"],
        "region": declaration.region,
        "limits": public["limits"],
        "accuracy": public["accuracy"],
        "biometric": is_biometric(declaration),
        "tables": public["tables"],
    }


def _locations(session: Session | None) -> list[str]:
    if session is None:
        return []
    found: set[str] = set(session.scalars(select(Job.location).distinct()))
    for jurisdictions in session.scalars(select(Organization.jurisdictions)):
        found.update(jurisdictions or [])
    return sorted(code for code in found if code)


def _security_measures(state: CandorState) -> list[dict[str, Any]]:
    key_providers = sorted(
        info.name
        for info in state.plugins.enabled()
        if info.declaration and "key_provider" in info.declaration.capabilities
    )
    return [
        {
            "measure": "encryption_at_rest",
            "detail": "Personal fields and media are encrypted with AES-256-GCM under per-candidate data "
            "keys "
            "(envelope encryption); erasure shreds the candidate's key.",
            "key_provider": state.settings.key_provider,
            "key_provider_plugins": key_providers,
            "storage_backend": state.settings.storage_backend,
        },
        {
            "measure": "audit_log",
            "detail": "Every access to personal data, every gate decision, review decision and video view is "
            "appended to a hash-chained log with Ed25519-signed checkpoints.",
        },
        {
            "measure": "access_control",
            "detail": "Role-based permissions; videos only for the reviewer assigned to the interview.",
            "roles": {
                str(role): sorted(str(p) for p in perms) for role, perms in sorted(ROLE_PERMISSIONS.items())
            },
        },
        {
            "measure": "purpose_gate",
            "detail": "A plugin receives a candidate's data only for a purpose it declares, with the "
            "consents "
            "that purpose needs, when no policy pack prohibits its capabilities and no administrator "
            "suspended it.",
            "consent_always_required": sorted(p.value for p in CONSENT_ALWAYS),
        },
        {
            "measure": "minimisation",
            "detail": "Analyzers receive ids and the redacted transcript only (names, contact details, ID "
            "and card "
            "numbers replaced by their type).",
        },
        {
            "measure": "human_oversight",
            "detail": "No interview is decided without a named reviewer; overriding the AI needs a reason; "
            "'blind first' hides AI scores until the reviewer rated; analyzers can be suspended.",
        },
        {
            "measure": "transport",
            "detail": "Secure cookies "
            + ("on" if state.settings.secure_cookies else "off: serve over HTTPS in production"),
        },
    ]


def collect_inputs(state: CandorState, session: Session | None = None) -> dict[str, Any]:
    """Everything the records are built from, in a canonical, JSON-ready form."""
    activities = [CORE_ACTIVITY] + [
        _activity(info.declaration, info.version)
        for info in state.plugins.enabled()
        if info.declaration is not None
    ]
    packs = []
    for loaded in state.policies.all():
        pack = loaded.pack
        packs.append(
            {
                "pack": pack.pack,
                "version": pack.version,
                "title": pack.title,
                "jurisdictions": list(pack.jurisdictions),
                "builtin": loaded.builtin,
            }
        )
    locations = {code: state.policies.for_location(code).to_dict() for code in _locations(session)}
    for merged in locations.values():
        merged.pop("notices", None)  # long texts; the notice has its own versioned record
    return {
        "format": FORMAT_VERSION,
        "activities": activities,
        "policy_packs": packs,
        "locations": locations,
        "security_measures": _security_measures(state),
    }


def fingerprint(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def _transfers(activities: list[dict[str, Any]], locations: dict[str, Any]) -> list[dict[str, Any]]:
    """Plugins sending data to a region, and whether that is outside a jurisdiction where we recruit."""
    ours: set[str] = set()
    for code in locations:
        ours |= set(jurisdictions_of(code))
    return [
        {
            "plugin": a["name"],
            "region": a["region"],
            "data_categories": a["data_categories"],
            "cross_border": bool(ours) and a["region"] not in ours,
        }
        for a in activities
        if a.get("region")
    ]


def build(state: CandorState, session: Session | None = None) -> dict[str, Any]:
    """The record of processing activities and the DPIA / PIPIA draft, with their inputs' fingerprint."""
    inputs = collect_inputs(state, session)
    activities = inputs["activities"]
    locations = inputs["locations"]
    categories = sorted({c for a in activities for c in a["data_categories"]})
    biometric = [
        a["name"] for a in activities if a.get("biometric") or set(a["capabilities"]) & BIOMETRIC_CAPABILITIES
    ]
    automated = [a["name"] for a in activities if Purpose.AI_EVALUATION.value in a["purposes"]]
    transfers = _transfers(activities, locations)
    ropa = {
        "title": "Record of processing activities (GDPR Art. 30)",
        "controller": "to_complete: the organisation's name, contact and data protection officer",
        "activities": activities,
        "data_categories": categories,
        "data_subjects": ["job candidates", "staff users (recruiters, reviewers, administrators, auditors)"],
        "recipients": [{"plugin": t["plugin"], "region": t["region"]} for t in transfers],
        "transfers": transfers,
        "retention": {code: merged["retention"] for code, merged in locations.items()},
        "policy_packs": inputs["policy_packs"],
        "security_measures": inputs["security_measures"],
    }
    risks = []
    if biometric:
        risks.append(
            {
                "risk": "Biometric (sensitive) data processed",
                "plugins": biometric,
                "basis": "GDPR Art. 9, PIPL Art. 28-29",
                "mitigation": "separate consent, purpose gate, "
                "policy packs prohibit emotion inference where the law does",
                "residual": "to_complete",
            }
        )
    if automated:
        risks.append(
            {
                "risk": "Automated evaluation of candidates",
                "plugins": automated,
                "basis": "GDPR Art. 22, PIPL Art. 24, EU AI Act Art. 14",
                "mitigation": "human decision always required, override reasons, blind-first review, "
                "contest queue with deadlines, stop button",
                "residual": "to_complete",
            }
        )
    crossing = [t["plugin"] for t in transfers if t["cross_border"]]
    if crossing:
        risks.append(
            {
                "risk": "Cross-border transfer",
                "plugins": crossing,
                "basis": "GDPR Ch. V, PIPL Art. 38-39",
                "mitigation": "separate consent for the transfer",
                "residual": "to_complete",
            }
        )
    dpia = {
        "title": "Data protection impact assessment (GDPR Art. 35) / personal information protection impact "
        "assessment (PIPL Art. 55-56): draft",
        "status": "draft",
        "description": [
            {"activity": a["name"], "purposes": a["purposes"], "data_categories": a["data_categories"]}
            for a in activities
        ],
        "necessity": "to_complete: why each purpose needs these categories, and why less would not do",
        "sensitive_data": biometric,
        "automated_decision_making": automated,
        "analyzer_limits": [
            {"plugin": a["name"], "limits": a["limits"], "accuracy": a["accuracy"]}
            for a in activities
            if a["name"] in automated
        ],
        "risks": risks,
        "measures": inputs["security_measures"],
        "sign_off": "to_complete: DPO / personal information protection officer opinion and date",
    }
    return {"format": FORMAT_VERSION, "fingerprint": fingerprint(inputs), "ropa": ropa, "dpia": dpia}
