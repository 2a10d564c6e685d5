"""One-time codes sent by SMS: issue, then check.

A code is ``settings.sms_code_length`` digits (4, as in the seed), valid
``sms_code_ttl_seconds`` (2 minutes), with at most ``sms_code_max_attempts``
(5) tries. Only an HMAC of the code is stored. A code is bound to a purpose and
a mobile number, so a registration code cannot confirm a key.

Sending is limited, because every SMS (and every ownership inquiry before it)
is paid and a free endpoint that sends them is an abuse target (OWASP API4):

- per mobile number: one code per ``sms_min_interval_seconds`` (60) for the
  same purpose, and at most ``sms_max_per_mobile_per_hour`` (5) in any hour;
- per requester (the token's subject or client, else the caller's address):
  at most ``sms_max_per_requester_per_hour`` (20) in any hour.

The counts come from ``verification_codes`` itself, so they hold across
replicas; an advisory lock per number and per requester, held until the
transaction ends, keeps two concurrent requests from both passing.
A refusal is 429 ``sms-rate-limited`` with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from identity.exceptions import (
    CodeAttemptsExhausted,
    CodeExpired,
    CodeNotFound,
    CodeSpent,
    CodeWrong,
    SmsRateLimited,
)
from identity.models import VerificationCode
from identity.state import identity_state
from kit.clock import now_utc
from kit.errors import field_error
from panjereh_contract.identifiers import normalise_digits

HOUR = timedelta(hours=1)
# Namespace of the two-key advisory locks taken while counting (pg_advisory_xact_lock(int, int)).
_LOCK_NAMESPACE = 0x736D73  # "sms"


def _digest(code_id: uuid.UUID, code: str) -> str:
    return hmac.new(code_id.bytes, code.encode(), hashlib.sha256).hexdigest()


def requester_of(request: Request) -> str:
    """Who asked for a code, for the per-client sending limit: the token's
    subject or client when there is one, else the caller's address."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return principal.rate_limit_key
    return f"ip:{request.client.host if request.client else 'unknown'}"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


async def _lock(session: AsyncSession, key: str) -> None:
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _LOCK_NAMESPACE, "key": key}
    )


async def enforce_sending_limits(
    request: Request, session: AsyncSession, *, mobile: str, purpose: str
) -> None:
    """Raise ``SmsRateLimited`` if a code for ``purpose`` may not be sent to ``mobile`` now.

    Call it before any paid step (the ownership inquiry); ``issue`` calls it again.
    """
    settings = identity_state(request).settings
    requester = requester_of(request)
    await _lock(session, "mobile:" + mobile)
    await _lock(session, "requester:" + requester)
    now = now_utc()
    since = now - HOUR
    sent = VerificationCode.created_at
    last_for_purpose, count, oldest = (
        await session.execute(
            select(
                func.max(sent).filter(VerificationCode.purpose == purpose),
                func.count(),
                func.min(sent),
            ).where(VerificationCode.mobile == mobile, sent > since)
        )
    ).one()
    interval = timedelta(seconds=settings.sms_min_interval_seconds)
    if last_for_purpose is not None and last_for_purpose + interval > now:
        raise SmsRateLimited(
            f"A code was just sent to this number; ask again in "
            f"{_seconds_until(last_for_purpose + interval, now)} second(s).",
            retry_after=_seconds_until(last_for_purpose + interval, now),
            limit="per-mobile-interval",
        )
    if count >= settings.sms_max_per_mobile_per_hour:
        raise SmsRateLimited(
            f"At most {settings.sms_max_per_mobile_per_hour} codes an hour are sent to one number.",
            retry_after=_seconds_until(oldest + HOUR, now),
            limit="per-mobile-hourly",
        )
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(sent)).where(VerificationCode.requester == requester, sent > since)
        )
    ).one()
    if count >= settings.sms_max_per_requester_per_hour:
        raise SmsRateLimited(
            f"At most {settings.sms_max_per_requester_per_hour} codes an hour are sent for one requester.",
            retry_after=_seconds_until(oldest + HOUR, now),
            limit="per-requester-hourly",
        )


