"""The login back-off (identity.login_throttle): a source that keeps failing is refused
like a wrong password, the owner elsewhere still gets in, unknown codes look the same."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import PASSWORD, make_user, national_code
from sqlalchemy import select, update

from identity import login_throttle, passwords
from identity.models import AuditEntry, LoginThrottle, Party
from identity.state import identity_state_of
from kit.clock import now_utc
from kit.runtime import runtime_of

WRONG = "Wrong-Password-123"
_sources = iter(range(1, 1_000_000))


@asynccontextmanager
async def _from(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client calling from an address of its own."""
    n = next(_sources)
    transport = httpx.ASGITransport(
        app=app, raise_app_exceptions=False, client=(f"10.9.{n // 250}.{n % 250}", 4000)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _login(client: httpx.AsyncClient, code: str | None, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/v1/login", json={"national_code": code, "password": password})


def _problem(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, {
        k: v for k, v in response.json().items() if k not in ("instance", "request_id")
    }


async def _audit(app: FastAPI, party: Party, action: str) -> list[dict[str, Any]]:
    async with runtime_of(app).sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(AuditEntry.details)
                    .where(AuditEntry.object_id == str(party.id), AuditEntry.action == action)
                    .order_by(AuditEntry.id)
                )
            ).all()
        )


def test_back_off_doubles_up_to_the_cap() -> None:
    minutes = [login_throttle.back_off_minutes(n, 5, 60) for n in range(1, 13)]
    assert minutes == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert login_throttle.back_off_minutes(10_000, 5, 60) == 60


async def test_an_attacker_backs_off_and_the_owner_still_gets_in(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    party = await make_user(app)
    async with _from(app) as attacker, _from(app) as owner:
        wrong = [await _login(attacker, party.national_code, WRONG) for _ in range(5)]
        assert {r.status_code for r in wrong} == {401}
        checked: list[str] = []
        real = passwords.verify_password

        async def spy(password: str, stored_hash: str) -> passwords.Verification:
            checked.append(stored_hash)
            return await real(password, stored_hash)

        monkeypatch.setattr(passwords, "verify_password", spy)
        # from the attacker's address even the right password is refused, exactly like a wrong one
        refused = await _login(attacker, party.national_code)
        assert _problem(refused) == _problem(wrong[0])
        assert "retry-after" not in refused.headers
        assert len(checked) == 1  # the password was hashed all the same: it takes as long
        # the owner, from elsewhere, is not locked out
        assert (await _login(owner, party.national_code)).status_code == 200
        assert (await _login(attacker, party.national_code)).status_code == 401
    back_offs = await _audit(app, party, "login.back-off")
    assert back_offs[0]["pair_minutes"] == 1
    assert back_offs[0]["source"].startswith("10.9.")
    reasons = [entry["reason"] for entry in await _audit(app, party, "login.failed")]
    assert reasons == ["wrong-password"] * 5 + ["backed-off"] * 2


async def test_unknown_national_codes_back_off_alike(app: FastAPI) -> None:
    """No enumeration through the back-off: an unknown code is counted and refused the same way."""
    party = await make_user(app)
    unknown = national_code()
    async with _from(app) as attacker:
        answers: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for code in (str(party.national_code), unknown):
            answers[code] = [_problem(await _login(attacker, code, WRONG)) for _ in range(5)]
            answers[code].append(_problem(await _login(attacker, code)))
        assert answers[str(party.national_code)] == answers[unknown]
    async with runtime_of(app).sessionmaker() as session:
        for code in (str(party.national_code), unknown):
            ref = login_throttle.account_ref(identity_state_of(app).kek, code)
            rows = (
                await session.scalars(select(LoginThrottle).where(LoginThrottle.account_ref == ref))
            ).all()
            assert sorted((r.key.split(":")[0], r.failures) for r in rows) == [("account", 6), ("pair", 6)]
            assert all(r.key.startswith("account:") or r.blocked_until is not None for r in rows)


async def test_a_back_off_runs_out_and_a_success_clears_it(app: FastAPI) -> None:
    party = await make_user(app)
    async with _from(app) as caller:
        for _ in range(5):
            await _login(caller, party.national_code, WRONG)
        assert (await _login(caller, party.national_code)).status_code == 401
        async with runtime_of(app).sessionmaker() as session, session.begin():
            await session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key.startswith("pair:"), LoginThrottle.blocked_until.is_not(None))
                .values(blocked_until=now_utc() - timedelta(seconds=1))
            )
        assert (await _login(caller, party.national_code)).status_code == 200
        # the success cleared this pair: four failures do not back off again
        for _ in range(4):
            await _login(caller, party.national_code, WRONG)
        assert (await _login(caller, party.national_code)).status_code == 200


async def test_old_failures_are_forgotten(app: FastAPI) -> None:
    party = await make_user(app)
    async with _from(app) as caller:
        for _ in range(4):
            await _login(caller, party.national_code, WRONG)
        async with runtime_of(app).sessionmaker() as session, session.begin():
            ref = login_throttle.account_ref(identity_state_of(app).kek, str(party.national_code))
            await session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.account_ref == ref)
                .values(last_failure_at=now_utc() - timedelta(minutes=61))
            )
        await _login(caller, party.national_code, WRONG)  # counts from 1 again
        assert (await _login(caller, party.national_code)).status_code == 200


async def test_one_source_spraying_many_accounts_backs_off(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_of(app).settings, "login_source_lockout_threshold", 3)
    victims = [await make_user(app) for _ in range(4)]
    async with _from(app) as sprayer, _from(app) as elsewhere:
        for victim in victims[:3]:
            assert (await _login(sprayer, victim.national_code, WRONG)).status_code == 401
        # one guess each, yet the address is now refused for every account, right password or not
        refused = await _login(sprayer, victims[3].national_code)
        assert refused.status_code == 401
        assert refused.json()["code"] == "login-failed"
        assert (await _login(elsewhere, victims[3].national_code)).status_code == 200


async def test_many_sources_against_one_account_need_an_sms_code(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A botnet cannot lock the account either; a right password then also needs a code by SMS."""
    monkeypatch.setattr(runtime_of(app).settings, "login_account_step_up_threshold", 3)
    party = await make_user(app)
    assert party.mobile is not None
    for _ in range(3):
        async with _from(app) as bot:
            assert (await _login(bot, party.national_code, WRONG)).status_code == 401
    async with _from(app) as owner:
        challenge = await _login(owner, party.national_code)
        assert challenge.status_code == 200, challenge.text
        assert challenge.json()["method"] == "sms"
        sms = await owner.get("/v1/sandbox/sms", params={"mobile": party.mobile, "limit": 1})
        found = re.search(r"\b(\d{4,8})\b", sms.json()["items"][0]["body"])
        assert found is not None
        verified = await owner.post(
            f"/v1/login/{challenge.json()['challenge_id']}/verify", json={"code": found.group(1)}
        )
        assert verified.status_code == 200, verified.text
        assert "refresh_token" in verified.json()
    assert await _audit(app, party, "login.step-up")
