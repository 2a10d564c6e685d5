"""Signature keys through the API: register, confirm by SMS, list, revoke, publish."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from identity_client.client import IdentityClient
from identity_testing.parties import bearer, make_legal, make_user, token_for
from sqlalchemy import select, update

from identity.models import AuditEntry, Party, SignatureKey, SmsMessage, VerificationCode
from identity.signature_keys import MAX_LIVE_KEYS, verify_party_signature
from identity.subjects import subject_of
from kit.errors import ProblemError
from kit.runtime import runtime_of
from kit.signatures import (
    Act,
    SignatureKeyUnknown,
    SignatureVerifier,
    b64url,
    jwk_of,
    sign_detached,
    thumbprint,
)

PATH = "/orders/v1/order-files/0b5e6f0e-6a35-4b83-9d2c-6a1e1a0e5a01/final-registration"
ACT = Act(method="POST", paths=(PATH,))
BODY = json.dumps({"act": "final-registration", "order": "1403-000123"}).encode()
KEYS = "/v1/me/signature-keys"


def _es256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


async def _headers(app: FastAPI, user: Party) -> dict[str, str]:
    return bearer(await token_for(app, user))


async def _last_code(app: FastAPI, user: Party) -> str:
    async with runtime_of(app).sessionmaker() as session:
        message = await session.scalar(
            select(SmsMessage)
            .where(SmsMessage.mobile == user.mobile, SmsMessage.purpose == "signature-key")
            .order_by(SmsMessage.id.desc())
            .limit(1)
        )
    assert message is not None
    found = re.search(r"\b(\d{4,8})\b", message.body)
    assert found is not None
    return found.group(1)


async def _register(
    client: httpx.AsyncClient, headers: dict[str, str], key: Any, name: str = "laptop"
) -> httpx.Response:
    return await client.post(KEYS, json={"name": name, "jwk": jwk_of(key)}, headers=headers)


async def _active_key(app: FastAPI, client: httpx.AsyncClient, user: Party, key: Any) -> str:
    headers = await _headers(app, user)
    registered = await _register(client, headers, key)
    assert registered.status_code == 201, registered.text
    kid = registered.json()["kid"]
    confirmed = await client.post(
        f"{KEYS}/{kid}/confirm", json={"code": await _last_code(app, user)}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return kid


async def _verify(app: FastAPI, user: Party, header: str) -> str:
    async with runtime_of(app).sessionmaker() as session:
        return (await verify_party_signature(session, user.id, header, BODY, ACT)).kid


@pytest.mark.parametrize(("make_key", "alg"), [(_es256, "ES256"), (Ed25519PrivateKey.generate, "EdDSA")])
async def test_register_confirm_and_sign(
    app: FastAPI, client: httpx.AsyncClient, make_key: Any, alg: str
) -> None:
    user = await make_user(app)
    headers = await _headers(app, user)
    key = make_key()

    registered = await _register(client, headers, key, name="office laptop")
    assert registered.status_code == 201, registered.text
    body = registered.json()
    kid = thumbprint(jwk_of(key))
    assert body["kid"] == kid
    assert body["alg"] == alg
    assert body["status"] == "pending"
    assert body["code_expires_at"]
    assert registered.headers["location"].endswith(f"{KEYS}/{kid}")

    # Pending: it verifies nothing and is not published.
    with pytest.raises(SignatureKeyUnknown):
        await _verify(app, user, sign_detached(key, BODY, path=PATH))
    published = await client.get(f"/v1/parties/{subject_of(user)}/signature-keys")
    assert published.json() == {"keys": []}

    code = await _last_code(app, user)
    wrong = await client.post(
        f"{KEYS}/{kid}/confirm", json={"code": "1111" if code != "1111" else "2222"}, headers=headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "code-wrong"
    confirmed = await client.post(f"{KEYS}/{kid}/confirm", json={"code": code}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "active"
    assert confirmed.json()["activated_at"]

    assert await _verify(app, user, sign_detached(key, BODY, path=PATH)) == kid
    published = await client.get(f"/v1/parties/{subject_of(user)}/signature-keys")
    assert published.status_code == 200
    assert published.headers["cache-control"] == "no-store"
    assert published.json()["keys"] == [{**jwk_of(key), "kid": kid, "alg": alg, "use": "sig"}]

    listed = await client.get(KEYS, headers=headers)
    assert [(k["kid"], k["status"], k["name"]) for k in listed.json()["items"]] == [
        (kid, "active", "office laptop")
    ]
    assert (await client.get(f"{KEYS}/{kid}", headers=headers)).json()["jwk"] == jwk_of(key)

    async with runtime_of(app).sessionmaker() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.object_type == "signature-key", AuditEntry.object_id == kid
                )
            )
        ).all()
    assert actions == ["signature-key.registered", "signature-key.activated"]


async def test_the_code_goes_to_the_user_s_own_mobile(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await make_user(app)
    assert (await _register(client, await _headers(app, user), _es256())).status_code == 201
    async with runtime_of(app).sessionmaker() as session:
        sent = (
            await session.scalars(
                select(SmsMessage).where(
                    SmsMessage.purpose == "signature-key", SmsMessage.mobile == user.mobile
                )
            )
        ).all()
    assert len(sent) == 1


async def test_revoked_key_is_refused_here_and_by_the_kit_verifier(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await make_user(app)
    headers = await _headers(app, user)
    key = Ed25519PrivateKey.generate()
    kid = await _active_key(app, client, user, key)
    signature = sign_detached(key, BODY, path=PATH)
    # Another service, over HTTP, through identity's client package.
    verifier = SignatureVerifier(IdentityClient(str(client.base_url), client).signer_keys)
    assert (await verifier.verify(subject_of(user), signature, BODY, ACT)).kid == kid

    revoked = await client.delete(f"{KEYS}/{kid}", headers=headers)
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_at"]

    with pytest.raises(SignatureKeyUnknown):
        await _verify(app, user, signature)
    with pytest.raises(SignatureKeyUnknown):
        await verifier.verify(subject_of(user), signature, BODY, ACT)
    assert (await client.get(f"/v1/parties/{subject_of(user)}/signature-keys")).json() == {"keys": []}

    again = await client.delete(f"{KEYS}/{kid}", headers=headers)
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    comeback = await _register(client, headers, key)
    assert comeback.status_code == 409
    assert comeback.json()["code"] == "signature-key-exists"


async def test_a_tampered_body_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await make_user(app)
    key = _es256()
    await _active_key(app, client, user, key)
    async with runtime_of(app).sessionmaker() as session:
        with pytest.raises(ProblemError) as caught:
            await verify_party_signature(
                session, user.id, sign_detached(key, BODY, path=PATH), BODY.replace(b"123", b"124"), ACT
            )
    assert caught.value.code == "signature-invalid"


@pytest.mark.parametrize(
    ("jwk", "pointer"),
    [
        ({"kty": "RSA", "n": "AQAB", "e": "AQAB"}, "#/body/jwk/kty"),
        ({"kty": "EC", "crv": "P-384", "x": "AAAA", "y": "AAAA"}, "#/body/jwk/crv"),
        ({"kty": "EC", "crv": "P-256", "x": b64url(b"\1" * 32), "y": b64url(b"\2" * 32)}, "#/body/jwk"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "#/body/jwk/x"),
        ({"kty": "EC", "crv": "Ed25519", "x": b64url(b"\1" * 32)}, "#/body/jwk"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "not base64url!"}, "#/body/jwk/x"),
    ],
)
async def test_unacceptable_keys_are_422(
    app: FastAPI, client: httpx.AsyncClient, jwk: dict, pointer: str
) -> None:
    user = await make_user(app)
    response = await client.post(KEYS, json={"name": "k", "jwk": jwk}, headers=await _headers(app, user))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_a_private_key_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await make_user(app)
    key = _es256()
    private_jwk = {**jwk_of(key), "d": b64url(key.private_numbers().private_value.to_bytes(32, "big"))}
    response = await client.post(
        KEYS, json={"name": "k", "jwk": private_jwk}, headers=await _headers(app, user)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "jwk-invalid"
    assert "private" in response.json()["detail"]
    assert (await client.get(KEYS, headers=await _headers(app, user))).json()["items"] == []


async def test_registering_a_pending_key_again_sends_a_new_code(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await make_user(app)
    headers = await _headers(app, user)
    key = _es256()
    first = await _register(client, headers, key)
    old_code = await _last_code(app, user)
    too_soon = await _register(client, headers, key, name="renamed")
    assert too_soon.status_code == 429  # identity.codes' sending limit per number
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(VerificationCode)
            .where(VerificationCode.mobile == user.mobile)
            .values(created_at=VerificationCode.created_at - timedelta(minutes=2))
        )
    second = await _register(client, headers, key, name="renamed")
    assert second.status_code == 201
    assert second.json()["kid"] == first.json()["kid"]
    new_code = await _last_code(app, user)
    kid = first.json()["kid"]
    if old_code != new_code:
        stale = await client.post(f"{KEYS}/{kid}/confirm", json={"code": old_code}, headers=headers)
        assert stale.status_code == 422
    confirmed = await client.post(f"{KEYS}/{kid}/confirm", json={"code": new_code}, headers=headers)
    assert confirmed.status_code == 200
    assert confirmed.json()["name"] == "renamed"
    again = await _register(client, headers, key)
    assert again.status_code == 409
    assert again.json()["errors"][0]["pointer"] == "#/body/jwk"
    confirm_again = await client.post(f"{KEYS}/{kid}/confirm", json={"code": new_code}, headers=headers)
    assert confirm_again.status_code == 409
    assert confirm_again.json()["code"] == "signature-key-not-pending"


async def test_a_key_another_account_registered_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    owner, copycat = await make_user(app), await make_user(app)
    key = Ed25519PrivateKey.generate()
    await _active_key(app, client, owner, key)
    response = await _register(client, await _headers(app, copycat), key)
    assert response.status_code == 409
    assert response.json()["code"] == "signature-key-exists"


async def test_at_most_ten_live_keys(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await make_user(app)
    async with runtime_of(app).sessionmaker() as session, session.begin():
        for _ in range(MAX_LIVE_KEYS):
            jwk = jwk_of(Ed25519PrivateKey.generate())
            session.add(
                SignatureKey(
                    party_id=user.id,
                    kid=thumbprint(jwk),
                    alg="EdDSA",
                    public_jwk=jwk,
                    name="k",
                    status="active",
                )
            )
    response = await _register(client, await _headers(app, user), _es256())
    assert response.status_code == 409
    assert response.json()["code"] == "signature-key-limit"


async def test_another_user_s_key_is_not_found(app: FastAPI, client: httpx.AsyncClient) -> None:
    owner, other = await make_user(app), await make_user(app)
    key = _es256()
    kid = await _active_key(app, client, owner, key)
    headers = await _headers(app, other)
    assert (await client.get(f"{KEYS}/{kid}", headers=headers)).status_code == 404
    assert (
        await client.post(f"{KEYS}/{kid}/confirm", json={"code": "1234"}, headers=headers)
    ).status_code == 404
    deleted = await client.delete(f"{KEYS}/{kid}", headers=headers)
    assert deleted.status_code == 404
    assert deleted.json()["code"] == "signature-key-not-found"
    assert (await client.get(KEYS, headers=headers)).json()["items"] == []
    assert await _verify(app, owner, sign_detached(key, BODY, path=PATH)) == kid


async def test_who_may_call(app: FastAPI, client: httpx.AsyncClient, admin_token: str) -> None:
    user, principal = await make_user(app), await make_user(app)
    acting_for = await token_for(app, principal, act={"sub": subject_of(user)})
    kid = "A" * 43
    calls = [
        ("POST", KEYS, {"name": "k", "jwk": jwk_of(_es256())}),
        ("GET", KEYS, None),
        ("GET", f"{KEYS}/{kid}", None),
        ("POST", f"{KEYS}/{kid}/confirm", {"code": "1234"}),
        ("DELETE", f"{KEYS}/{kid}", None),
    ]
    for method, url, body in calls:
        anonymous = await client.request(method, url, json=body)
        assert anonymous.status_code == 401, (method, url)
        for token in (acting_for, admin_token):
            refused = await client.request(method, url, json=body, headers=bearer(token))
            assert refused.status_code == 403, (method, url, refused.text)
            assert refused.json()["code"] == "user-token-required"


async def test_published_keys_of_unknown_or_mismatched_subjects(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await make_user(app)
    legal = await make_legal(app, user)
    await _active_key(app, client, user, _es256())
    natural_id = str(user.id)
    assert len((await client.get(f"/v1/parties/user:{natural_id}/signature-keys")).json()["keys"]) == 1
    assert (await client.get(f"/v1/parties/legal:{natural_id}/signature-keys")).json() == {"keys": []}
    assert (await client.get(f"/v1/parties/{subject_of(legal)}/signature-keys")).json() == {"keys": []}
    unknown = await client.get("/v1/parties/user:00000000-0000-4000-8000-000000000000/signature-keys")
    assert unknown.json() == {"keys": []}
    for bad in ("client:admin", "user:not-a-uuid", natural_id):
        malformed = await client.get(f"/v1/parties/{bad}/signature-keys")
        assert malformed.status_code == 422, bad
