"""The shape of a policy pack: every field a pack may hold, its type, its vocabulary and its limits.

Owns the pydantic models a pack file is validated against. Purposes and data categories come from
``candor.declarations`` so that packs, plugin declarations and consent speak the same words. Unknown fields
are errors (a misspelt field would otherwise silently weaken a rule). It must not read files or merge packs.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator, model_validator

from candor.declarations import KNOWN_CAPABILITIES, NAME_PATTERN, DataCategory, Purpose

JURISDICTION_PATTERN = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,8})*$")

Citation = Annotated[str, Field(min_length=3, description="The article or section the rule comes from.")]


class RecordKind(StrEnum):
    """Records the platform keeps about its own processing, retained like data categories."""

    CONSENT_RECORD = "consent_record"  # what was agreed, when, to which notice version
    AUDIT_LOG = "audit_log"  # who did what to whose data
    ANALYSIS_LOG = "analysis_log"  # each automated analysis: inputs by reference, model, outputs


class RequestKind(StrEnum):
    """Data-subject requests that have deadlines."""

    ACCESS = "access"
    ERASURE = "erasure"
    RECTIFICATION = "rectification"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    EXPLANATION = "explanation"
    INFORMATION = "information"  # about data collected, its source and retention (NYC LL144)


def _retention_subject(value: object) -> DataCategory | RecordKind:
    for vocabulary in (DataCategory, RecordKind):
        try:
            return vocabulary(value)
        except ValueError:
            continue
    raise ValueError(
        f"expected a data category ({', '.join(DataCategory)}) or a record ({', '.join(RecordKind)})"
    )


#: What a retention rule may be about: a data category or one of the platform's own records.
RetentionSubject = DataCategory | RecordKind
_RetentionKey = Annotated[RetentionSubject, PlainValidator(_retention_subject)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConsentRules(_Strict):
    """Purposes that need the candidate's consent, and those that need it separately (its own tick box)."""

    required: frozenset[Purpose] = frozenset()
    separate: frozenset[Purpose] = frozenset()
    basis: Citation

    @model_validator(mode="after")
    def _separate_is_required(self) -> ConsentRules:
        missing = self.separate - self.required
        if missing:
            names = ", ".join(sorted(missing))
            raise ValueError(
                f"purposes needing separate consent must also be in consent.required: add {names}"
            )
        return self


class Notice(_Strict):
    """The notice shown before consent, in English and Simplified Chinese, under one version."""

    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
    en: str = Field(min_length=20)
    zh_cn: str = Field(alias="zh-CN", min_length=10)


class RetentionRule(_Strict):
    """How long one kind of data may be kept (``max_days``) and must be kept (``min_days``)."""

    max_days: int | None = Field(default=None, ge=1)
    min_days: int | None = Field(default=None, ge=1)
    basis: Citation

    @model_validator(mode="after")
    def _bounds(self) -> RetentionRule:
        if self.max_days is None and self.min_days is None:
            raise ValueError("give max_days, min_days or both")
        if self.max_days is not None and self.min_days is not None and self.min_days > self.max_days:
            raise ValueError(f"min_days ({self.min_days}) exceeds max_days ({self.max_days})")
        return self


class Deadline(_Strict):
    """Calendar days from receiving a request to answering it."""

    days: int = Field(ge=1, le=366)
    basis: Citation


class NoticeLeadTime(_Strict):
    """How long before the automated tool is used the notice must reach the candidate."""

    business_days: int = Field(default=0, ge=0, le=60)
    basis: Citation


class PolicyPack(_Strict):
    """One regime's rules, as one YAML file."""

    schema_version: Literal[1] = 1
    pack: str = Field(description="Unique snake_case id, e.g. 'gdpr'.")
    title: str = Field(min_length=3)
    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")
    jurisdictions: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = ()
    consent: ConsentRules
    notice: Notice
    retention: dict[_RetentionKey, RetentionRule] = Field(default_factory=dict)
    prohibited_capabilities: frozenset[str] = frozenset()
    human_decision_required: bool = False
    human_decision_basis: str = ""
    request_deadlines: dict[RequestKind, Deadline] = Field(default_factory=dict)
    alternative_process_required: bool = False
    alternative_process_basis: str = ""
    notice_lead_time: NoticeLeadTime | None = None

    @field_validator("pack")
    @classmethod
    def _pack_id(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError("expected 2-40 lowercase letters, digits and '_', starting with a letter")
        return value

    @field_validator("jurisdictions")
    @classmethod
    def _jurisdiction_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not JURISDICTION_PATTERN.match(code):
                raise ValueError(
                    f"{code!r} is not a jurisdiction code; expected ISO 3166 such as 'CN', 'EU', 'DE' or "
                    "a subdivision such as 'US-IL', 'US-NYC'"
                )
        return value

    @field_validator("prohibited_capabilities")
    @classmethod
    def _known_capabilities(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - set(KNOWN_CAPABILITIES))
        if unknown:
            # A misspelt prohibition would prohibit nothing, so only names the core knows are accepted.
            raise ValueError(
                f"unknown capability {', '.join(unknown)}; "
                f"expected one of {', '.join(sorted(KNOWN_CAPABILITIES))}"
            )
        return value

    @model_validator(mode="after")
    def _reasons_given(self) -> PolicyPack:
        if self.human_decision_required and not self.human_decision_basis:
            raise ValueError("human_decision_required is true: give human_decision_basis (the article)")
        if self.alternative_process_required and not self.alternative_process_basis:
            raise ValueError(
                "alternative_process_required is true: give alternative_process_basis (the article)"
            )
        return self
