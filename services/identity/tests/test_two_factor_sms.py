"""Two-step login with an SMS code: turning it on and off, and logging in with it."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import PASSWORD, bearer, make_user, token_for
from jose import jwt
from sqlalchemy import select

from identity.models import AuditEntry, LoginChallenge, Party, VerificationCode
from kit.clock import now_utc
from kit.runtime import runtime_of

PASSWORD_BODY = {"password": PASSWORD}

_addresses = itertools.count(1)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox app seen from an address of this test's own: anonymous SMS
    sending is limited per caller address, and other tests send from the shared one."""
    n = next(_addresses)
    transport = httpx.ASGITransport(app=app, client=(f"10.44.{n // 250}.{n % 250 + 1}", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
        yield fresh


async def _last_code(client: httpx.AsyncClient, mobile: str) -> str:
    """The code in the newest SMS sent to ``mobile``, as the sandbox shows it."""
    response = await client.get("/v1/sandbox/sms", params={"mobile": mobile, "limit": 1})
    assert response.status_code == 200, response.text
    found = re.search(r"\b(\d{4,8})\b", response.json()["items"][0]["body"])
    assert found is not None
    return found.group(1)


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


async def _login(client: httpx.AsyncClient, party: Party) -> httpx.Response:
    return await client.post("/v1/login", json={"national_code": party.national_code, "password": PASSWORD})


async def _challenge(client: httpx.AsyncClient, party: Party) -> dict:
    response = await _login(client, party)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"challenge_id", "method", "expires_at"}
    return body


async def _verify(client: httpx.AsyncClient, challenge_id: str, code: str) -> httpx.Response:
    return await client.post(f"/v1/login/{challenge_id}/verify", json={"code": code})


async def test_turn_sms_on_then_log_in_with_it(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    assert party.mobile is not None
    headers = bearer(await token_for(app, party))
    sent = await client.post("/v1/me/two-factor/sms", json={"password": PASSWORD}, headers=headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["mobile"] == f"{party.mobile[:4]}***{party.mobile[-4:]}"
    code = await _last_code(client, party.mobile)
    wrong = await client.post("/v1/me/two-factor/sms/confirm", json={"code": _other(code)}, headers=headers)
    assert wrong.status_code == 422
    assert (await client.get("/v1/me/two-factor", headers=headers)).json() == {"method": "none"}
    confirmed = await client.post("/v1/me/two-factor/sms/confirm", json={"code": code}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"method": "sms"}
    async with runtime_of(app).sessionmaker() as session:
        actions = (
            await session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(party.id)))
        ).all()
    assert "two-factor.enabled" in actions

    challenge = await _challenge(client, party)
    assert challenge["method"] == "sms"
    login_code = await _last_code(client, party.mobile)
    assert len(login_code) == 4
    response = await _verify(client, challenge["challenge_id"], login_code)
    assert response.status_code == 200, response.text
    body = response.json()
    assert jwt.get_unverified_claims(body["access_token"])["amr"] == ["pwd", "sms"]
    assert body["refresh_token"]


async def test_the_password_alone_gives_no_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app, two_factor="sms")
    body = (await _login(client, party)).json()
    assert "access_token" not in body
    assert "refresh_token" not in body
    assert body["method"] == "sms"


async def test_wrong_codes_then_the_sixth_attempt_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app, two_factor="sms")
    assert party.mobile is not None
    challenge = await _challenge(client, party)
    code = await _last_code(client, party.mobile)
    for left in (4, 3, 2, 1, 0):
        wrong = await _verify(client, challenge["challenge_id"], _other(code))
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "code-wrong"
        assert wrong.json()["attempts_left"] == left
        assert wrong.json()["errors"][0]["pointer"] == "#/body/code"
    sixth = await _verify(client, challenge["challenge_id"], code)  # even the right code
    assert sixth.status_code == 429
    assert sixth.json()["code"] == "login-challenge-attempts-exhausted"
    # five wrong codes are five failed logins: this source backs off, as for a wrong password
    backed_off = await _login(client, party)
    assert backed_off.status_code == 401
    assert backed_off.json()["code"] == "login-failed"


async def test_a_completed_challenge_cannot_be_used_again(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app, two_factor="sms")
    assert party.mobile is not None
    challenge = await _challenge(client, party)
    code = await _last_code(client, party.mobile)
    assert (await _verify(client, challenge["challenge_id"], code)).status_code == 200
    again = await _verify(client, challenge["challenge_id"], code)
    assert again.status_code == 409
    assert again.json()["code"] == "login-challenge-spent"


