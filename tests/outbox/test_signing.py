"""Standard Webhooks signatures: the specification's test vector, rotation, and what inbound checks refuse."""

from __future__ import annotations

import json
import time

import pytest
from standardwebhooks import Webhook

from candor_plugins.webhooks.signing import (
    InboundRefused,
    SecretError,
    parse_secrets,
    signed_headers,
    verify_inbound,
)

from .helpers import OLD_SECRET, SECRET

VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_reproduces_the_specification_test_vector() -> None:
    headers = signed_headers(parse_secrets(SECRET), VECTOR_ID, VECTOR_BODY, timestamp=VECTOR_TIMESTAMP)
    assert headers == {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TIMESTAMP),
                       "webhook-signature": VECTOR_SIGNATURE}


def test_rotation_signs_with_every_secret_and_either_verifies() -> None:
    body = json.dumps({"type": "result.ready", "data": {"score": 4}})
    headers = signed_headers(parse_secrets(f"{SECRET} {OLD_SECRET}"), "evt_1", body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (SECRET, OLD_SECRET):
        assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").verify(body, headers)


def test_bad_secrets_are_refused_with_a_reason() -> None:
    with pytest.raises(SecretError, match="does not start with 'whsec_'"):
        parse_secrets("plain-password")
    with pytest.raises(SecretError, match="not valid base64"):
        parse_secrets("whsec_%%%")
    assert parse_secrets("") == []


def _signed(body: str, *, timestamp: int | None = None, message_id: str = "msg_1") -> dict[str, str]:
    return signed_headers(parse_secrets(SECRET), message_id, body, timestamp=timestamp)


@pytest.mark.parametrize(("headers", "status", "code"), [
    ({}, 401, "unsigned"),
    ({"webhook-id": "m", "webhook-timestamp": "soon", "webhook-signature": "v1,AAAA"}, 400, "bad_timestamp"),
    ({"webhook-id": "m", "webhook-timestamp": "NOW", "webhook-signature": "v1 AAAA"}, 400,
     "bad_signature_header"),
])
def test_inbound_header_problems(headers: dict[str, str], status: int, code: str) -> None:
    headers = {k: (str(int(time.time())) if v == "NOW" else v) for k, v in headers.items()}
    with pytest.raises(InboundRefused) as refused:
        verify_inbound(parse_secrets(SECRET), b"{}", headers)
    assert (refused.value.status, refused.value.code) == (status, code)


def test_inbound_stale_wrong_and_rotated() -> None:
    body = '{"type": "job.created"}'
    stale = _signed(body, timestamp=int(time.time()) - 301)
    with pytest.raises(InboundRefused, match="s old") as refused:
        verify_inbound(parse_secrets(SECRET), body.encode(), stale)
    assert refused.value.code == "stale"
    wrong = signed_headers(parse_secrets(OLD_SECRET), "msg_2", body)
    with pytest.raises(InboundRefused) as refused:
        verify_inbound(parse_secrets(SECRET), body.encode(), wrong)
    assert (refused.value.status, refused.value.code) == (401, "bad_signature")
    # During a rotation the receiver holds both secrets: a sender still on the old one gets through.
    assert verify_inbound(parse_secrets(f"{SECRET} {OLD_SECRET}"), body.encode(), wrong) == json.loads(body)
    tampered = _signed(body)
    with pytest.raises(InboundRefused, match="No signature matches"):
        verify_inbound(parse_secrets(SECRET), body.replace("job", "jab").encode(), tampered)
