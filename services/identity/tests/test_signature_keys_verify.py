"""identity checks a signed request against the party's active keys in its own database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from identity_testing.parties import make_user

from identity.models import Party, SignatureKey
from identity.signature_keys import verify_party_signature
from kit.errors import ProblemError
from kit.runtime import runtime_of
from kit.signatures import (
    Act,
    SignatureInvalid,
    SignatureKeyUnknown,
    SignatureRequired,
    jwk_of,
    sign_detached,
    thumbprint,
)

PATH = "/orders/v1/order-files/0b5e6f0e-6a35-4b83-9d2c-6a1e1a0e5a01/final-registration"
ACT = Act(method="POST", paths=(PATH,))
BODY = json.dumps({"representative": "0012345679", "access_level": "medium"}).encode()


async def _store(app: FastAPI, party: Party, key: Any, status: str) -> str:
    jwk = jwk_of(key)
    kid = thumbprint(jwk)
    async with runtime_of(app).sessionmaker() as session, session.begin():
        session.add(
            SignatureKey(
                party_id=party.id,
                kid=kid,
                alg="EdDSA" if jwk["kty"] == "OKP" else "ES256",
                public_jwk=jwk,
                name=f"{status} key",
                status=status,
            )
        )
    return kid


async def _verify(app: FastAPI, party: Party, header: str | None, body: bytes = BODY) -> str:
    async with runtime_of(app).sessionmaker() as session:
        return (await verify_party_signature(session, party.id, header, body, ACT)).kid


async def _refused(app: FastAPI, party: Party, header: str | None, body: bytes = BODY) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        await _verify(app, party, header, body)
    return caught.value


@pytest.mark.parametrize(
    "make_key", [lambda: ec.generate_private_key(ec.SECP256R1()), Ed25519PrivateKey.generate]
)
async def test_an_active_key_verifies(app: FastAPI, make_key: Any) -> None:
    party = await make_user(app)
    key = make_key()
    kid = await _store(app, party, key, "active")
    assert await _verify(app, party, sign_detached(key, BODY, path=PATH)) == kid


async def test_pending_and_revoked_keys_do_not_verify(app: FastAPI) -> None:
    party = await make_user(app)
    pending, revoked = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    await _store(app, party, pending, "pending")
    await _store(app, party, revoked, "revoked")
    for key in (pending, revoked):
        assert isinstance(
            await _refused(app, party, sign_detached(key, BODY, path=PATH)), SignatureKeyUnknown
        )


async def test_another_party_s_key_does_not_verify(app: FastAPI) -> None:
    party, other = await make_user(app), await make_user(app)
    key = Ed25519PrivateKey.generate()
    await _store(app, other, key, "active")
    assert isinstance(await _refused(app, party, sign_detached(key, BODY, path=PATH)), SignatureKeyUnknown)


async def test_a_tampered_body_and_a_missing_header_are_refused(app: FastAPI) -> None:
    party = await make_user(app)
    key = ec.generate_private_key(ec.SECP256R1())
    await _store(app, party, key, "active")
    tampered = BODY.replace(b"medium", b"full")
    assert isinstance(
        await _refused(app, party, sign_detached(key, BODY, path=PATH), tampered), SignatureInvalid
    )
    assert isinstance(await _refused(app, party, None), SignatureRequired)