async def test_expired_and_unknown_challenges(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app, two_factor="sms")
    assert party.mobile is not None
    challenge = await _challenge(client, party)
    code = await _last_code(client, party.mobile)
    async with runtime_of(app).sessionmaker() as session, session.begin():
        row = await session.get(LoginChallenge, uuid.UUID(challenge["challenge_id"]))
        assert row is not None
        # an SMS challenge lives as long as its code: 2 minutes
        sent = await session.get(VerificationCode, row.verification_code_id)
        assert sent is not None
        assert row.expires_at == sent.expires_at
        assert timedelta(seconds=110) < row.expires_at - now_utc() <= timedelta(seconds=120)
        row.expires_at = now_utc() - timedelta(seconds=1)
    expired = await _verify(client, challenge["challenge_id"], code)
    assert expired.status_code == 410
    assert expired.json()["code"] == "login-challenge-expired"
    unknown = await _verify(client, str(uuid.uuid4()), code)
    assert unknown.status_code == 404
    malformed = await _verify(client, "not-a-uuid", code)
    assert malformed.status_code == 422
    bad_code = await _verify(client, challenge["challenge_id"], "12a4")
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["pointer"] == "#/body/code"


async def test_wrong_codes_count_toward_the_login_back_off(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app, two_factor="sms")
    assert party.mobile is not None
    challenge = await _challenge(client, party)
    code = await _last_code(client, party.mobile)
    for _ in range(2):
        assert (await _verify(client, challenge["challenge_id"], _other(code))).status_code == 422
    async with runtime_of(app).sessionmaker() as session:
        failures = (
            await session.scalars(
                select(AuditEntry.details).where(
                    AuditEntry.object_id == str(party.id), AuditEntry.action == "login.failed"
                )
            )
        ).all()
    assert [entry["reason"] for entry in failures] == ["wrong-second-factor"] * 2


async def test_changes_need_the_password_not_a_token_alone(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A stolen access token cannot start turning SMS on (#11): the password is asked."""
    party = await make_user(app)
    assert party.mobile is not None
    headers = bearer(await token_for(app, party))
    token_alone = await client.post("/v1/me/two-factor/sms", headers=headers)
    assert token_alone.status_code == 422
    wrong = await client.post("/v1/me/two-factor/sms", json={"password": "Wrong-Password-1"}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "password-wrong"
    async with runtime_of(app).sessionmaker() as session:
        sent = await session.scalar(select(VerificationCode).where(VerificationCode.party_id == party.id))
    assert sent is None  # no code went out


async def test_turn_sms_off_needs_password_and_code(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app, two_factor="sms")
    assert party.mobile is not None
    headers = bearer(await token_for(app, party))
    assert (
        await client.post("/v1/me/two-factor/sms", json=PASSWORD_BODY, headers=headers)
    ).status_code == 200
    code = await _last_code(client, party.mobile)
    wrong_password = await client.request(
        "DELETE", "/v1/me/two-factor", json={"password": "Wrong-Password-1", "code": code}, headers=headers
    )
    assert wrong_password.status_code == 422
    assert wrong_password.json()["errors"][0]["pointer"] == "#/body/password"
    wrong_code = await client.request(
        "DELETE", "/v1/me/two-factor", json={"password": PASSWORD, "code": _other(code)}, headers=headers
    )
    assert wrong_code.status_code == 422
    assert wrong_code.json()["code"] == "code-wrong"
    off = await client.request(
        "DELETE", "/v1/me/two-factor", json={"password": PASSWORD, "code": code}, headers=headers
    )
    assert off.status_code == 204, off.text
    assert (await client.get("/v1/me/two-factor", headers=headers)).json() == {"method": "none"}
    assert "access_token" in (await _login(client, party)).json()
    again = await client.request(
        "DELETE", "/v1/me/two-factor", json={"password": PASSWORD, "code": code}, headers=headers
    )
    assert again.status_code == 409


async def test_confirm_without_a_code_sent(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    headers = bearer(await token_for(app, party))
    response = await client.post("/v1/me/two-factor/sms/confirm", json={"code": "1234"}, headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "code-not-found"


async def test_refusals(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    agent = await make_user(app)
    for method, path in (
        ("GET", "/v1/me/two-factor"),
        ("POST", "/v1/me/two-factor/sms"),
        ("POST", "/v1/me/two-factor/totp"),
    ):
        body = PASSWORD_BODY if method == "POST" else None
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401
        acting_for = await client.request(
            method,
            path,
            json=body,
            headers=bearer(await token_for(app, party, act={"sub": f"user:{agent.id}"})),
        )
        assert acting_for.status_code == 403
    # a TOTP user cannot ask for SMS codes to switch: turn TOTP off first
    totp_user = await make_user(app, two_factor="totp")
    refused = await client.post(
        "/v1/me/two-factor/sms", json=PASSWORD_BODY, headers=bearer(await token_for(app, totp_user))
    )
    assert refused.status_code == 409
