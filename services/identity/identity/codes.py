"""One-time codes sent by SMS: issue, then check.

A code is ``settings.sms_code_length`` digits (4, as in the seed), valid
``sms_code_ttl_seconds`` (2 minutes), with at most ``sms_code_max_attempts``
(5) tries. Only an HMAC of the code is stored. A code is bound to a purpose and
a mobile number, so a registration code cannot confirm a key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from identity.exceptions import CodeAttemptsExhausted, CodeExpired, CodeNotFound, CodeSpent, CodeWrong
from identity.models import VerificationCode
from kit.clock import now_utc


def _digest(code_id: uuid.UUID, code: str) -> str:
    return hmac.new(code_id.bytes, code.encode(), hashlib.sha256).hexdigest()


def requester_of(request: Request) -> str:
    """Who asked for a code, for the per-client sending limit: the token's
    subject or client when there is one, else the caller's address."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return principal.rate_limit_key
    return f"ip:{request.client.host if request.client else 'unknown'}"


async def issue(
    request: Request,
    session: AsyncSession,
    *,
    purpose: str,
    mobile: str,
    party_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    message: str = "Panjereh code: {code}",
) -> VerificationCode:
    """Create a code for ``purpose`` and send it to ``mobile`` with the app's SMS adapter."""
    settings = request.app.state.settings
    code = "".join(secrets.choice("0123456789") for _ in range(settings.sms_code_length))
    row = VerificationCode(
        id=uuid.uuid4(),
        purpose=purpose,
        mobile=mobile,
        party_id=party_id,
        requester=requester_of(request),
        data=data or {},
        expires_at=now_utc() + timedelta(seconds=settings.sms_code_ttl_seconds),
    )
    row.code_hash = _digest(row.id, code)
    session.add(row)
    await session.flush()
    await request.app.state.sms.send(session, mobile=mobile, body=message.format(code=code), purpose=purpose)
    return row


async def check(
    request: Request, session: AsyncSession, *, code_id: uuid.UUID, purpose: str, code: str
) -> VerificationCode:
    """The code row when ``code`` is right; marks it spent in the caller's transaction.

    Every try is counted first, in its own committed transaction, so a wrong
    code still counts although the request fails and its transaction rolls back.
    """
    settings = request.app.state.settings
    async with request.app.state.sessionmaker() as counter, counter.begin():
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
            errors=[{"pointer": "#/body/code", "detail": "wrong code", "type": "code_wrong"}],
            attempts_left=attempts_left,
        )
    row = await session.get(VerificationCode, code_id, with_for_update=True)
    assert row is not None
    if row.consumed_at is not None:  # a concurrent request won
        raise CodeSpent("This code was already used; ask for a new one.")
    row.consumed_at = now_utc()
    await session.flush()
    return row
