"""Password recovery (identity.recovery): by SMS after the ownership inquiry, or through
My Government; the same answers for unknown national codes; sessions end on reset."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import PASSWORD, make_user, mobile, national_code
from kit_testing import serve
from sqlalchemy import select

from identity.main import create_app
from identity.models import AuditEntry, LoginThrottle, Party, PasswordRecovery
from kit.processes import free_port
from kit.runtime import runtime_of

NEW_PASSWORD = "Zagros-Peak-4410?"
START = "/v1/password-recovery"


def _reset(recovery_id: str) -> str:
    return f"/v1/password-recovery/{recovery_id}/reset"


async def _login(client: httpx.AsyncClient, party: Party, password: str) -> httpx.Response:
    return await client.post("/v1/login", json={"national_code": party.national_code, "password": password})


async def _sms_code(client: httpx.AsyncClient, number: str) -> str | None:
    items = (await client.get("/v1/sandbox/sms", params={"mobile": number, "limit": 1})).json()["items"]
    if not items or "recovery" not in items[0]["body"]:
        return None
    found = re.search(r"\b(\d{4,8})\b", items[0]["body"])
    assert found is not None
    return found.group(1)


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def _shape(response: httpx.Response) -> tuple[int, set[str], Any]:
    body = response.json()
    return response.status_code, set(body), body.get("method")


async def _audit(app: FastAPI, action: str, object_id: str) -> list[dict[str, Any]]:
    async with runtime_of(app).sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry.details)
            .where(AuditEntry.action == action, AuditEntry.object_id == object_id)
            .order_by(AuditEntry.id)
        )
        return list(rows.all())


async def test_recovery_by_sms_end_to_end(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    assert party.mobile is not None
    logged_in = await _login(client, party, PASSWORD)
    old_refresh = logged_in.json()["refresh_token"]
    # a back-off from some address is cleared by the reset
    for _ in range(5):
        await _login(client, party, "Wrong-Password-123")
    started = await client.post(START, json={"national_code": party.national_code})
    assert started.status_code == 202, started.text
    assert started.headers["cache-control"] == "no-store"
    recovery_id = started.json()["recovery_id"]
    code = await _sms_code(client, party.mobile)
    assert code is not None
    wrong = await client.post(_reset(recovery_id), json={"code": _other(code), "password": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "code-wrong"
    assert wrong.json()["attempts_left"] == 4
    weak = await client.post(_reset(recovery_id), json={"code": code, "password": "password1234"})
    assert weak.status_code == 422
    assert weak.json()["code"] == "password-rejected"
    reset = await client.post(_reset(recovery_id), json={"code": code, "password": NEW_PASSWORD})
    assert reset.status_code == 204, reset.text
    again = await client.post(_reset(recovery_id), json={"code": code, "password": NEW_PASSWORD})
    assert again.status_code == 409
    # every session ended; the old password is dead, the new one works
    refreshed = await client.post(
        "/v1/token", data={"grant_type": "refresh_token", "refresh_token": old_refresh}
    )
    assert refreshed.status_code == 400
    assert (await _login(client, party, PASSWORD)).status_code == 401
    assert (await _login(client, party, NEW_PASSWORD)).status_code == 200
    async with runtime_of(app).sessionmaker() as session:
        left = (
            await session.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like("pair:%")))
        ).all()
    assert (await _audit(app, "account.password-reset", str(party.id)))[0]["back_off_cleared"] >= 2
    assert all(str(party.id) not in key for key in left)
    assert (await _audit(app, "session.revoke-all", str(party.id)))[0]["refresh_tokens"] == 1
    assert (await _audit(app, "password-recovery.start", str(party.id)))[0]["outcome"] == "sent"


async def test_unknown_and_known_national_codes_look_alike(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    known = await client.post(START, json={"national_code": party.national_code})
    unknown = await client.post(START, json={"national_code": national_code()})
    assert _shape(known) == _shape(unknown) == (202, {"recovery_id", "method", "expires_at"}, "sms")
    # a guess at the unknown one fails just like a wrong guess at the known one
    answers = []
    for started in (known, unknown):
        answers.append(
            [
                (r.status_code, r.json()["code"], r.json().get("attempts_left"))
                for r in [
                    await client.post(
                        _reset(started.json()["recovery_id"]), json={"code": "0000", "password": NEW_PASSWORD}
                    )
                    for _ in range(6)
                ]
            ]
        )
    if (await _sms_code(client, str(party.mobile))) == "0000":
        pytest.skip("the code sent happened to be 0000")
    assert answers[0] == answers[1]
    assert answers[0][-1] == (429, "password-recovery-attempts-exhausted", None)


async def test_no_code_when_the_mobile_is_no_longer_theirs(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    assert party.mobile is not None
    owner = await client.put(
        f"/v1/sandbox/mobile-owners/{party.mobile}", json={"national_code": national_code()}
    )
    assert owner.status_code in (200, 201, 204), owner.text
    started = await client.post(START, json={"national_code": party.national_code})
    assert started.status_code == 202
    assert await _sms_code(client, party.mobile) is None
    assert (await _audit(app, "password-recovery.start", str(party.id)))[-1]["outcome"] == "mobile-not-owned"


async def test_starting_is_limited_per_national_code_alike(app: FastAPI, client: httpx.AsyncClient) -> None:
    party = await make_user(app)
    unknown = national_code()
    for code in (str(party.national_code), unknown):
        statuses = [(await client.post(START, json={"national_code": code})).status_code for _ in range(4)]
        assert statuses == [202, 202, 202, 429]
    limited = await client.post(START, json={"national_code": unknown})
    assert limited.json()["code"] == "password-recovery-rate-limited"
    assert int(limited.headers["retry-after"]) > 0


async def test_starting_is_limited_per_requester(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_of(app).settings, "recovery_max_per_requester_per_hour", 2)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("10.8.0.1", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as caller:
        statuses = [
            (await caller.post(START, json={"national_code": national_code()})).status_code for _ in range(3)
        ]
    assert statuses == [202, 202, 429]


async def test_unknown_recovery_and_malformed_input(client: httpx.AsyncClient) -> None:
    missing = await client.post(
        _reset("00000000-0000-4000-8000-000000000000"), json={"code": "1234", "password": NEW_PASSWORD}
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "password-recovery-not-found"
    bad = await client.post(START, json={"national_code": "123"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/body/national_code"


async def test_expired_recovery(app: FastAPI, client: httpx.AsyncClient) -> None:
    started = (await client.post(START, json={"national_code": national_code()})).json()
    async with runtime_of(app).sessionmaker() as session, session.begin():
        row = await session.get(PasswordRecovery, started["recovery_id"])
        assert row is not None
        row.expires_at = row.created_at
    expired = await client.post(
        _reset(started["recovery_id"]), json={"code": "1234", "password": NEW_PASSWORD}
    )
    assert expired.status_code == 410


@pytest.fixture(scope="module")
async def served(settings_for) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    """identity served over real HTTP, so the fake My Government is reached like the real one."""
    port = free_port()
    app = create_app(
        settings_for("identity", sandbox=True, service_urls={"identity": f"http://127.0.0.1:{port}"})
    )
    running = await serve(app, port=port)
    try:
        async with httpx.AsyncClient(base_url=running.url) as http:
            yield app, http
    finally:
        await running.stop()


async def _through_my_government(http: httpx.AsyncClient, code: str, number: str) -> httpx.Response:
    start = await http.get("/v1/password-recovery/my-government/start")
    assert start.status_code == 200, start.text
    url = start.json()["authorization_url"]
    redirect = await http.get(url + "&" + urlencode({"national_code": code, "mobile": number}))
    assert redirect.status_code == 302, redirect.text
    assert "/v1/password-recovery/my-government/callback?" in redirect.headers["location"]
    return await http.get(redirect.headers["location"])


async def test_recovery_through_my_government(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = served
    party = await make_user(app)
    assert party.mobile is not None
    old_refresh = (await _login(http, party, PASSWORD)).json()["refresh_token"]
    back = await _through_my_government(http, str(party.national_code), party.mobile)
    assert back.status_code == 200, back.text
    body = back.json()
    assert body["method"] == "my-government"
    forged = await http.post(_reset(body["recovery_id"]), json={"code": "x" * 43, "password": NEW_PASSWORD})
    assert forged.status_code == 422
    reset = await http.post(
        _reset(body["recovery_id"]), json={"code": body["reset_code"], "password": NEW_PASSWORD}
    )
    assert reset.status_code == 204, reset.text
    assert (
        await http.post("/v1/token", data={"grant_type": "refresh_token", "refresh_token": old_refresh})
    ).status_code == 400
    assert (await _login(http, party, NEW_PASSWORD)).status_code == 200
    assert (await _login(http, party, PASSWORD)).status_code == 401


async def test_my_government_recovery_refusals(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = served
    party = await make_user(app)
    # someone else's mobile: the ownership inquiry says no
    theirs = mobile()
    await http.put(f"/v1/sandbox/mobile-owners/{theirs}", json={"national_code": national_code()})
    not_owned = await _through_my_government(http, str(party.national_code), theirs)
    assert not_owned.status_code == 403
    assert not_owned.json()["code"] == "sso-mobile-not-owned"
    # no account with that national code
    nobody = await _through_my_government(http, national_code(), mobile())
    assert nobody.status_code == 404
    # a login state does not finish a recovery
    start = (await http.get("/v1/sso/my-government/start")).json()
    crossed = await http.get(
        "/v1/password-recovery/my-government/callback", params={"state": start["state"], "code": "x"}
    )
    assert crossed.status_code == 404
    assert crossed.json()["code"] == "sso-state-unknown"
