"""Generic REST and Standard Webhooks connector (built in): outbound events signed per the Standard Webhooks
specification, REST pulls as a fallback, and a signed inbound endpoint for new jobs and applicants.

With no ``url`` set it offers no connector (nothing is sent anywhere); with no inbound secret its endpoint
answers 503. Modules: ``signing`` (the headers), ``connector`` (push and pull), ``inbound`` (the endpoint
and the work that hands messages to intake).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint

from candor import PluginDeclaration, Setting, hookimpl
from candor.declarations import DataCategory, Purpose
from candor.interfaces import EhrConnector, WorkHandler
from candor.plugins import PluginError
from candor_plugins.webhooks.connector import WebhookConnector
from candor_plugins.webhooks.inbound import PROCESS_KIND, make_blueprint, process_inbound
from candor_plugins.webhooks.signing import SecretError, parse_secrets


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="webhooks",
        title="Webhooks (generic REST)",
        description="Sends interview results, decisions, erasures and withdrawals to an HR system as signed "
                    "webhooks, and receives its new jobs and applicants.",
        capabilities=frozenset({"ehr_sync", "web_extension", "background_work"}),
        data_categories=frozenset({DataCategory.CONTACT, DataCategory.IDENTITY, DataCategory.ASSESSMENT,
                                   DataCategory.JOB}),
        purposes=frozenset({Purpose.RECRUITMENT}),
        settings=(
            Setting("url", "", "Where events are POSTed; empty means no outbound connector."),
            Setting("secrets", "", "Signing secrets ('whsec_' + base64), space-separated; during a rotation "
                                   "give the new and the old one.", secret=True),
            Setting("inbound_secrets", "", "Secrets inbound senders sign with; empty means 'secrets'.",
                    secret=True),
            Setting("region", "", "Region where the receiver keeps the data (e.g. EU, US, CN); decides "
                                  "cross-border consent."),
            Setting("timeout", 10.0, "Seconds to wait for the receiver's answer."),
            Setting("pull_url", "", "REST base URL for pulling /jobs and /applicants (fallback)."),
            Setting("pull_token", "", "Bearer token for pull_url.", secret=True),
            Setting("organization_id", 1, "Organisation that inbound jobs and applicants belong to."),
        ),
        limits=("Receivers must deduplicate by webhook-id: a delivery interrupted after sending is sent "
                "again.",),
    )


def _secrets(settings: Mapping[str, Any], name: str) -> list[Any]:
    try:
        return parse_secrets(settings.get(name))
    except SecretError as exc:
        raise PluginError(f"Plugin 'webhooks' setting {name!r}: {exc}") from None


@hookimpl
def candor_register_ehr_connectors(settings: Mapping[str, Any]) -> Sequence[EhrConnector]:
    if not settings["url"]:
        return []
    secrets = _secrets(settings, "secrets")
    if not secrets:
        raise PluginError("Plugin 'webhooks' has a url but no secrets; set "
                          "plugin_settings.webhooks.secrets to one or more 'whsec_' secrets so receivers "
                          "can verify what is sent.")
    return [WebhookConnector(url=settings["url"], secrets=secrets, region=settings["region"] or None,
                             timeout=float(settings["timeout"]), pull_url=settings["pull_url"],
                             pull_token=settings["pull_token"])]


@hookimpl
def candor_register_blueprints(settings: Mapping[str, Any]) -> Sequence[Blueprint]:
    _secrets(settings, "inbound_secrets")  # a bad secret stops start-up with a clear message
    return [make_blueprint(settings)]


@hookimpl
def candor_register_work_handlers(settings: Mapping[str, Any]) -> Mapping[str, WorkHandler]:
    organization_id = int(settings["organization_id"])
    return {PROCESS_KIND: lambda context: process_inbound(context, organization_id)}
