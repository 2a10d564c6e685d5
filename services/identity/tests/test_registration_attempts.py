"""Registration attempts: a second registration of the same national code and mobile is an
attempt of its own. It never replaces a pending one's password or details, its code
confirms only itself, the first confirmed wins and the others end, and two confirmations
at once make exactly one account."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from identity_testing.accounts import caller, registration, sms_code
from sqlalchemy import func, select, update

from identity.housekeeping import CODES_KEPT, GRACE, purge_expired
from identity.models import Account, Party, RegistrationAttempt, VerificationCode
from identity.state import identity_state_of
from kit.clock import now_utc
from kit.runtime import runtime_of


async def _age_codes(app: FastAPI, to: str, seconds: int = 61) -> None:
    """As if ``seconds`` had gone by since the codes sent to ``to`` (past the per-number interval)."""
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(VerificationCode)
            .where(VerificationCode.mobile == to)
            .values(created_at=VerificationCode.created_at - timedelta(seconds=seconds))
        )


async def _start(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[str, str]:
    """Start a registration; its ID and the code sent for it."""
    started = await client.post("/v1/registrations", json=body)
    assert started.status_code == 201, started.text
    return started.json()["id"], await sms_code(client, body["mobile"], "register")


async def _victim_and_attacker(app: FastAPI) -> tuple[dict[str, Any], dict[str, Any], str, str, str, str]:
    """The person registers; then an attacker registers the same national code and mobile
    with a password of their own (from another address). Both attempts' IDs and codes."""
    victim = registration()
    attacker = {**victim, "first_name": "Mallory", "password": "Attacker-Owns-It-99!"}
    async with caller(app) as person:
        victim_id, victim_code = await _start(person, victim)
    await _age_codes(app, victim["mobile"])
    async with caller(app) as other:
        attacker_id, attacker_code = await _start(other, attacker)
    return victim, attacker, victim_id, victim_code, attacker_id, attacker_code


async def _log_in(client: httpx.AsyncClient, body: dict[str, Any]) -> int:
    response = await client.post(
        "/v1/login", json={"national_code": body["national_code"], "password": body["password"]}
    )
    return response.status_code


async def _accounts_of(app: FastAPI, national_code: str) -> int:
    async with runtime_of(app).sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Account)
                .join(Party, Party.id == Account.party_id)
                .where(Party.national_code == national_code)
            )
            or 0
        )


async def _status(app: FastAPI, attempt_id: str) -> str:
    async with runtime_of(app).sessionmaker() as session:
        attempt = await session.get(RegistrationAttempt, uuid.UUID(attempt_id))
    assert attempt is not None
    return attempt.status


async def test_a_second_registration_is_an_attempt_of_its_own(app: FastAPI) -> None:
    victim, attacker, victim_id, victim_code, attacker_id, attacker_code = await _victim_and_attacker(app)
    assert attacker_id != victim_id
    async with runtime_of(app).sessionmaker() as session:
        first = await session.get(RegistrationAttempt, uuid.UUID(victim_id))
        second = await session.get(RegistrationAttempt, uuid.UUID(attacker_id))
    assert first is not None
    assert second is not None
    assert first.password_hash != second.password_hash
    assert (first.first_name, second.first_name) == (victim["first_name"], "Mallory")

    async with caller(app) as client:
        if attacker_code != victim_code:  # the newest SMS (the attacker's) does not confirm the person's
            wrong = await client.post(f"/v1/registrations/{victim_id}/confirm", json={"code": attacker_code})
            assert wrong.status_code == 422, wrong.text
            assert wrong.json()["code"] == "code-wrong"
        confirmed = await client.post(f"/v1/registrations/{victim_id}/confirm", json={"code": victim_code})
        assert confirmed.status_code == 200, confirmed.text

        # The person's password logs in, the attacker's does not.
        assert await _log_in(client, victim) == 200
        assert await _log_in(client, attacker) == 401
        async with runtime_of(app).sessionmaker() as session:
            party = await session.scalar(select(Party).where(Party.national_code == victim["national_code"]))
        assert party is not None
        assert party.first_name == victim["first_name"]

        # The attacker's attempt ended: neither its code nor a new one does anything.
        assert await _status(app, attacker_id) == "superseded"
        late = await client.post(f"/v1/registrations/{attacker_id}/confirm", json={"code": attacker_code})
        assert late.status_code == 404, late.text
        assert late.json()["code"] == "registration-not-found"
        assert (await client.post(f"/v1/registrations/{attacker_id}/code")).status_code == 404
    assert await _accounts_of(app, victim["national_code"]) == 1


async def test_confirming_an_attempt_makes_the_account_from_its_own_data_only(app: FastAPI) -> None:
    victim, attacker, victim_id, _, attacker_id, attacker_code = await _victim_and_attacker(app)
    async with caller(app) as client:
        confirmed = await client.post(
            f"/v1/registrations/{attacker_id}/confirm", json={"code": attacker_code}
        )
        assert confirmed.status_code == 200, confirmed.text
        assert await _log_in(client, attacker) == 200
        assert await _log_in(client, victim) == 401
    assert await _status(app, victim_id) == "superseded"


