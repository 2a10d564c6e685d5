"""SMS codes: sending limits per number, per purpose and per requester (OWASP API4), and checking."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI, Request
from identity_testing.accounts import caller, registration
from identity_testing.parties import mobile
from kit_testing import app_client
from sqlalchemy import func, select, update

from identity import codes
from identity.exceptions import CodeNotFound, CodeSpent, SmsRateLimited
from identity.main import create_app
from identity.models import Party, VerificationCode
from identity.state import identity_state_of
from kit.auth import Principal
from kit.runtime import ATTRIBUTE, runtime_of


def _request(app: Any, address: str = "10.250.0.1", principal: Principal | None = None) -> Request:
    request = Request({"type": "http", "app": app, "client": (address, 1), "headers": [], "state": {}})
    if principal is not None:
        request.state.principal = principal
    return request


def _limited_app(app: FastAPI, **limits: int) -> SimpleNamespace:
    """``app`` seen by ``codes`` with other limits (the shared app's settings stay as they are)."""
    state = identity_state_of(app)
    runtime = dataclasses.replace(state.runtime, settings=state.settings.model_copy(update=limits))
    return SimpleNamespace(state=SimpleNamespace(**{ATTRIBUTE: dataclasses.replace(state, runtime=runtime)}))


async def _issue(request: Request, to: str, purpose: str = "register") -> VerificationCode:
    async with runtime_of(request.app).sessionmaker() as session, session.begin():
        return await codes.issue(request, session, purpose=purpose, mobile=to)


async def _age(app: FastAPI, to: str, seconds: int) -> None:
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(VerificationCode)
            .where(VerificationCode.mobile == to)
            .values(created_at=VerificationCode.created_at - timedelta(seconds=seconds))
        )


async def test_one_code_a_minute_per_number_and_purpose_five_an_hour_per_number(app: FastAPI) -> None:
    request, to = _request(app, "10.250.0.2"), mobile()
    await _issue(request, to, "register")
    await _issue(request, to, "login")  # another purpose is not held back by the interval
    with pytest.raises(SmsRateLimited) as caught:
        await _issue(request, to, "register")
    assert caught.value.extra["limit"] == "per-mobile-interval"
    assert 55 <= int(caught.value.headers["Retry-After"]) <= 60

    await _age(app, to, 61)
    await _issue(request, to, "register")
    await _issue(request, to, "mobile-change")
    await _issue(request, to, "signature-key")
    with pytest.raises(SmsRateLimited) as caught:  # five in the hour, whatever their purposes
        await _issue(request, to, "two-factor")
    assert caught.value.extra["limit"] == "per-mobile-hourly"
    assert 3535 <= int(caught.value.headers["Retry-After"]) <= 3540

    await _age(app, to, 3600 - 61)  # the two first codes leave the hour
    await _issue(request, to, "two-factor")


async def test_per_requester_limit_by_address_and_by_token_subject(app: FastAPI) -> None:
    limited = _limited_app(app, sms_max_per_requester_per_hour=3)
    by_address = _request(limited, "10.250.0.3")
    for _ in range(3):
        await _issue(by_address, mobile())
    with pytest.raises(SmsRateLimited) as caught:
        await _issue(by_address, mobile())
    assert caught.value.extra["limit"] == "per-requester-hourly"
    assert int(caught.value.headers["Retry-After"]) > 3500
    await _issue(_request(limited, "10.250.0.4"), mobile())  # another caller has its own budget

    user = Principal(subject=f"user:{uuid.uuid4()}")
    for address in ("10.250.0.5", "10.250.0.6", "10.250.0.7"):  # a token's subject counts, not the address
        await _issue(_request(limited, address, user), mobile())
    with pytest.raises(SmsRateLimited):
        await _issue(_request(limited, "10.250.0.8", user), mobile())


async def test_concurrent_requests_cannot_both_pass_the_limit(app: FastAPI) -> None:
    to = mobile()
    results = await asyncio.gather(
        _issue(_request(app, "10.250.0.9"), to),
        _issue(_request(app, "10.250.0.10"), to),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["SmsRateLimited", "VerificationCode"]
    async with runtime_of(app).sessionmaker() as session:
        sent = await session.scalar(
            select(func.count()).select_from(VerificationCode).where(VerificationCode.mobile == to)
        )
    assert sent == 1


async def test_check_reads_persian_digits_and_binds_the_purpose(app: FastAPI) -> None:
    request, to = _request(app, "10.250.0.11"), mobile()
    row = await _issue(request, to, "register")
    async with caller(app) as client:
        body = (await client.get("/v1/sandbox/sms", params={"mobile": to})).json()["items"][0]["body"]
    code = body.rsplit(" ", 1)[-1]
    async with runtime_of(app).sessionmaker() as session, session.begin():
        with pytest.raises(CodeNotFound):
            await codes.check(request, session, code_id=row.id, purpose="mobile-change", code=code)
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    async with runtime_of(app).sessionmaker() as session, session.begin():
        checked = await codes.check(request, session, code_id=row.id, purpose="register", code=persian)
        assert checked.consumed_at is not None
    async with runtime_of(app).sessionmaker() as session, session.begin():
        with pytest.raises(CodeSpent):
            await codes.check(request, session, code_id=row.id, purpose="register", code=code)


class _CountingOwnership:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.asked = 0
        self.name = inner.name

    async def owns(self, session: Any, *, national_code: str, mobile: str) -> bool:
        self.asked += 1
        return await self.inner.owns(session, national_code=national_code, mobile=mobile)


@pytest.fixture(scope="module")
async def strict_app(settings_for) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    """A sandbox identity that sends at most 3 codes an hour per requester."""
    app = create_app(settings_for("identity", sandbox=True, sms_max_per_requester_per_hour=3))
    async with app_client(app):
        identity_state_of(app).ownership = _CountingOwnership(identity_state_of(app).ownership)
        yield app


async def test_registrations_beyond_the_requester_limit_are_refused_before_any_paid_step(
    strict_app: FastAPI,
) -> None:
    async with caller(strict_app) as client:
        for _ in range(3):
            assert (await client.post("/v1/registrations", json=registration())).status_code == 201
        asked = identity_state_of(strict_app).ownership.asked
        body = registration()
        refused = await client.post("/v1/registrations", json=body)
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "sms-rate-limited"
        assert refused.json()["limit"] == "per-requester-hourly"
        assert int(refused.headers["retry-after"]) > 3500
        assert identity_state_of(strict_app).ownership.asked == asked  # no ownership inquiry was paid for
        async with runtime_of(strict_app).sessionmaker() as session:
            assert (
                await session.scalar(select(Party).where(Party.national_code == body["national_code"]))
                is None
            )
    async with caller(strict_app) as other:
        assert (await other.post("/v1/registrations", json=body)).status_code == 201
