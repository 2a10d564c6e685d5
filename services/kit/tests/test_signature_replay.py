"""A signature binds one act: the one-time ID (``jti``) store, the version, the signer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, FastAPI, Request
from kit_testing import app_client
from sqlalchemy import func, insert, select

from kit.auth import PrincipalDep
from kit.db import SessionDep
from kit.idempotency import IdempotentRoute
from kit.runtime import runtime_of, state_of
from kit.signatures import (
    SIGNATURE_HEADER,
    SignatureVerifier,
    VerifiedSignature,
    jti_purger,
    jwk_of,
    purge_jtis,
    require_signature,
    sign_detached,
    thumbprint,
    verify_signed_request,
    with_signature,
)

from .conftest import SCHEMA, SigningKeys, Teapot, Widget, WidgetIn, build_app, jtis_table

AGENT, MERCHANT = Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())
CREATE = f"/{SCHEMA}/signed-widgets"

router = APIRouter(route_class=IdempotentRoute)


@router.post("/signed-widgets", status_code=201, **with_signature())
async def create_signed(
    data: WidgetIn,
    session: SessionDep,
    signature: Annotated[VerifiedSignature, require_signature(jtis_table)],
) -> dict[str, Any]:
    """A creation act; a name starting with ``fail`` is refused after the jti was recorded."""
    widget = Widget(name=data.name)
    session.add(widget)
    await session.flush()
    if data.delay:
        await asyncio.sleep(data.delay)
    if data.name.startswith("fail"):
        raise Teapot("Refused after the signature was checked.")
    return {"id": str(widget.id), "signer": signature.signer, "kid": signature.kid}


@router.post("/widgets/{widget_id}/signed-rename", **with_signature(version="the widget's `ETag`"))
async def rename_signed(
    widget_id: uuid.UUID, data: WidgetIn, request: Request, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """An act on an existing widget: its ETag (its name) is the version signed."""
    widget = await session.get(Widget, widget_id, with_for_update=True)
    assert widget is not None
    signer = principal.actor or principal.subject
    await verify_signed_request(request, signer, session, jtis_table, version=f'"{widget.name}"')
    widget.name = data.name
    return {"name": widget.name}


def fixed_keys(keys: dict[str, list[Any]]) -> SignatureVerifier:
    """A verifier of the signers' published keys, without anyone publishing them."""

    async def lookup(subject: str) -> dict[str, dict[str, Any]]:
        return {thumbprint(jwk_of(k)): jwk_of(k) for k in keys.get(subject, [])}

    return SignatureVerifier(lookup)


@pytest.fixture(scope="module")
async def app(kit_db: str, signing_keys: SigningKeys) -> FastAPI:
    app = build_app(
        kit_db,
        signing_keys,
        signature_verifier=fixed_keys({"user:agent": [AGENT], "user:merchant": [MERCHANT]}),
    )
    app.router.routes.extend(router.routes)
    return app


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture(scope="module")
def agent_auth(signing_keys: SigningKeys) -> dict[str, str]:
    token = signing_keys.token("user:merchant", act={"sub": "user:agent"})
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _body(name: str, **extra: Any) -> bytes:
    return json.dumps({"name": name, **extra}).encode()


async def _jti_rows(app: FastAPI, jti: str) -> int:
    async with runtime_of(app).sessionmaker() as session:
        query = select(func.count()).select_from(jtis_table).where(jtis_table.c.jti == jti)
        return int(await session.scalar(query) or 0)


async def _named(app: FastAPI, name: str) -> int:
    async with runtime_of(app).sessionmaker() as session:
        return int(await session.scalar(select(func.count()).where(Widget.name == name)) or 0)


async def test_a_signature_passes_once_then_is_replayed(
    app: FastAPI, client: httpx.AsyncClient, agent_auth: dict
) -> None:
    raw = _body(f"once-{uuid.uuid4().hex[:8]}")
    header = {**agent_auth, SIGNATURE_HEADER: sign_detached(AGENT, raw, path=CREATE)}
    first = await client.post("/signed-widgets", content=raw, headers=header)
    assert first.status_code == 201, first.text
    assert first.json()["signer"] == "user:agent"  # the actor signs, not the principal acted for
    again = await client.post("/signed-widgets", content=raw, headers=header)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "signature-replayed"
    assert again.json()["claim"] == "jti"
    assert again.headers["content-type"].startswith("application/problem+json")
    assert await _named(app, json.loads(raw)["name"]) == 1


