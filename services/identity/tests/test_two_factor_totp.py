"""Two-step login with an authenticator app (TOTP): set-up, login, replay, turning it off."""

from __future__ import annotations

import base64
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from cryptography.exceptions import InvalidTag
from fastapi import FastAPI
from identity_testing.parties import PASSWORD, bearer, make_user, token_for
from jose import jwt

from identity import login_throttle, totp
from identity.models import Account, LoginThrottle, Party
from identity.state import identity_state_of
from kit.runtime import runtime_of


async def _account(app: FastAPI, party: Party) -> Account:
    async with runtime_of(app).sessionmaker() as session:
        account = await session.get(Account, party.id)
        assert account is not None
        return account


def _code(secret: str, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


async def _enrol(app: FastAPI, client: httpx.AsyncClient, party: Party) -> str:
    """Turn TOTP on for ``party``; the secret."""
    headers = bearer(await token_for(app, party))
    started = await client.post("/v1/me/two-factor/totp", json={"password": PASSWORD}, headers=headers)
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    confirmed = await client.post(
        "/v1/me/two-factor/totp/confirm", json={"code": _code(secret)}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret


async def _login(client: httpx.AsyncClient, party: Party) -> dict:
    response = await client.post(
        "/v1/login", json={"national_code": party.national_code, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_enrolment_gives_a_secret_stored_encrypted(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    assert party.national_code is not None
    headers = bearer(await token_for(app, party))
    response = await client.post("/v1/me/two-factor/totp", json={"password": PASSWORD}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    secret = body["secret"]
    assert len(base64.b32decode(secret)) * 8 >= 160
    assert body["issuer"] == "Panjereh"
    assert body["account_name"] == party.national_code[:3] + "****" + party.national_code[-3:]
    uri = urlsplit(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert party.national_code not in body["otpauth_uri"]
    assert parse_qs(uri.query) == {"secret": [secret], "issuer": ["Panjereh"]}

    account = await _account(app, party)
    assert account.two_factor == "none"  # pending until confirmed
    stored = account.totp_pending_secret_encrypted
    assert stored is not None
    assert secret.encode() not in stored
    assert totp.decrypt_secret(identity_state_of(app).kek, party.id, stored) == secret
    with pytest.raises(InvalidTag):  # bound to its party
        totp.decrypt_secret(identity_state_of(app).kek, uuid.uuid4(), stored)


async def test_confirm_turns_it_on_and_login_asks_for_a_code(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    headers = bearer(await token_for(app, party))
    secret = (
        await client.post("/v1/me/two-factor/totp", json={"password": PASSWORD}, headers=headers)
    ).json()["secret"]
    wrong = await client.post(
        "/v1/me/two-factor/totp/confirm", json={"code": _code(secret, steps_from_now=5)}, headers=headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "#/body/code"
    assert (await _account(app, party)).two_factor == "none"
    confirm_code = _code(secret)
    ok = await client.post("/v1/me/two-factor/totp/confirm", json={"code": confirm_code}, headers=headers)
    assert ok.json() == {"method": "totp"}
    account = await _account(app, party)
    assert account.totp_secret_encrypted is not None
    assert account.totp_pending_secret_encrypted is None

    challenge = await _login(client, party)
    assert challenge["method"] == "totp"
    assert "access_token" not in challenge
    # the code that confirmed the set-up cannot log in: its time step is used
    replay = await client.post(f"/v1/login/{challenge['challenge_id']}/verify", json={"code": confirm_code})
    assert replay.status_code == 422
    tokens = await client.post(
        f"/v1/login/{challenge['challenge_id']}/verify", json={"code": _code(secret, steps_from_now=1)}
    )
    assert tokens.status_code == 200, tokens.text
    assert jwt.get_unverified_claims(tokens.json()["access_token"])["amr"] == ["pwd", "otp"]


async def test_a_code_works_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    secret = await _enrol(app, client, party)
    code = _code(secret, steps_from_now=1)
    first = await _login(client, party)
    assert (
        await client.post(f"/v1/login/{first['challenge_id']}/verify", json={"code": code})
    ).status_code == 200
    second = await _login(client, party)
    replay = await client.post(f"/v1/login/{second['challenge_id']}/verify", json={"code": code})
    assert replay.status_code == 422
    assert replay.json()["code"] == "code-wrong"
    # an older step than the last one used is refused too
    older = await client.post(f"/v1/login/{second['challenge_id']}/verify", json={"code": _code(secret)})
    assert older.status_code == 422


async def test_drift_of_one_step_is_accepted_not_two(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    secret = await _enrol(app, client, party)
    challenge = await _login(client, party)
    too_far = await client.post(
        f"/v1/login/{challenge['challenge_id']}/verify", json={"code": _code(secret, steps_from_now=3)}
    )
    assert too_far.status_code == 422
    near = await client.post(
        f"/v1/login/{challenge['challenge_id']}/verify", json={"code": _code(secret, steps_from_now=1)}
    )
    assert near.status_code == 200


def test_matching_step_window() -> None:
    secret = pyotp.random_base32()
    now = 1_700_000_000.0
    current = int(now // 30)
    for offset in (-1, 0, 1):
        code = pyotp.TOTP(secret).at(now + 30 * offset)
        assert totp.matching_step(secret, code, now) == current + offset
    for offset in (-2, 2):
        assert totp.matching_step(secret, pyotp.TOTP(secret).at(now + 30 * offset), now) is None


async def test_enrolment_needs_the_password(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A stolen access token alone cannot enrol the thief's app (#11)."""
    party = await make_user(app)
    headers = bearer(await token_for(app, party))
    token_alone = await client.post("/v1/me/two-factor/totp", headers=headers)
    assert token_alone.status_code == 422
    wrong = await client.post(
        "/v1/me/two-factor/totp", json={"password": "Wrong-Password-1"}, headers=headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "password-wrong"
    assert "secret" not in wrong.json()
    assert (await _account(app, party)).totp_pending_secret_encrypted is None


async def test_enrolment_refused_while_a_factor_is_on(app: FastAPI, client: httpx.AsyncClient) -> None:
    for method in ("sms", "totp"):
        party = await make_user(app, two_factor=method)
        headers = bearer(await token_for(app, party))
        response = await client.post("/v1/me/two-factor/totp", json={"password": PASSWORD}, headers=headers)
        assert response.status_code == 409
        assert response.json()["code"] == "two-factor-already-on"


async def test_confirm_without_enrolment(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    response = await client.post(
        "/v1/me/two-factor/totp/confirm", json={"code": "123456"}, headers=bearer(await token_for(app, party))
    )
    assert response.status_code == 409
    assert response.json()["code"] == "two-factor-nothing-pending"


async def test_turn_totp_off(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    secret = await _enrol(app, client, party)
    headers = bearer(await token_for(app, party))
    code = _code(secret, steps_from_now=1)
    wrong_password = await client.request(
        "DELETE", "/v1/me/two-factor", json={"password": "Wrong-Password-1", "code": code}, headers=headers
    )
    assert wrong_password.status_code == 422
    async with runtime_of(app).sessionmaker() as session:  # counted like a failed login
        ref = login_throttle.account_ref(identity_state_of(app).kek, str(party.national_code))
        counted = await session.get(LoginThrottle, f"account:{ref}")
    assert counted is not None
    assert counted.failures == 1
    wrong_code = await client.request(
        "DELETE",
        "/v1/me/two-factor",
        json={"password": PASSWORD, "code": _code(secret, steps_from_now=4)},
        headers=headers,
    )
    assert wrong_code.status_code == 422
    off = await client.request(
        "DELETE", "/v1/me/two-factor", json={"password": PASSWORD, "code": code}, headers=headers
    )
    assert off.status_code == 204, off.text
    account = await _account(app, party)
    assert (account.two_factor, account.totp_secret_encrypted, account.totp_last_step) == ("none", None, None)
    assert "access_token" in await _login(client, party)
    # the other user's token turns off nothing of theirs
    other = await make_user(app)
    other_secret = await _enrol(app, client, other)
    refused = await client.request(
        "DELETE",
        "/v1/me/two-factor",
        json={"password": PASSWORD, "code": _code(other_secret, 1)},
        headers=headers,
    )
    assert refused.status_code == 409  # acts on the caller's own account, whose 2FA is off
    assert (await _account(app, other)).two_factor == "totp"
