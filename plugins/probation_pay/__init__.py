"""Probation pay as a percentage of base pay, shipped as a built-in plugin of the payroll calculator hook.

The simple case of the issue: during probation the employee is paid ``percent`` of the monthly base pay,
never less than ``minimum`` when one is set (PRC Labour Contract Law Art. 20 sets a floor of 80 % of the
agreed pay and the local minimum wage; the default follows it). Amounts are decimals rounded half-up to
cents; the calculator sees pay terms only, never names or contact details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.interfaces import PayrollCalculator
from candor.plugins import PluginError

CENT = Decimal("0.01")


class PercentOfBasePay:
    name = "percent_of_base_pay"

    def __init__(self, percent: Decimal, minimum: Decimal | None) -> None:
        self.percent = percent
        self.minimum = minimum

    def probation_pay(self, terms: Mapping[str, Any], rules: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if terms.get("base_pay") in (None, "") or not terms.get("probation_months"):
            return None
        base = Decimal(str(terms["base_pay"]))
        monthly = (base * self.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        basis = f"{self.percent.normalize():f}% of base pay"
        if self.minimum is not None and monthly < self.minimum:
            monthly, basis = self.minimum.quantize(CENT), f"{basis}, raised to the set minimum"
        return {"monthly": str(monthly), "currency": str(terms.get("currency") or ""), "basis": basis,
                "months": str(terms["probation_months"])}


def _decimal(settings: Mapping[str, Any], name: str) -> Decimal | None:
    raw = settings.get(name)
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise PluginError(f"probation_pay: setting {name!r} must be a number, e.g. 80.") from None


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="probation_pay",
        title="Probation pay (percentage of base pay)",
        description="Pre-computes probation pay as a set percentage of the monthly base pay and hands it to "
                    "the HR systems with the hire.",
        capabilities=frozenset({"payroll"}),
        data_categories=frozenset({DataCategory.EMPLOYMENT}),
        purposes=frozenset({Purpose.ONBOARDING}),
        settings=(
            Setting("percent", 80, "Share of monthly base pay paid during probation, in percent (0-100)."),
            Setting("minimum", "", "Lowest monthly probation pay (the local minimum wage); empty: none."),
        ),
        limits=("Pays one flat percentage; allowances, bonuses and local minimum wages beyond the 'minimum' "
                "setting are left to the payroll system.",),
    )


@hookimpl
def candor_register_payroll_calculators(settings: Mapping[str, Any]) -> Sequence[PayrollCalculator]:
    percent = _decimal(settings, "percent")
    if percent is None or not 0 <= percent <= 100:
        raise PluginError("probation_pay: setting 'percent' must be between 0 and 100.")
    return [PercentOfBasePay(percent, _decimal(settings, "minimum"))]