async def test_the_principal_s_key_does_not_sign_for_the_actor(
    client: httpx.AsyncClient, agent_auth: dict
) -> None:
    raw = _body("by-merchant")
    response = await client.post(
        "/signed-widgets",
        content=raw,
        headers={**agent_auth, SIGNATURE_HEADER: sign_detached(MERCHANT, raw, path=CREATE)},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "signature-key-unknown"


async def test_two_concurrent_requests_with_one_jti_exactly_one_passes(
    app: FastAPI, client: httpx.AsyncClient, agent_auth: dict
) -> None:
    name = f"race-{uuid.uuid4().hex[:8]}"
    raw = _body(name, delay=0.3)
    jti = str(uuid.uuid4())
    header = {**agent_auth, SIGNATURE_HEADER: sign_detached(AGENT, raw, path=CREATE, jti=jti)}
    answers = await asyncio.gather(
        *(client.post("/signed-widgets", content=raw, headers=header) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert [a.json()["code"] for a in answers if a.status_code == 409] == ["signature-replayed"]
    assert await _named(app, name) == 1
    assert await _jti_rows(app, jti) == 1


async def test_a_refused_act_does_not_use_up_its_jti(
    app: FastAPI, client: httpx.AsyncClient, agent_auth: dict
) -> None:
    raw = _body(f"fail-{uuid.uuid4().hex[:8]}")
    jti = str(uuid.uuid4())
    header = {**agent_auth, SIGNATURE_HEADER: sign_detached(AGENT, raw, path=CREATE, jti=jti)}
    for _ in range(2):  # the same request is answered as the first time, not as a replay
        response = await client.post("/signed-widgets", content=raw, headers=header)
        assert response.status_code == 418, response.text
    assert await _jti_rows(app, jti) == 0


async def test_an_idempotent_retry_replays_the_first_answer(
    client: httpx.AsyncClient, agent_auth: dict
) -> None:
    raw = _body(f"retry-{uuid.uuid4().hex[:8]}")
    header = {
        **agent_auth,
        SIGNATURE_HEADER: sign_detached(AGENT, raw, path=CREATE),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    first = await client.post("/signed-widgets", content=raw, headers=header)
    retry = await client.post("/signed-widgets", content=raw, headers=header)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()


async def test_the_path_must_be_this_service_s(client: httpx.AsyncClient, agent_auth: dict) -> None:
    raw = _body("bare-path")
    bare = await client.post(
        "/signed-widgets",
        content=raw,
        headers={**agent_auth, SIGNATURE_HEADER: sign_detached(AGENT, raw, path="/signed-widgets")},
    )
    assert bare.status_code == 201, bare.text
    for path in ("/orders/signed-widgets", f"/{SCHEMA}/widgets/fail"):
        other = await client.post(
            "/signed-widgets",
            content=raw,
            headers={**agent_auth, SIGNATURE_HEADER: sign_detached(AGENT, raw, path=path)},
        )
        assert other.status_code == 403
        assert (other.json()["code"], other.json()["claim"]) == ("signature-binding-mismatch", "htu")


async def test_a_signature_for_one_version_fails_after_a_change(
    app: FastAPI, client: httpx.AsyncClient, agent_auth: dict
) -> None:
    async with runtime_of(app).sessionmaker() as session, session.begin():
        widget = Widget(name=f"v1-{uuid.uuid4().hex[:8]}")
        session.add(widget)
    path = f"/widgets/{widget.id}/signed-rename"
    first, second = _body(f"v2-{uuid.uuid4().hex[:8]}"), _body(f"v3-{uuid.uuid4().hex[:8]}")
    sign = lambda raw, etag: sign_detached(AGENT, raw, path=f"/{SCHEMA}{path}", etag=etag)  # noqa: E731
    stale_made_early = sign(second, f'"{widget.name}"')  # signed for version 1, sent after the change
    renamed = await client.post(
        path, content=first, headers={**agent_auth, SIGNATURE_HEADER: sign(first, f'"{widget.name}"')}
    )
    assert renamed.status_code == 200, renamed.text
    stale = await client.post(
        path, content=second, headers={**agent_auth, SIGNATURE_HEADER: stale_made_early}
    )
    assert stale.status_code == 403
    assert (stale.json()["code"], stale.json()["claim"]) == ("signature-binding-mismatch", "etag")
    missing = await client.post(
        path, content=second, headers={**agent_auth, SIGNATURE_HEADER: sign(second, None)}
    )
    assert (missing.status_code, missing.json()["code"]) == (400, "signature-claim-missing")
    current = f'"{json.loads(first)["name"]}"'
    fresh = await client.post(
        path, content=second, headers={**agent_auth, SIGNATURE_HEADER: sign(second, current)}
    )
    assert fresh.status_code == 200, fresh.text


async def test_purge_forgets_only_ids_whose_iat_is_refused_anyway(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    now = dt.datetime.now(dt.UTC)
    old, recent = str(uuid.uuid4()), str(uuid.uuid4())
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            insert(jtis_table),
            [
                {"signer": "user:purge", "jti": old, "signed_at": now - dt.timedelta(minutes=7)},
                {"signer": "user:purge", "jti": recent, "signed_at": now - dt.timedelta(minutes=5)},
            ],
        )
    await jti_purger(jtis_table)(state_of(app))
    assert await _jti_rows(app, old) == 0
    assert await _jti_rows(app, recent) == 1
    assert await purge_jtis(runtime_of(app).sessionmaker, jtis_table) == 0
