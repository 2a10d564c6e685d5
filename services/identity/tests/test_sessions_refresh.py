"""Refresh tokens: rotation, reuse detection, expiry, logout and RFC 7009 revocation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from identity_testing.parties import PASSWORD, bearer, make_user, token_for
from jose import jwt
from sqlalchemy import select, update

from identity import sessions
from identity.models import AuditEntry, Party, RefreshToken
from kit.clock import now_utc
from kit.runtime import runtime_of


async def _login(client: httpx.AsyncClient, party: Party) -> dict:
    response = await client.post(
        "/v1/login", json={"national_code": party.national_code, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/token", data={"grant_type": "refresh_token", "refresh_token": token})


def _invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    assert response.headers["cache-control"] == "no-store"


async def test_rotation_issues_a_new_pair_in_the_same_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    party = await make_user(app, roles=("base-natural", "trader"))
    first = await _login(client, party)
    response = await _refresh(client, first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    before, after = (jwt.get_unverified_claims(t["access_token"]) for t in (first, second))
    assert after["sid"] == before["sid"]
    assert after["auth_time"] == before["auth_time"]
    assert after["amr"] == ["pwd"]
    assert after["sub"] == f"user:{party.id}"
    assert set(after["roles"]) == {"base-natural", "trader"}
    third = await _refresh(client, second["refresh_token"])
    assert third.status_code == 200


async def test_only_the_hash_is_stored(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    raw = (await _login(client, party))["refresh_token"]
    async with runtime_of(app).sessionmaker() as session:
        rows = (await session.scalars(select(RefreshToken).where(RefreshToken.party_id == party.id))).all()
    assert [r.token_hash for r in rows] == [sessions.token_hash(raw)]
    assert raw not in rows[0].token_hash
    lifetime = rows[0].expires_at - rows[0].issued_at
    assert timedelta(days=13, hours=23) < lifetime <= timedelta(days=14)


async def test_reuse_of_a_spent_token_revokes_the_family(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    first = await _login(client, party)
    other_session = await _login(client, party)  # another login of the same user
    second = (await _refresh(client, first["refresh_token"])).json()
    reuse = await _refresh(client, first["refresh_token"])
    _invalid_grant(reuse)
    assert "already used" in reuse.json()["detail"]
    # the newest token of that family stops working too
    _invalid_grant(await _refresh(client, second["refresh_token"]))
    # the revocation was committed although the request failed
    sid = uuid.UUID(jwt.get_unverified_claims(first["access_token"])["sid"])
    async with runtime_of(app).sessionmaker() as session:
        live = await session.scalar(
            select(RefreshToken.id).where(
                RefreshToken.family_id == sid,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.used_at.is_(None),
            )
        )
        audited = await session.scalar(
            select(AuditEntry.details).where(
                AuditEntry.object_id == str(sid), AuditEntry.action == "session.revoke"
            )
        )
    assert live is None
    assert audited is not None
    assert audited["reason"] == "refresh-token-reuse"
    # another login is another family: untouched
    assert (await _refresh(client, other_session["refresh_token"])).status_code == 200


async def test_two_simultaneous_uses_do_not_both_succeed(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    token = (await _login(client, party))["refresh_token"]
    results = await asyncio.gather(*(_refresh(client, token) for _ in range(3)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 400, 400]
    # the losers look like a replay: the session is revoked, the winner's new token too
    winner = next(r for r in results if r.status_code == 200).json()
    _invalid_grant(await _refresh(client, winner["refresh_token"]))


async def test_expired_and_unknown_tokens(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    token = (await _login(client, party))["refresh_token"]
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == sessions.token_hash(token))
            .values(expires_at=now_utc() - timedelta(seconds=1))
        )
    expired = await _refresh(client, token)
    _invalid_grant(expired)
    assert "expired" in expired.json()["detail"]
    _invalid_grant(await _refresh(client, "not-a-token-we-issued"))
    missing = await client.post("/v1/token", data={"grant_type": "refresh_token"})
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


async def test_the_family_ends_at_the_absolute_limit(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    token = (await _login(client, party))["refresh_token"]
    long_ago = now_utc() - timedelta(days=29, hours=23)
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == sessions.token_hash(token))
            .values(auth_time=long_ago)
        )
    next_token = (await _refresh(client, token)).json()["refresh_token"]
    async with runtime_of(app).sessionmaker() as session:
        row = await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == sessions.token_hash(next_token))
        )
    assert row is not None
    assert row.expires_at <= long_ago + timedelta(days=30)
    assert row.auth_time == long_ago


async def test_a_disabled_account_cannot_refresh(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    token = (await _login(client, party))["refresh_token"]
    async with runtime_of(app).sessionmaker() as session, session.begin():
        row = await session.get(Party, party.id)
        assert row is not None
        row.status = "disabled"
    _invalid_grant(await _refresh(client, token))


async def test_logout_revokes_the_session(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    tokens = await _login(client, party)
    rotated = (await _refresh(client, tokens["refresh_token"])).json()
    other = await _login(client, party)
    response = await client.post("/v1/logout", headers=bearer(rotated["access_token"]))
    assert response.status_code == 204
    _invalid_grant(await _refresh(client, rotated["refresh_token"]))
    assert (await _refresh(client, other["refresh_token"])).status_code == 200


async def test_logout_refusals(app: FastAPI, client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/logout")).status_code == 401
    party = await make_user(app)
    agent = await make_user(app)
    tokens = await _login(client, party)
    sid = jwt.get_unverified_claims(tokens["access_token"])["sid"]
    # another user's token naming this session's sid revokes nothing of it
    forged = await token_for(app, agent, sid=sid)
    assert (await client.post("/v1/logout", headers=bearer(forged))).status_code == 204
    acting_for = await token_for(app, party, sid=sid, act={"sub": f"user:{agent.id}"})
    assert (await client.post("/v1/logout", headers=bearer(acting_for))).status_code == 403
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 200


async def test_rfc7009_revocation(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    tokens = await _login(client, party)
    response = await client.post(
        "/v1/token/revoke", data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    )
    assert response.status_code == 200
    _invalid_grant(await _refresh(client, tokens["refresh_token"]))
    # unknown tokens and repeats are 200 too (RFC 7009 §2.2)
    assert (await client.post("/v1/token/revoke", data={"token": "unknown"})).status_code == 200
    assert (await client.post("/v1/token/revoke", data={"token": tokens["refresh_token"]})).status_code == 200
    assert (await client.post("/v1/token/revoke", data={})).status_code == 422
