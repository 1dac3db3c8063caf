"""Consent and the purpose gate.

Owns what a candidate agreed to (per purpose, against which notice), withdrawal and what it stops, the notice
itself (generated from the applicable policy packs and the enabled plugins' declarations), and the gate that
every hand-over of personal data to a plugin passes. It must not run analyses itself: the pipeline asks the
gate, and the gate answers and records.
"""

from candor.consent import guard as _guard  # noqa: F401  (installs the plugin data guard)
from candor.consent.gate import check_gate
from candor.consent.service import granted_purposes, record_decisions, withdraw

__all__ = ["check_gate", "granted_purposes", "record_decisions", "withdraw"]