async def issue(
    request: Request,
    session: AsyncSession,
    *,
    purpose: str,
    mobile: str,
    party_id: uuid.UUID | None = None,
    registration_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    message: str = "Panjereh code: {code}",
) -> VerificationCode:
    """Create a code for ``purpose`` and send it to ``mobile`` with the app's SMS adapter,
    within the sending limits (``SmsRateLimited`` otherwise)."""
    await enforce_sending_limits(request, session, mobile=mobile, purpose=purpose)
    settings = identity_state(request).settings
    code = "".join(secrets.choice("0123456789") for _ in range(settings.sms_code_length))
    row = VerificationCode(
        id=uuid.uuid4(),
        purpose=purpose,
        mobile=mobile,
        party_id=party_id,
        registration_id=registration_id,
        requester=requester_of(request),
        data=data or {},
        expires_at=now_utc() + timedelta(seconds=settings.sms_code_ttl_seconds),
    )
    row.code_hash = _digest(row.id, code)
    session.add(row)
    await session.flush()
    await identity_state(request).sms.send(
        session, mobile=mobile, body=message.format(code=code), purpose=purpose, code=code
    )
    return row


async def check(
    request: Request, session: AsyncSession, *, code_id: uuid.UUID, purpose: str, code: str
) -> VerificationCode:
    """The code row when ``code`` is right; marks it spent in the caller's transaction.

    Every try is counted first, in its own committed transaction, so a wrong
    code still counts although the request fails and its transaction rolls back.
    Persian and Arabic digits in ``code`` are read as 0-9.
    """
    settings = identity_state(request).settings
    code = normalise_digits(code)
    async with identity_state(request).runtime.sessionmaker() as counter, counter.begin():
        tried = await counter.get(VerificationCode, code_id, with_for_update=True)
        if tried is None or tried.purpose != purpose:
            raise CodeNotFound("No such code for this step; ask for a new one.")
        if tried.consumed_at is not None:
            raise CodeSpent("This code was already used; ask for a new one.")
        if tried.expires_at <= now_utc():
            raise CodeExpired("The code has expired; ask for a new one.")
        if tried.attempts >= settings.sms_code_max_attempts:
            raise CodeAttemptsExhausted("Too many wrong codes; ask for a new one.")
        tried.attempts += 1
        attempts_left = settings.sms_code_max_attempts - tried.attempts
        right = hmac.compare_digest(tried.code_hash, _digest(tried.id, code))
    if not right:
        raise CodeWrong(
            f"The code is wrong; {attempts_left} attempt(s) left.",
            errors=[field_error("#/body/code", "wrong code", "code_wrong")],
            attempts_left=attempts_left,
        )
    row = await session.get(VerificationCode, code_id, with_for_update=True, populate_existing=True)
    assert row is not None
    if row.consumed_at is not None:  # a concurrent request won
        raise CodeSpent("This code was already used; ask for a new one.")
    row.consumed_at = now_utc()
    await session.flush()
    return row


async def latest(
    session: AsyncSession, *, party_id: uuid.UUID, mobile: str, purpose: str
) -> VerificationCode | None:
    """The party's newest code for ``purpose`` sent to ``mobile`` (index on mobile, created_at):
    only the newest code confirms a step."""
    return await session.scalar(
        select(VerificationCode)
        .where(
            VerificationCode.mobile == mobile,
            VerificationCode.party_id == party_id,
            VerificationCode.purpose == purpose,
        )
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .limit(1)
    )


async def latest_of_registration(
    session: AsyncSession, registration_id: uuid.UUID
) -> VerificationCode | None:
    """The newest code sent for one registration attempt: only it confirms that attempt,
    and no other attempt's code does."""
    return await session.scalar(
        select(VerificationCode)
        .where(VerificationCode.registration_id == registration_id)
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .limit(1)
    )
