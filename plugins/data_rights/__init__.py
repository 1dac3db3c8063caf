"""Data-subject rights and retention diagnostics, shipped as a built-in plugin of the doctor hook: warns when
requests are past due. The requests and retention themselves live in the core (``candor.dsar``,
``candor.retention``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import PluginDeclaration, hookimpl
from candor.dsar.checks import check_overdue
from candor.interfaces import DoctorCheck


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="data_rights",
        title="Data-subject request checks",
        description="Warns when data-subject requests are past their due date.",
        capabilities=frozenset({"diagnostics"}),
    )


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    return [DoctorCheck("dsar_overdue", check_overdue)]
