"""The interview's life, as a table of allowed transitions.

An interview never skips review: analysis ends in ``awaiting_review`` and only a person moves it to
``decided``. Withdrawal, expiry and cancellation can end it from any state before a decision.
"""

from __future__ import annotations

from enum import StrEnum


class InterviewState(StrEnum):
    CREATED = "created"  # questions fixed, no invitation sent yet
    INVITED = "invited"  # the candidate has a link
    IN_PROGRESS = "in_progress"  # consent given, answering
    SUBMITTED = "submitted"  # every answer uploaded
    ANALYSING = "analysing"
    AWAITING_REVIEW = "awaiting_review"  # a recommendation waits for a named person
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"  # the candidate withdrew consent or the application
    EXPIRED = "expired"  # the link ran out before completion
    CANCELLED = "cancelled"  # the organisation called it off


_ENDINGS = {InterviewState.WITHDRAWN, InterviewState.CANCELLED}

TRANSITIONS: dict[InterviewState, frozenset[InterviewState]] = {
    InterviewState.CREATED: frozenset({InterviewState.INVITED, *_ENDINGS}),
    InterviewState.INVITED: frozenset({InterviewState.IN_PROGRESS, InterviewState.EXPIRED, *_ENDINGS}),
    InterviewState.IN_PROGRESS: frozenset({InterviewState.SUBMITTED, InterviewState.EXPIRED, *_ENDINGS}),
    # A candidate who opts out of AI evaluation goes from submitted straight to review.
    InterviewState.SUBMITTED: frozenset(
        {InterviewState.ANALYSING, InterviewState.AWAITING_REVIEW, *_ENDINGS}
    ),
    InterviewState.ANALYSING: frozenset({InterviewState.AWAITING_REVIEW, *_ENDINGS}),
    InterviewState.AWAITING_REVIEW: frozenset({InterviewState.DECIDED, *_ENDINGS}),
    InterviewState.DECIDED: frozenset({InterviewState.AWAITING_REVIEW}),  # a contested decision is reviewed again
    InterviewState.WITHDRAWN: frozenset(),
    InterviewState.EXPIRED: frozenset({InterviewState.INVITED}),  # HR may send a new link
    InterviewState.CANCELLED: frozenset(),
}


class InvalidTransition(ValueError):
    """The interview cannot move to the requested state from its current one."""

    def __init__(self, current: InterviewState, requested: InterviewState) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it has ended)"
        super().__init__(f"An interview in state {current!s} cannot become {requested!s}; allowed: {allowed}.")
        self.current = current
        self.requested = requested


def check_transition(current: InterviewState, requested: InterviewState) -> None:
    if requested not in TRANSITIONS[current]:
        raise InvalidTransition(current, requested)
