"""SMS codes: sending limits per number, per purpose and per requester (OWASP API4), and checking."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from identity_testing.accounts import caller, registration
from identity_testing.parties import mobile
from kit_testing import app_client
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity import codes
from identity.accounts.models import Party
from identity.context import Context
from identity.exceptions import CodeNotFound, CodeSpent, SmsRateLimited
from identity.main import create_app
from identity.models import VerificationCode
from identity.state import IdentityState, identity_state_of
from kit.auth import Principal
from kit.runtime import runtime_of


@dataclass(frozen=True)
class _Asker:
    """Who asks for codes: an address, maybe a token's principal, and the state they reach."""

    state: IdentityState
    address: str
    principal: Principal | None = None

    def context(self, session: AsyncSession) -> Context:
        return Context(
            state=self.state,
            session=session,
            client_ip=self.address,
            request_id=None,
            principal=self.principal,
        )


def _asker(state: IdentityState, address: str = "10.250.0.1", principal: Principal | None = None) -> _Asker:
    return _Asker(state, address, principal)


def _limited(app: FastAPI, **limits: int) -> IdentityState:
    """``app``'s state as ``codes`` sees it with other limits (the shared app's settings stay as they are)."""
    state = identity_state_of(app)
    return replace(state, runtime=replace(state.runtime, settings=state.settings.model_copy(update=limits)))


async def _issue(asker: _Asker, to: str, purpose: str = "register") -> VerificationCode:
    async with asker.state.runtime.sessionmaker() as session, session.begin():
        return await codes.issue(asker.context(session), purpose=purpose, mobile=to)


async def _age(app: FastAPI, to: str, seconds: int) -> None:
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(VerificationCode)
            .where(VerificationCode.mobile == to)
            .values(created_at=VerificationCode.created_at - timedelta(seconds=seconds))
        )


async def test_one_code_a_minute_per_number_and_purpose_five_an_hour_per_number(app: FastAPI) -> None:
    asker, to = _asker(identity_state_of(app), "10.250.0.2"), mobile()
    await _issue(asker, to, "register")
    await _issue(asker, to, "login")  # another purpose is not held back by the interval
    with pytest.raises(SmsRateLimited) as caught:
        await _issue(asker, to, "register")
    assert caught.value.extra["limit"] == "per-mobile-interval"
    assert 55 <= int(caught.value.headers["Retry-After"]) <= 60

    await _age(app, to, 61)
    await _issue(asker, to, "register")
    await _issue(asker, to, "mobile-change")
    await _issue(asker, to, "signature-key")
    with pytest.raises(SmsRateLimited) as caught:  # five in the hour, whatever their purposes
        await _issue(asker, to, "two-factor")
    assert caught.value.extra["limit"] == "per-mobile-hourly"
    assert 3535 <= int(caught.value.headers["Retry-After"]) <= 3540

    await _age(app, to, 3600 - 61)  # the two first codes leave the hour
    await _issue(asker, to, "two-factor")


async def test_per_requester_limit_by_address_and_by_token_subject(app: FastAPI) -> None:
    limited = _limited(app, sms_max_per_requester_per_hour=3)
    by_address = _asker(limited, "10.250.0.3")
    for _ in range(3):
        await _issue(by_address, mobile())
    with pytest.raises(SmsRateLimited) as caught:
        await _issue(by_address, mobile())
    assert caught.value.extra["limit"] == "per-requester-hourly"
    assert int(caught.value.headers["Retry-After"]) > 3500
    await _issue(_asker(limited, "10.250.0.4"), mobile())  # another caller has its own budget

    user = Principal(subject=f"user:{uuid.uuid4()}")
    for address in ("10.250.0.5", "10.250.0.6", "10.250.0.7"):  # a token's subject counts, not the address
        await _issue(_asker(limited, address, user), mobile())
    with pytest.raises(SmsRateLimited):
        await _issue(_asker(limited, "10.250.0.8", user), mobile())


async def test_concurrent_requests_cannot_both_pass_the_limit(app: FastAPI) -> None:
    to = mobile()
    results = await asyncio.gather(
        _issue(_asker(identity_state_of(app), "10.250.0.9"), to),
        _issue(_asker(identity_state_of(app), "10.250.0.10"), to),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["SmsRateLimited", "VerificationCode"]
    async with runtime_of(app).sessionmaker() as session:
        sent = await session.scalar(
            select(func.count()).select_from(VerificationCode).where(VerificationCode.mobile == to)
        )
    assert sent == 1


async def test_check_reads_persian_digits_and_binds_the_purpose(app: FastAPI) -> None:
    asker, to = _asker(identity_state_of(app), "10.250.0.11"), mobile()
    row = await _issue(asker, to, "register")
    async with caller(app) as client:
        body = (await client.get("/v1/sandbox/sms", params={"mobile": to})).json()["items"][0]["body"]
    code = body.rsplit(" ", 1)[-1]
    async with runtime_of(app).sessionmaker() as session, session.begin():
        with pytest.raises(CodeNotFound):
            await codes.check(asker.context(session), code_id=row.id, purpose="mobile-change", code=code)
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    async with runtime_of(app).sessionmaker() as session, session.begin():
        checked = await codes.check(asker.context(session), code_id=row.id, purpose="register", code=persian)
        assert checked.consumed_at is not None
    async with runtime_of(app).sessionmaker() as session, session.begin():
        with pytest.raises(CodeSpent):
            await codes.check(asker.context(session), code_id=row.id, purpose="register", code=code)


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
