"""A populated installation for the hardening tests: two open interviews with their candidate links, staff of every
role each holding a token with every scope the role allows, and a token without the scopes most endpoints need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from candor.auth.models import Role, User
from candor.auth.permissions import ROLE_PERMISSIONS, Permission
from candor.auth.tokens import create_token
from candor.demo import seed_demo
from candor.interviews.links import issue_link_token
from candor.interviews.states import InterviewState
from candor.questions.pinning import pin_questions
from candor.recruiting.intake import intake_applicant
from candor.state import get_state

#: The scope the narrow token holds: it names a permission every role has, and no endpoint but the plugin list needs.
NARROW_SCOPE = Permission.PLUGINS_READ


@dataclass
class World:
    interview_a: int
    interview_b: int
    token_a: str
    token_b: str
    job_id: int
    organization_id: int
    questions_a: list[int]
    questions_b: list[int]
    #: role name -> bearer token carrying every scope of the role
    staff_tokens: dict[str, str] = field(default_factory=dict)
    staff_ids: dict[str, int] = field(default_factory=dict)
    narrow_token: str = ""

    def candidate(self, which: str = "a") -> dict[str, str]:
        return {"Authorization": f"Candidate {self.token_a if which == 'a' else self.token_b}"}

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_tokens[role]}"}


def _question_ids(session: Any, interview_id: int) -> list[int]:
    from sqlalchemy import select

    from candor.questions.models import InterviewQuestion

    return list(session.scalars(select(InterviewQuestion.id).where(InterviewQuestion.interview_id == interview_id)
                                .order_by(InterviewQuestion.position)))


@pytest.fixture
def world(candor_app: Any) -> World:
    state = get_state(candor_app)
    with state.db.transaction() as session:
        demo = seed_demo(state, session, questions=2, answer_seconds=30, think_seconds=5)
        other = intake_applicant(state, session, job_id=demo.job_id, external_ref="hardening-other",
                                 full_name="Other Applicant", email="other@demo.invalid", source="manual")
        if not _question_ids(session, other.id):
            pin_questions(session, state, other)
        if other.state == InterviewState.CREATED:
            other.move_to(InterviewState.INVITED, actor="system:test", reason="link issued")
        token_b = issue_link_token(state.app_secret, other)
        session.flush()
        made = World(interview_a=demo.interview_id, interview_b=other.id, token_a=demo.token, token_b=token_b,
                     job_id=demo.job_id, organization_id=demo.organization_id,
                     questions_a=_question_ids(session, demo.interview_id),
                     questions_b=_question_ids(session, other.id))
        for role in Role:
            user = User(email=f"{role.value}@hardening.invalid", role=role, password_hash="!")
            session.add(user)
            session.flush()
            scopes = [p.value for p in ROLE_PERMISSIONS[role]]
            made.staff_tokens[role.value], _ = create_token(session, user, f"{role.value} everything", scopes)
            made.staff_ids[role.value] = user.id
            if role == Role.ADMIN:
                made.narrow_token, _ = create_token(session, user, "plugin list only", [NARROW_SCOPE.value])
    return made
