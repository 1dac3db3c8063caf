"""A withdrawal of consent reaches every HR system that received the candidate's data, signed, in order."""

from __future__ import annotations

from candor.consent.models import ConsentChannel
from candor.consent.service import withdraw
from candor.declarations import Purpose
from candor.dsar.models import ConnectorDisclosure
from candor.state import get_state

from .helpers import make_candidate, run_queued


def test_withdrawal_is_sent_to_the_systems_that_received_data(app, receiver):
    state = get_state(app)
    told = make_candidate(app, consents=(Purpose.AI_EVALUATION, Purpose.CROSS_BORDER_TRANSFER))
    never = make_candidate(app, consents=(Purpose.AI_EVALUATION,))
    with state.db.transaction() as session:
        session.add(ConnectorDisclosure(candidate_id=told["candidate_id"], plugin="webhooks",
                                        connector="webhooks", reference="APP-1001"))
    with state.db.transaction() as session:
        result = withdraw(session, candidate_id=told["candidate_id"], purposes=None, channel=ConsentChannel.WEB)
        assert result.notified_connectors == ("webhooks",)
    with state.db.transaction() as session:
        assert withdraw(session, candidate_id=never["candidate_id"], purposes=None,
                        channel=ConsentChannel.WEB).notified_connectors == ()
    run_queued(app)
    [payload] = receiver.accepted.values()  # verified against the Standard Webhooks signature
    assert payload["type"] == "consent.withdrawn"
    assert payload["data"]["subject"] == f"candidate:{told['candidate_id']}"
    assert payload["data"]["purposes"] == ["ai_evaluation", "cross_border_transfer"]
    assert "Ines" not in str(payload) and "@" not in str(payload)
