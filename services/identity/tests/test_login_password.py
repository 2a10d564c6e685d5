"""POST /v1/login with national code and password: tokens, refusals, rehash (back-off: test_login_backoff)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import PASSWORD, make_user, national_code
from jose import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from identity import passwords
from identity.models import Account, Party
from kit.runtime import runtime_of


async def _login(client: httpx.AsyncClient, party: Party | str, password: str = PASSWORD) -> httpx.Response:
    code = party if isinstance(party, str) else party.national_code
    return await client.post("/v1/login", json={"national_code": code, "password": password})


async def _account(app: FastAPI, party: Party) -> Account:
    async with runtime_of(app).sessionmaker() as session:
        account = await session.get(Account, party.id)
        assert account is not None
        return account


async def _set_account(app: FastAPI, party: Party, **values: Any) -> None:
    async with runtime_of(app).sessionmaker() as session, session.begin():
        account = await session.get(Account, party.id)
        assert account is not None
        for name, value in values.items():
            setattr(account, name, value)


def _same_problem(a: httpx.Response, b: httpx.Response) -> None:
    skip = {"instance", "request_id"}
    assert {k: v for k, v in a.json().items() if k not in skip} == {
        k: v for k, v in b.json().items() if k not in skip
    }


async def test_login_answers_a_token_pair(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app, roles=("base-natural", "merchant"))
    response = await _login(client, party)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert len(body["refresh_token"]) >= 43  # 256 bits, base64url
    claims = jwt.get_unverified_claims(body["access_token"])
    assert claims["sub"] == f"user:{party.id}"
    assert claims["amr"] == ["pwd"]
    assert set(claims["roles"]) == {"base-natural", "merchant"}
    assert "commercial_card_expires" in claims
    uuid.UUID(claims["sid"])
    assert abs(claims["auth_time"] - claims["iat"]) <= 2
    assert claims["exp"] - claims["iat"] == 600
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "ES256"
    # the token works at identity itself
    me = await client.get("/v1/me/two-factor", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {"method": "none"}


async def test_persian_digits_are_accepted(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    assert party.national_code is not None
    persian = party.national_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert (await _login(client, persian)).status_code == 200


async def test_wrong_password_and_unknown_national_code_look_alike(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    party = await make_user(app)
    checked: list[str] = []
    real = passwords.verify_password

    async def spy(password: str, stored_hash: str) -> passwords.Verification:
        checked.append(stored_hash)
        return await real(password, stored_hash)

    monkeypatch.setattr(passwords, "verify_password", spy)
    wrong = await _login(client, party, "Wrong-Password-123")
    unknown = await _login(client, national_code())
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == "login-failed"
    _same_problem(wrong, unknown)
    # the unknown national code was checked against the dummy hash: it takes as long
    assert checked[-1] == passwords.DUMMY_HASH
    assert len(checked) == 2


async def test_malformed_national_code_names_the_field(client: httpx.AsyncClient) -> None:
    for bad in ("123", "0084575949", "abcdefghij"):
        response = await _login(client, bad)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/body/national_code"
    missing = await client.post("/v1/login", json={"national_code": national_code()})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["pointer"] == "#/body/password"


async def test_pending_and_disabled_accounts_cannot_log_in(app: FastAPI, client: httpx.AsyncClient) -> None:
    for status in ("pending", "disabled"):
        party = await make_user(app, status=status)
        right = await _login(client, party)
        assert right.status_code == 403, right.text
        assert right.json()["code"] == "account-not-active"
        # without the right password, nothing is told about the account
        wrong = await _login(client, party, "Wrong-Password-123")
        assert wrong.status_code == 401


async def test_outdated_hash_is_upgraded(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),)).hash(PASSWORD)
    await _set_account(app, party, password_hash=weak)
    assert (await _login(client, party)).status_code == 200
    upgraded = (await _account(app, party)).password_hash
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert (await _login(client, party)).status_code == 200
