"""Running analyzers on answers: one durable unit of work per analyzer and answer, each through the purpose
gate, each recorded as an ``Analysis`` with what the EU AI Act Art. 12 asks to be logged."""

from candor.analysis.steps import ANALYSE_KIND, schedule_answer_analysis

__all__ = ["ANALYSE_KIND", "schedule_answer_analysis"]
