"""SAP SuccessFactors Recruiting (OData v2), shipped as a built-in plugin of the EHR connector hook.

``connector`` maps requisitions and applications to Candor's intake and writes results back; ``odata`` speaks
the protocol. The connector is offered only once ``base_url`` is set. Its region (where the tenant's data
centre is, the ``region`` setting: it differs per tenant, so the connector carries it rather than the static
declaration) decides whether sending results there is a cross-border transfer for the job's location.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.interfaces import EhrConnector
from candor_plugins.successfactors.connector import NAME, SuccessFactorsConnector


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name=NAME,
        title="SAP SuccessFactors Recruiting",
        description="Reads job requisitions and applications from SuccessFactors and writes interview "
        "results, "
        "the report link and the human decision back to the job application.",
        capabilities=frozenset({"ehr_sync"}),
        data_categories=frozenset(
            {DataCategory.CONTACT, DataCategory.IDENTITY, DataCategory.ASSESSMENT, DataCategory.JOB}
        ),
        purposes=frozenset({Purpose.RECRUITMENT}),
        settings=(
            Setting(
                "region",
                "EU",
                "Where the tenant's data centre is (EU, US, CN...): sending results there from a job "
                "elsewhere is a cross-border transfer that needs the candidate's consent.",
            ),
            Setting(
                "base_url",
                "",
                "API host, e.g. https://api012.successfactors.eu; the connector is off while empty.",
            ),
            Setting("auth", "oauth", "'oauth' (SAML bearer token) or 'basic' (user@companyId, deprecated)."),
            Setting("company_id", "", "The SuccessFactors company id."),
            Setting("username", "", "API user for Basic authentication."),
            Setting("password", "", "Password for Basic authentication.", secret=True),
            Setting("client_id", "", "OAuth client (API key) registered in SuccessFactors."),
            Setting("assertion", "", "Signed SAML assertion for the OAuth token endpoint.", secret=True),
            Setting("token_url", "", "OAuth token endpoint; <base_url>/oauth/token when empty."),
            Setting("timeout_seconds", 20.0, "How long to wait for one answer."),
            Setting(
                "rate_limit_wait_seconds", 300.0, "Pause after HTTP 429 without Retry-After (SAP: 300 s)."
            ),
            Setting("rate_limit_retries", 2, "How many 429 answers to wait out before the call fails."),
            Setting("locale", "en_US", "Which jobReqLocale to take the title and description from."),
            Setting("location_field", "country", "Requisition field holding the job's jurisdiction code."),
            Setting("requirements_field", "cust_requirements", "Requisition field holding the requirements."),
            Setting("default_language", "en", "Invitation language unless the candidate's country is China."),
            Setting("score_field", "cust_candorScore", "Application custom field for the overall score."),
            Setting(
                "recommendation_field", "cust_candorRecommendation", "Custom field for the recommendation."
            ),
            Setting("report_field", "cust_candorReportUrl", "Custom field for the report link."),
            Setting("decision_field", "cust_candorDecision", "Custom field for the human decision."),
            Setting("state_field", "cust_candorEvent", "Custom field for the last event written."),
            Setting(
                "event_key_field", "cust_candorEventKey", "Custom field holding the last idempotency key."
            ),
            Setting("status_advance", "", "appStatusSetItemId to set when the outcome is advance."),
            Setting("status_reject", "", "appStatusSetItemId to set when the outcome is reject."),
            Setting("status_review", "", "appStatusSetItemId for needs human review / hold."),
        ),
        limits=(
            "Status ids and custom fields must exist in the tenant's application template.",
            "Erasure clears what Candor wrote; the applicant's own SuccessFactors record is deleted there.",
        ),
    )


@hookimpl
def candor_register_ehr_connectors(settings: Mapping[str, Any]) -> Sequence[EhrConnector]:
    if not settings["base_url"]:
        return []
    if settings["auth"] not in ("oauth", "basic"):
        raise ValueError("successfactors: set auth to 'oauth' or 'basic'.")
    return [SuccessFactorsConnector(settings)]