async def test_a_resent_code_belongs_to_its_attempt_only(app: FastAPI) -> None:
    victim, _, victim_id, _, attacker_id, attacker_code = await _victim_and_attacker(app)
    await _age_codes(app, victim["mobile"])
    async with caller(app) as client:
        resent = await client.post(f"/v1/registrations/{victim_id}/code")
        assert resent.status_code == 200, resent.text
        fresh = await sms_code(client, victim["mobile"], "register")
        if fresh != attacker_code:
            other = await client.post(f"/v1/registrations/{attacker_id}/confirm", json={"code": fresh})
            assert other.status_code == 422, other.text
        assert (
            await client.post(f"/v1/registrations/{victim_id}/confirm", json={"code": fresh})
        ).status_code == 200


async def test_the_second_attempt_to_a_number_waits_for_the_sending_limit(app: FastAPI) -> None:
    body = registration()
    async with caller(app) as person, caller(app) as other:
        first_id, _ = await _start(person, body)
        too_soon = await other.post("/v1/registrations", json={**body, "password": "Attacker-Owns-It-99!"})
    assert too_soon.status_code == 429, too_soon.text
    assert too_soon.json()["limit"] == "per-mobile-interval"
    assert await _status(app, first_id) == "pending"


async def test_two_attempts_confirmed_at_once_make_exactly_one_account(app: FastAPI) -> None:
    victim, _, victim_id, victim_code, attacker_id, attacker_code = await _victim_and_attacker(app)
    async with caller(app) as one, caller(app) as two:
        answers = await asyncio.gather(
            one.post(f"/v1/registrations/{victim_id}/confirm", json={"code": victim_code}),
            two.post(f"/v1/registrations/{attacker_id}/confirm", json={"code": attacker_code}),
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 404], [a.text for a in answers]
    assert await _accounts_of(app, victim["national_code"]) == 1
    assert sorted([await _status(app, victim_id), await _status(app, attacker_id)]) == [
        "confirmed",
        "superseded",
    ]


async def test_one_attempt_confirmed_twice_at_once_makes_one_account(app: FastAPI) -> None:
    body = registration()
    async with caller(app) as client:
        attempt_id, code = await _start(client, body)
        answers = await asyncio.gather(
            *(client.post(f"/v1/registrations/{attempt_id}/confirm", json={"code": code}) for _ in range(2))
        )
    assert sorted(a.status_code for a in answers) == [200, 404], [a.text for a in answers]
    assert await _accounts_of(app, body["national_code"]) == 1


async def test_a_confirmation_replayed_with_its_idempotency_key_answers_the_same(app: FastAPI) -> None:
    body = registration()
    async with caller(app) as client:
        attempt_id, code = await _start(client, body)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await client.post(f"/v1/registrations/{attempt_id}/confirm", json={"code": code}, headers=key)
        replay = await client.post(
            f"/v1/registrations/{attempt_id}/confirm", json={"code": code}, headers=key
        )
    assert first.status_code == replay.status_code == 200
    assert replay.json() == first.json()
    assert await _accounts_of(app, body["national_code"]) == 1


async def test_decided_attempts_keep_no_password_hash_and_old_attempts_are_purged(app: FastAPI) -> None:
    victim, _, victim_id, victim_code, attacker_id, _ = await _victim_and_attacker(app)
    async with caller(app) as client:
        confirmed = await client.post(f"/v1/registrations/{victim_id}/confirm", json={"code": victim_code})
        assert confirmed.status_code == 200, confirmed.text
    stale = RegistrationAttempt(
        id=uuid.uuid4(),
        national_code=victim["national_code"],
        mobile=victim["mobile"],
        first_name="x",
        last_name="y",
        postal_code="1136913141",
        password_hash="h",
        requester="test",
        status="pending",
        created_at=now_utc() - CODES_KEPT - timedelta(days=1),
    )
    fresh_pending = registration()
    async with caller(app) as client:
        fresh_id, _ = await _start(client, fresh_pending)
    async with runtime_of(app).sessionmaker() as session, session.begin():
        session.add(stale)
        hashes = {
            a.id: a.password_hash
            for a in await session.scalars(
                select(RegistrationAttempt).where(
                    RegistrationAttempt.id.in_([uuid.UUID(victim_id), uuid.UUID(attacker_id)])
                )
            )
        }
        assert set(hashes.values()) == {""}
        # A day after the decision, the decided attempts go too.
        await session.execute(
            update(RegistrationAttempt)
            .where(RegistrationAttempt.id.in_(hashes))
            .values(decided_at=now_utc() - GRACE - timedelta(minutes=1))
        )
    deleted = await purge_expired(identity_state_of(app))
    assert deleted["registration_attempts"] >= 3
    async with runtime_of(app).sessionmaker() as session:
        left = set(
            await session.scalars(
                select(RegistrationAttempt.id).where(
                    RegistrationAttempt.id.in_([stale.id, *hashes, uuid.UUID(fresh_id)])
                )
            )
        )
    assert left == {uuid.UUID(fresh_id)}
