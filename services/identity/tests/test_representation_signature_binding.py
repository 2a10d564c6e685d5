"""A grant's signature binds that one grant: method, path, time and a one-time ID."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import GRANT_PATH, grant_body, signing_key
from sqlalchemy import func, select

from identity.models import Party, Representation, signature_jtis
from identity.subjects import subject_of
from kit.clock import today_tehran
from kit.runtime import runtime_of
from kit.signatures import SIGNATURE_HEADER, sign_detached

TODAY = today_tehran()


async def _merchant(app: FastAPI) -> tuple[Party, dict[str, str], object]:
    party = await make_user(
        app, roles=("base-natural", "merchant"), card_expires_on=TODAY + timedelta(days=365)
    )
    token = await token_for(app, party, roles=["base-natural", "merchant"])
    return party, {"Content-Type": "application/json", **bearer(token)}, await signing_key(app, party)


async def _count(app: FastAPI, model: object, *where: object) -> int:
    async with runtime_of(app).sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _post(
    client: httpx.AsyncClient, raw: bytes, headers: dict[str, str], signature: str
) -> httpx.Response:
    return await client.post(
        "/v1/representations", content=raw, headers={**headers, SIGNATURE_HEADER: signature}
    )


async def test_a_grant_signature_passes_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, headers, key = await _merchant(app)
    raw = json.dumps(grant_body(await make_user(app))).encode()
    signature = sign_detached(key, raw, path=GRANT_PATH)
    assert (await _post(client, raw, headers, signature)).status_code == 201
    replayed = await _post(client, raw, headers, signature)
    assert replayed.status_code == 409, replayed.text
    assert (replayed.json()["code"], replayed.json()["claim"]) == ("signature-replayed", "jti")
    assert await _count(app, Representation, Representation.grantor_id == merchant.id) == 1


async def test_the_bare_service_path_is_accepted_and_other_acts_are_not(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    merchant, headers, key = await _merchant(app)
    raw = json.dumps(grant_body(await make_user(app))).encode()
    for claim, signature in (
        ("htu", sign_detached(key, raw, path=f"/identity/v1/representations/{uuid.uuid4()}/revoke")),
        ("htu", sign_detached(key, raw, path="/orders/v1/representations")),
        ("htm", sign_detached(key, raw, path=GRANT_PATH, method="PUT")),
        ("etag", sign_detached(key, raw, path=GRANT_PATH, etag='"1"')),
    ):
        refused = await _post(client, raw, headers, signature)
        assert refused.status_code == 403, refused.text
        assert (refused.json()["code"], refused.json()["claim"]) == ("signature-binding-mismatch", claim)
    old = await _post(
        client, raw, headers, sign_detached(key, raw, path=GRANT_PATH, iat=int(time.time()) - 301)
    )
    assert (old.status_code, old.json()["code"]) == (403, "signature-expired")
    ahead = await _post(
        client, raw, headers, sign_detached(key, raw, path=GRANT_PATH, iat=int(time.time()) + 120)
    )
    assert (ahead.status_code, ahead.json()["code"]) == (403, "signature-not-yet-valid")
    assert await _count(app, Representation, Representation.grantor_id == merchant.id) == 0
    bare = await _post(client, raw, headers, sign_detached(key, raw, path="/v1/representations"))
    assert bare.status_code == 201, bare.text


async def test_a_refused_grant_does_not_use_up_its_jti(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, headers, key = await _merchant(app)
    body = grant_body(await make_user(app), starts_on=TODAY - timedelta(days=1), ends_on=TODAY)
    raw = json.dumps(body).encode()
    jti = str(uuid.uuid4())
    signature = sign_detached(key, raw, path=GRANT_PATH, jti=jti)
    for _ in range(2):  # answered as the first time, not as a replay
        refused = await _post(client, raw, headers, signature)
        assert (refused.status_code, refused.json()["code"]) == (422, "representation-starts-in-the-past"), (
            refused.text
        )
    assert await _count(app, signature_jtis, signature_jtis.c.jti == jti) == 0
    fixed = json.dumps(grant_body(await make_user(app))).encode()
    granted = await _post(client, fixed, headers, sign_detached(key, fixed, path=GRANT_PATH, jti=jti))
    assert granted.status_code == 201, granted.text
    where = (signature_jtis.c.jti == jti, signature_jtis.c.signer == subject_of(merchant))
    assert await _count(app, signature_jtis, *where) == 1
