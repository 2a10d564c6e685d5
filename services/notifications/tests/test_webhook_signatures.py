"""The signing helper against the Standard Webhooks reference vector (the libraries' own test
case), so a receiver using any Standard Webhooks library verifies what notifications sends."""

from __future__ import annotations

import pytest
from notifications_client.webhooks import (
    WebhookVerificationError,
    new_secret,
    signature,
    signed_headers,
    verify,
)

# standard-webhooks/standard-webhooks, libraries/*/tests: the shared test vector.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_reference_vector() -> None:
    assert signature(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == EXPECTED


def test_verify_accepts_any_matching_signature_among_several() -> None:
    headers = signed_headers([new_secret(), SECRET], MESSAGE_ID, BODY, now=TIMESTAMP)
    assert verify(SECRET, headers, BODY, now=TIMESTAMP + 10) == MESSAGE_ID


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"webhook-signature": "v1,AAAA"}, "No signature matches"),
        ({"webhook-timestamp": str(TIMESTAMP - 301)}, "too old"),
        ({"webhook-timestamp": "soon"}, "not a number"),
        ({"webhook-id": ""}, "missing"),
    ],
)
def test_verify_refuses_forged_stale_or_incomplete_headers(change: dict[str, str], why: str) -> None:
    headers = {**signed_headers([SECRET], MESSAGE_ID, BODY, now=TIMESTAMP), **change}
    with pytest.raises(WebhookVerificationError, match=why):
        verify(SECRET, headers, BODY, now=TIMESTAMP)
