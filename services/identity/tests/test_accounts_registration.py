"""Registration of a natural person: the whole flow through the API, refusals, and nothing half-created."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from identity_testing.accounts import caller, register, registration, sms_code
from identity_testing.parties import bearer, mobile, national_code, token_for
from sqlalchemy import func, select, update

from identity.models import (
    Account,
    AuditEntry,
    Party,
    RegistrationAttempt,
    RoleAssignment,
    SmsMessage,
    VerificationCode,
)
from kit.clock import now_utc
from kit.runtime import runtime_of


async def _party(app: FastAPI, code: str) -> Party | None:
    async with runtime_of(app).sessionmaker() as session:
        return await session.scalar(select(Party).where(Party.national_code == code))


async def _nothing_for(app: FastAPI, body: dict) -> None:
    """No person, account, code or SMS exists for this registration body."""
    async with runtime_of(app).sessionmaker() as session:
        assert await session.scalar(select(Party).where(Party.national_code == body["national_code"])) is None
        assert (
            await session.scalar(
                select(func.count())
                .select_from(VerificationCode)
                .where(VerificationCode.mobile == body["mobile"])
            )
            == 0
        )
        assert (
            await session.scalar(
                select(func.count()).select_from(SmsMessage).where(SmsMessage.mobile == body["mobile"])
            )
            == 0
        )


async def _age_codes(app: FastAPI, to: str, seconds: int) -> None:
    """Move the codes sent to ``to`` into the past, as if ``seconds`` had gone by."""
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(VerificationCode)
            .where(VerificationCode.mobile == to)
            .values(
                created_at=VerificationCode.created_at - timedelta(seconds=seconds),
                expires_at=VerificationCode.expires_at - timedelta(seconds=seconds),
            )
        )


async def _attempt(app: FastAPI, attempt_id: str) -> RegistrationAttempt:
    async with runtime_of(app).sessionmaker() as session:
        attempt = await session.get(RegistrationAttempt, uuid.UUID(attempt_id))
    assert attempt is not None
    return attempt


def _field_errors(response: httpx.Response) -> dict[str, str]:
    return {e["pointer"]: e["type"] for e in response.json()["errors"]}


async def test_register_confirm_and_use_the_account(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        persian_code = body["national_code"].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        international = "+98 " + body["mobile"][1:]
        started = await client.post(
            "/v1/registrations", json={**body, "national_code": persian_code, "mobile": international}
        )
        assert started.status_code == 201, started.text
        out = started.json()
        assert out["status"] == "pending"
        assert out["mobile"] == body["mobile"][:4] + "***" + body["mobile"][-4:]
        assert out["subject"] is None
        expires_in = (datetime.fromisoformat(out["code_expires_at"]) - now_utc()).total_seconds()
        assert 100 < expires_in <= 120

        # The sandbox outbox reads the code, with the number in any accepted form.
        sms = (await client.get("/v1/sandbox/sms", params={"mobile": international})).json()["items"]
        assert [m["purpose"] for m in sms] == ["register"]
        code = await sms_code(client, body["mobile"], "register")
        assert len(code) == 4

        # Not confirmed yet: no person, no account, no login; only the attempt.
        assert await _party(app, body["national_code"]) is None
        attempt = await _attempt(app, out["id"])
        assert (attempt.status, attempt.mobile, attempt.party_id) == ("pending", body["mobile"], None)
        login = await client.post(
            "/v1/login", json={"national_code": body["national_code"], "password": body["password"]}
        )
        assert login.status_code == 401, login.text

        confirmed = await client.post(
            f"/v1/registrations/{out['id']}/confirm",
            json={"code": code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))},
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "active"
        party = await _party(app, body["national_code"])
        assert party is not None
        assert confirmed.json()["subject"] == f"user:{party.id}"
        assert (await _attempt(app, out["id"])).party_id == party.id

        async with runtime_of(app).sessionmaker() as session:
            assert party.status == "active"
            assert (party.first_name, party.last_name, party.postal_code) == ("مریم", "احمدی", "1136913141")
            account = await session.get(Account, party.id)
            assert account is not None
            assert account.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
            roles = (
                await session.scalars(select(RoleAssignment.role).where(RoleAssignment.party_id == party.id))
            ).all()
            assert roles == ["base-natural"]
            actions = (
                await session.scalars(
                    select(AuditEntry.action)
                    .where(AuditEntry.object_id.in_([out["id"], str(party.id)]))
                    .order_by(AuditEntry.id)
                )
            ).all()
            assert actions == ["registration.started", "registration.confirmed"]

        me = await client.get("/v1/me", headers=bearer(await token_for(app, party)))
        assert me.status_code == 200, me.text
        assert me.json()["national_code"] == body["national_code"]
        assert [r["role"] for r in me.json()["roles"]] == ["base-natural"]

        # The code is spent, and the registration is no longer pending.
        again = await client.post(f"/v1/registrations/{out['id']}/confirm", json={"code": code})
        assert again.status_code == 404
        assert again.json()["code"] == "registration-not-found"


async def test_an_active_national_code_cannot_register_again(app: FastAPI) -> None:
    async with caller(app) as client:
        first = await register(client)
        second = registration(national_code=first["national_code"])
        response = await client.post("/v1/registrations", json=second)
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "national-code-registered"
        assert _field_errors(response) == {"#/body/national_code": "national_code_registered"}
        async with runtime_of(app).sessionmaker() as session:
            assert (
                await session.scalar(
                    select(func.count())
                    .select_from(VerificationCode)
                    .where(VerificationCode.mobile == second["mobile"])
                )
                == 0
            )


async def test_the_mobile_must_belong_to_the_national_code(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        owner = national_code()
        set_owner = await client.put(
            f"/v1/sandbox/mobile-owners/{body['mobile']}", json={"national_code": owner}
        )
        assert set_owner.status_code == 200
        response = await client.post("/v1/registrations", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "mobile-not-owned"
        assert _field_errors(response) == {"#/body/mobile": "mobile_not_owned"}
        await _nothing_for(app, body)

        # The owner may register with it; once the answer is cleared, anyone may.
        assert (
            await client.post("/v1/registrations", json={**body, "national_code": owner})
        ).status_code == 201
        assert (await client.delete(f"/v1/sandbox/mobile-owners/{body['mobile']}")).status_code == 204
        other = registration(mobile=mobile())
        assert (await client.post("/v1/registrations", json=other)).status_code == 201


async def test_bad_identifiers_are_refused_by_field(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        bad = {
            **body,
            "national_code": body["national_code"][:9] + str((int(body["national_code"][9]) + 1) % 10),
            "mobile": "+44 7700 900123",
            "postal_code": "90210",
        }
        response = await client.post("/v1/registrations", json=bad)
        assert response.status_code == 422, response.text
        assert _field_errors(response) == {
            "#/body/national_code": "national_code_check_digit",
            "#/body/mobile": "mobile_not_iranian",
            "#/body/postal_code": "postal_code_invalid",
        }
        await _nothing_for(app, body)


async def test_weak_passwords_are_refused_with_every_reason(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        cases = {
            "short1!A": {"password_too_short"},
            "alllowercase-letters-1": {"password_needs_uppercase"},
            "NoDigitsHere-At-All": {"password_needs_digit"},
            "NoSymbols1234abcd": {"password_needs_symbol"},
            "P@ssw0rd1234": {"password_common"},
            f"Code-{body['national_code']}-x": {"password_contains_national_code"},
            f"Phone+{body['mobile'][1:]}-x": {"password_contains_mobile"},
        }
        for password, reasons in cases.items():
            response = await client.post("/v1/registrations", json={**body, "password": password})
            assert response.status_code == 422, (password, response.text)
            assert response.json()["code"] == "password-rejected"
            errors = response.json()["errors"]
            assert {e["type"] for e in errors} == reasons, password
            assert {e["pointer"] for e in errors} == {"#/body/password"}
        await _nothing_for(app, body)


async def test_a_code_expires_after_two_minutes(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        started = (await client.post("/v1/registrations", json=body)).json()
        code = await sms_code(client, body["mobile"])
        await _age_codes(app, body["mobile"], 121)
        expired = await client.post(f"/v1/registrations/{started['id']}/confirm", json={"code": code})
        assert expired.status_code == 410, expired.text
        assert expired.json()["code"] == "code-expired"

        resent = await client.post(f"/v1/registrations/{started['id']}/code")
        assert resent.status_code == 200, resent.text
        fresh = await sms_code(client, body["mobile"])
        assert (
            await client.post(f"/v1/registrations/{started['id']}/confirm", json={"code": fresh})
        ).status_code == 200


async def test_five_wrong_codes_then_refused_even_the_right_one(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        started = (await client.post("/v1/registrations", json=body)).json()
        code = await sms_code(client, body["mobile"])
        wrong = f"{(int(code) + 1) % 10000:04d}"
        for left in (4, 3, 2, 1, 0):
            response = await client.post(f"/v1/registrations/{started['id']}/confirm", json={"code": wrong})
            assert response.status_code == 422, response.text
            assert response.json()["code"] == "code-wrong"
            assert response.json()["attempts_left"] == left
            assert _field_errors(response) == {"#/body/code": "code_wrong"}
        # Each wrong try was counted although its request failed and rolled back.
        async with runtime_of(app).sessionmaker() as session:
            attempts = await session.scalar(
                select(VerificationCode.attempts).where(VerificationCode.mobile == body["mobile"])
            )
            assert attempts == 5
        refused = await client.post(f"/v1/registrations/{started['id']}/confirm", json={"code": code})
        assert refused.status_code == 429
        assert refused.json()["code"] == "code-attempts-exhausted"
        assert await _party(app, body["national_code"]) is None
        assert (await _attempt(app, started["id"])).status == "pending"


async def test_resending_is_limited_per_number(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        started = (await client.post("/v1/registrations", json=body)).json()
        first = await sms_code(client, body["mobile"])

        too_soon = await client.post(f"/v1/registrations/{started['id']}/code")
        assert too_soon.status_code == 429, too_soon.text
        assert too_soon.json()["code"] == "sms-rate-limited"
        assert too_soon.json()["limit"] == "per-mobile-interval"
        assert 0 < int(too_soon.headers["retry-after"]) <= 60

        for sent in range(2, 6):  # up to 5 an hour
            await _age_codes(app, body["mobile"], 61)
            resent = await client.post(f"/v1/registrations/{started['id']}/code")
            assert resent.status_code == 200, (sent, resent.text)
        await _age_codes(app, body["mobile"], 61)
        hourly = await client.post(f"/v1/registrations/{started['id']}/code")
        assert hourly.status_code == 429
        assert hourly.json()["limit"] == "per-mobile-hourly"
        # The oldest of the five was sent 5 x 61 s ago: it leaves the hour in 3600 - 305 s.
        assert 3290 <= int(hourly.headers["retry-after"]) <= 3300

        latest = await sms_code(client, body["mobile"])
        if latest != first:  # only the newest code confirms
            old = await client.post(f"/v1/registrations/{started['id']}/confirm", json={"code": first})
            assert old.status_code == 422
        ok = await client.post(f"/v1/registrations/{started['id']}/confirm", json={"code": latest})
        assert ok.status_code == 200, ok.text


async def test_unknown_registration(app: FastAPI) -> None:
    async with caller(app) as client:
        unknown = uuid.uuid4()
        assert (await client.post(f"/v1/registrations/{unknown}/code")).status_code == 404
        response = await client.post(f"/v1/registrations/{unknown}/confirm", json={"code": "1234"})
        assert response.status_code == 404
        assert response.json()["code"] == "registration-not-found"
        assert (await client.post("/v1/registrations/not-a-uuid/code")).status_code == 422
        bad_code = await client.post(f"/v1/registrations/{unknown}/confirm", json={"code": "12a4"})
        assert _field_errors(bad_code) == {"#/body/code": "string_pattern_mismatch"}


async def test_a_retried_registration_is_answered_once(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = await client.post("/v1/registrations", json=body, headers=key)
        replay = await client.post("/v1/registrations", json=body, headers=key)
        assert first.status_code == replay.status_code == 201
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == first.json()
        sms = (await client.get("/v1/sandbox/sms", params={"mobile": body["mobile"]})).json()["items"]
        assert len(sms) == 1


async def test_unknown_fields_are_refused(app: FastAPI) -> None:
    async with caller(app) as client:
        body = registration()
        response = await client.post("/v1/registrations", json={**body, "status": "active"})
        assert response.status_code == 422
        assert _field_errors(response) == {"#/body/status": "extra_forbidden"}
        await _nothing_for(app, body)
