"""The SuccessFactors Recruiting connector: requisitions and applications in, results and decisions out.

Pulls ``JobRequisition`` (title and description from the expanded ``jobReqLocale``) and ``JobApplication``
with its ``Candidate`` changed since the last pull (``$filter`` on ``lastModifiedDateTime``), as the plain
mappings ``candor.recruiting.sync`` takes in. Pushes outbox events to the ``JobApplication`` they concern with
``POST /odata/v2/upsert``: score, recommendation and report link into configured custom fields, the status
through ``appStatusSetItemId``. Each write carries the event's idempotency key in a custom field and is made
only when the application does not hold that key already, so a retry after a lost answer writes nothing twice
(the outbox delivers one subject's events in order, so the last key is the one to compare).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from candor_plugins.successfactors.odata import ODataClient, SuccessFactorsError, format_since, parse_date

NAME = "successfactors"
TAGS = re.compile(r"<[^>]+>")
CHINESE_COUNTRIES = {"CN", "CHN", "China"}


def _text(value: Any) -> str:
    """Plain text from SuccessFactors rich text (job descriptions are HTML)."""
    return re.sub(r"\s+", " ", html.unescape(TAGS.sub(" ", str(value or "")))).strip()


def _since(since: str | None) -> dict[str, str]:
    if not since:
        return {}
    moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    return {"$filter": f"lastModifiedDateTime ge datetimeoffset'{format_since(moment)}'"}


def _iso(value: Any) -> str | None:
    moment = parse_date(value)
    return format_since(moment) if moment else None


class SuccessFactorsConnector:
    name = NAME

    def __init__(self, settings: Mapping[str, Any], client: ODataClient | None = None) -> None:
        self.settings = settings
        self.region = str(settings["region"]) or None  # the outbox's cross-border check reads it
        self.client = client or ODataClient(settings)

    # --- in ---------------------------------------------------------------------------------------------

    def pull_jobs(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        locale = str(self.settings["locale"])
        params = {**_since(since), "$expand": "jobReqLocale", "$orderby": "lastModifiedDateTime asc"}
        for row in self.client.get_all("JobRequisition", params):
            locales = (row.get("jobReqLocale") or {}).get("results") or []
            chosen = next((x for x in locales if x.get("locale") == locale), locales[0] if locales else {})
            title = chosen.get("externalTitle") or chosen.get("jobTitle") or ""
            yield {
                "external_ref": str(row["jobReqId"]),
                "title": _text(title),
                "description": _text(chosen.get("jobDescription")),
                "requirements": _text(row.get(self.settings["requirements_field"]) or ""),
                "location": str(row.get(self.settings["location_field"]) or row.get("country") or ""),
                "language": "zh" if str(chosen.get("locale", "")).startswith("zh") else "en",
                "modified": _iso(row.get("lastModifiedDateTime")),
            }

    def pull_applicants(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        params = {**_since(since), "$expand": "candidate", "$orderby": "lastModifiedDateTime asc"}
        for row in self.client.get_all("JobApplication", params):
            candidate = row.get("candidate") if isinstance(row.get("candidate"), dict) else {}
            country = str(candidate.get("country") or "")
            yield {
                "external_ref": str(row.get("candidateId") or candidate.get("candidateId") or ""),
                "application_ref": str(row["applicationId"]),
                "job_ref": str(row.get("jobReqId") or ""),
                "full_name": " ".join(
                    p
                    for p in (
                        row.get("firstName") or candidate.get("firstName"),
                        row.get("lastName") or candidate.get("lastName"),
                    )
                    if p
                ),
                "email": row.get("contactEmail")
                or candidate.get("primaryEmail")
                or candidate.get("contactEmail"),
                "phone": row.get("cellPhone") or candidate.get("cellPhone") or None,
                "language": "zh-CN"
                if country in CHINESE_COUNTRIES
                else str(self.settings["default_language"]),
                "modified": _iso(row.get("lastModifiedDateTime")),
            }

    # --- out --------------------------------------------------------------------------------------------

    def push_event(self, event: Mapping[str, Any], idempotency_key: str) -> Mapping[str, Any]:
        data = event.get("data") or {}
        kind = str(event.get("event_type") or event.get("type") or "")
        reference = data.get("application_ref")
        if data.get("source") != NAME or not reference:
            return {"status": "skipped", "reason": "the applicant did not come from SuccessFactors"}
        if not str(reference).isdigit():
            raise SuccessFactorsError("BAD_REFERENCE", "the application id is not a SuccessFactors Int64 id")
        key_field = str(self.settings["event_key_field"])
        current = self.client.get_one("JobApplication", str(reference), f"applicationId,{key_field}")
        if current.get(key_field) == idempotency_key:
            return {"status": "duplicate", "application": str(reference), "reference": str(reference)}
        row = {
            "__metadata": {"uri": f"JobApplication({reference}L)", "type": "SFOData.JobApplication"},
            key_field: idempotency_key,
            self.settings["state_field"]: kind,
            **self._fields(kind, data),
        }
        result = self.client.upsert([row])[0]
        return {
            "status": "written",
            "application": str(reference),
            "reference": str(reference),
            "edit": result.get("editStatus"),
        }

    def _fields(self, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        s = self.settings
        if kind == "result.ready":
            fields: dict[str, Any] = {
                s["recommendation_field"]: data.get("recommendation"),
                s["report_field"]: data.get("report_url"),
            }
            if data.get("score") is not None:
                fields[s["score_field"]] = f"{float(data['score']):.2f}"  # Decimal travels as a string
            return {**fields, **self._status(data.get("status"))}
        if kind == "decision.made":
            return {s["decision_field"]: data.get("outcome"), **self._status(data.get("outcome"))}
        if kind in {"data.erased", "consent.withdrawn"}:
            return {
                s["score_field"]: None,
                s["recommendation_field"]: None,
                s["report_field"]: None,
                s["decision_field"]: None,
            }
        return {}

    def _status(self, outcome: Any) -> dict[str, Any]:
        item = {
            "advance": self.settings["status_advance"],
            "reject": self.settings["status_reject"],
            "needs_human_review": self.settings["status_review"],
            "hold": self.settings["status_review"],
        }.get(str(outcome or ""))
        return {"appStatusSetItemId": str(item)} if item else {}

    def erase(self, reference: str) -> Mapping[str, Any]:
        """Remove what Candor wrote to the application (the applicant's own record stays SAP's to delete)."""
        s = self.settings
        row = {
            "__metadata": {"uri": f"JobApplication({reference}L)", "type": "SFOData.JobApplication"},
            s["score_field"]: None,
            s["recommendation_field"]: None,
            s["report_field"]: None,
            s["decision_field"]: None,
            s["state_field"]: "data.erased",
        }
        self.client.upsert([row])
        return {"receipt": f"JobApplication({reference}L) cleared"}
