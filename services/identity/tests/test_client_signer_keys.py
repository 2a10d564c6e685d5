"""A signer's published keys read through identity's client package, as orders' verifier reads
them: an unknown party has none, and an identity that cannot answer is a 503, never a pass."""

from __future__ import annotations

import httpx
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from identity_client.client import IdentityClient

from kit.signatures import (
    Act,
    SignatureKeysUnavailable,
    SignatureKeyUnknown,
    SignatureVerifier,
    jwk_of,
    sign_detached,
    thumbprint,
)

IDENTITY = "http://identity.test"
KEYS = f"{IDENTITY}/v1/parties/user:alice/signature-keys"
PATH = "/orders/v1/order-files/0b5e6f0e-6a35-4b83-9d2c-6a1e1a0e5a01/final-registration"
ACT = Act(method="POST", paths=(PATH,))
RAW = b'{"validity_months": 6}'


async def test_signer_keys_are_the_published_set_by_kid_and_none_for_an_unknown_party() -> None:
    key = Ed25519PrivateKey.generate()
    kid = thumbprint(jwk_of(key))
    async with httpx.AsyncClient() as http, respx.mock(assert_all_called=True) as router:
        route = router.get(KEYS)
        route.return_value = httpx.Response(
            200, json={"keys": [{**jwk_of(key), "kid": kid, "alg": "EdDSA", "use": "sig"}]}
        )
        identity = IdentityClient(IDENTITY + "/", http)
        assert await identity.signer_keys("user:alice") == {
            kid: {**jwk_of(key), "kid": kid, "alg": "EdDSA", "use": "sig"}
        }
        verifier = SignatureVerifier(identity.signer_keys)
        assert (await verifier.verify("user:alice", sign_detached(key, RAW, path=PATH), RAW, ACT)).kid == kid
        route.return_value = httpx.Response(404, json={"code": "not-found"})
        assert await identity.signer_keys("user:alice") == {}
        with pytest.raises(SignatureKeyUnknown):
            await verifier.verify("user:alice", sign_detached(key, RAW, path=PATH), RAW, ACT)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json={"keys": [{}]}),
        httpx.ConnectError("down"),
    ],
    ids=["5xx", "not-json", "not-a-jwks", "no-answer"],
)
async def test_an_identity_that_cannot_answer_is_a_503(failure: httpx.Response | Exception) -> None:
    header = sign_detached(Ed25519PrivateKey.generate(), RAW, path=PATH)
    async with httpx.AsyncClient() as http, respx.mock() as router:
        router.get(KEYS).side_effect = [failure]
        verifier = SignatureVerifier(IdentityClient(IDENTITY, http).signer_keys)
        with pytest.raises(SignatureKeysUnavailable) as caught:
            await verifier.verify("user:alice", header, RAW, ACT)
    assert caught.value.status == 503
