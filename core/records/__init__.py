"""Records and assessments: the GDPR Art. 30 record of processing activities and a DPIA / PIPIA draft, built
from the enabled plugins' declarations, the policy packs and the security measures in force, exported as
JSON, Markdown and HTML, and versioned by a fingerprint of their inputs (``build``, ``render``, ``store``)."""

from candor.records.build import build, collect_inputs, fingerprint
from candor.records.render import render

__all__ = ["build", "collect_inputs", "fingerprint", "render"]
