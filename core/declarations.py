"""What a plugin says about itself, and the vocabularies the core reasons with.

Owns ``PluginDeclaration`` (returned by each plugin's ``candor_declare`` hook), the purposes and data categories
that consent and policy speak of, and the validation of a declaration. The core reads declarations to decide
what a plugin may receive; it must never trust a plugin that has no valid declaration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class Purpose(StrEnum):
    """Why personal data is processed. Consent and policy packs are expressed per purpose."""

    RECRUITMENT = "recruitment"  # running the application: storing answers, human review
    AI_EVALUATION = "ai_evaluation"  # automated analysis and scoring of answers
    BIOMETRIC_ANALYSIS = "biometric_analysis"  # face or voice processing; separate consent (PIPL Art. 29)
    PERSONALISATION = "personalisation"  # questions tailored from the resume
    CROSS_BORDER_TRANSFER = "cross_border_transfer"  # separate consent (PIPL Art. 39)
    ONBOARDING = "onboarding"
    ATTENDANCE = "attendance"
    ATTENDANCE_BIOMETRICS = "attendance_biometrics"
    BIAS_AUDIT = "bias_audit"  # aggregate demographic statistics only
    OPERATIONS = "operations"  # running the platform; no personal data beyond references


class DataCategory(StrEnum):
    """Kinds of data a plugin may receive or produce."""

    CONTACT = "contact"  # name, e-mail, phone
    IDENTITY = "identity"  # national id numbers, external ids
    RESUME = "resume"
    VIDEO = "video"
    AUDIO = "audio"
    TRANSCRIPT = "transcript"
    BIOMETRIC = "biometric"  # face geometry, voice characteristics
    ASSESSMENT = "assessment"  # scores, recommendations, decisions
    DEMOGRAPHIC = "demographic"
    EMPLOYMENT = "employment"  # job, position, probation, pay
    ATTENDANCE = "attendance"
    JOB = "job"  # job descriptions and requirements: not personal


#: Capabilities the core knows by name. Plugins may declare others (snake_case); these have meaning to policy.
KNOWN_CAPABILITIES: Mapping[str, str] = {
    "speech_to_text": "turns spoken answers into text",
    "delivery_analysis": "measures pace, pauses and fillers in speech",
    "face_analysis": "detects faces, head pose and posture in video (biometric)",
    "emotion_inference": "infers emotions or expressions (prohibited in the EU)",
    "competency_scoring": "scores answers against competencies",
    "question_generation": "writes interview questions",
    "ehr_sync": "exchanges jobs, candidates and results with an HR system",
    "attendance_sync": "provisions accounts and reads check-ins in an attendance system",
    "notification": "sends messages to people",
    "pii_recognition": "finds personal data in text",
    "storage": "stores files",
    "key_provider": "holds key-encryption keys",
    "web_extension": "adds pages or API endpoints",
    "cli_extension": "adds commands",
    "diagnostics": "checks the installation",
    "background_work": "runs units of work in the task queue",
}


@dataclass(frozen=True)
class Setting:
    """One setting of a plugin: its default and what it means. Secrets are never shown back."""

    name: str
    default: Any
    description: str
    secret: bool = False


@dataclass(frozen=True)
class PluginDeclaration:
    """A plugin's account of itself.

    :param name: unique, snake_case; for packaged plugins it must equal the entry-point name.
    :param title: a short human title for the plugins page.
    :param capabilities: what it does, from ``KNOWN_CAPABILITIES`` or its own snake_case words.
    :param data_categories: the personal data it receives or produces.
    :param purposes: the purposes it serves; it receives personal data only for these.
    :param settings: its settings with defaults, read from ``plugin_settings.<name>``.
    :param description: plain language, shown to candidates in the notice for analyzers.
    :param limits: known limitations, shown to reviewers (EU AI Act Art. 13).
    :param accuracy: measured figures, e.g. ``{"wer_en": 0.23}``.
    :param metadata: SQLAlchemy metadata of the tables it owns (each named ``<name>_...``).
    :param migrations: folder of its Alembic history when it owns tables.
    :param region: where data sent to it ends up (connectors), e.g. ``"CN"`` or ``"EU"``.
    """

    name: str
    title: str
    capabilities: frozenset[str] = frozenset()
    data_categories: frozenset[DataCategory] = frozenset()
    purposes: frozenset[Purpose] = frozenset()
    settings: tuple[Setting, ...] = ()
    description: str = ""
    limits: tuple[str, ...] = ()
    accuracy: Mapping[str, float] = field(default_factory=dict)
    metadata: MetaData | None = None
    migrations: Path | None = None
    region: str | None = None

    def to_public_dict(self) -> dict[str, Any]:
        """The declaration as the plugins page and API show it."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "capabilities": sorted(self.capabilities),
            "data_categories": sorted(c.value for c in self.data_categories),
            "purposes": sorted(p.value for p in self.purposes),
            "settings": [
                {"name": s.name, "default": None if s.secret else s.default, "description": s.description,
                 "secret": s.secret}
                for s in self.settings
            ],
            "limits": list(self.limits),
            "accuracy": dict(self.accuracy),
            "tables": sorted(self.metadata.tables) if self.metadata is not None else [],
            "region": self.region,
        }


class DeclarationError(ValueError):
    """A declaration breaks a rule; the message says which field and what was expected."""


def validate_declaration(value: object, *, expected_name: str | None) -> PluginDeclaration:
    """Check a declaration's types and vocabularies and return it, or raise ``DeclarationError``."""
    if not isinstance(value, PluginDeclaration):
        raise DeclarationError(
            f"candor_declare() returned {type(value).__name__}; expected candor.PluginDeclaration"
        )
    if not NAME_PATTERN.match(value.name):
        raise DeclarationError(
            f"name {value.name!r} must be 2-40 characters of lowercase letters, digits and '_', "
            "starting with a letter"
        )
    if expected_name is not None and value.name != expected_name:
        raise DeclarationError(
            f"name {value.name!r} differs from its entry-point name {expected_name!r}; make them equal"
        )
    if not value.title.strip():
        raise DeclarationError("title is empty; give the plugin a short human title")
    for capability in value.capabilities:
        if not isinstance(capability, str) or not NAME_PATTERN.match(capability):
            raise DeclarationError(f"capability {capability!r} is not a snake_case word")
    _check_members("data_categories", value.data_categories, DataCategory)
    _check_members("purposes", value.purposes, Purpose)
    if value.data_categories - {DataCategory.JOB} and not value.purposes:
        raise DeclarationError("it declares personal data categories but no purposes; declare why it uses them")
    seen: set[str] = set()
    for setting in value.settings:
        if not isinstance(setting, Setting):
            raise DeclarationError(f"settings must be candor.Setting objects, got {type(setting).__name__}")
        if setting.name in seen:
            raise DeclarationError(f"setting {setting.name!r} is declared twice")
        seen.add(setting.name)
    if value.metadata is not None:
        for table in value.metadata.tables:
            if not table.startswith(f"{value.name}_"):
                raise DeclarationError(f"table {table!r} must be named '{value.name}_...' (its own namespace)")
        if value.migrations is None or not (Path(value.migrations) / "env.py").is_file():
            raise DeclarationError("it owns tables but 'migrations' names no folder with an Alembic env.py")
    return value


def _check_members(field_name: str, values: frozenset[Any], enum: type[StrEnum]) -> None:
    allowed = {member.value for member in enum}
    for item in values:
        if item not in allowed:
            raise DeclarationError(f"{field_name} has {item!r}; expected one of {', '.join(sorted(allowed))}")
