"""Password recovery: a way back for whoever forgot the password or was locked out.

Two ways to prove who you are, then one way to set the new password:

- **SMS** (``start_sms``): a code goes to the account's registered mobile, but
  only once the ownership inquiry (Shahkar) confirms the mobile still belongs
  to the national code (a number given up and reassigned must not reset
  anyone's password). The code (``identity.codes``, purpose
  ``password-recovery``) is under the usual sending limits.
- **My Government** (``start_sso``/``complete_sso``): the OIDC flow of
  ``identity.sso`` with purpose ``recovery``; whoever My Government vouches
  for, with a mobile the ownership inquiry confirms, gets a one-time reset
  code (only its SHA-256 is kept) for the account with that national code.

``reset`` takes the code and the new password (the registration's policy,
``identity.passwords``), then revokes every refresh token of the account
(``sessions.revoke_all``) and clears its login back-off
(``login_throttle.clear_account``). The second factor stays as it was: who
has the SIM still needs the authenticator app to log in.

No enumeration: ``start_sms`` answers the same 202 for every well-formed
national code, registered or not, and records a ``PasswordRecovery`` either
way; whether an SMS went out (account, mobile owned, sending limits) shows
only in the audit. An attempt lives as long as an SMS code and takes as many
tries, counted on the attempt itself (committed even when the request fails),
so a recovery with no code behind it fails exactly like one with a wrong
code. The limits on starting (``recovery_max_per_national_code_per_hour``,
``recovery_max_per_requester_per_hour``) count these rows, which exist for
unknown codes too. Every step is audited.

Known limits: for a registered code the answer also waits for the ownership
inquiry and the SMS adapter (milliseconds in the sandbox; a real provider's
latency shows), which sending through a queue would hide; and whoever knows a
national code can use up its hourly recoveries by SMS, while My Government
stays open to the owner.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta

from fastapi import Request
from identity_client.login import SsoStart
from identity_client.recovery import Recovery, RecoveryReset
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, codes, login_repository, login_throttle, passwords, sessions, sso
from identity.config import Settings
from identity.exceptions import (
    AccountNotActive,
    CodeAttemptsExhausted,
    CodeExpired,
    CodeNotFound,
    CodeSpent,
    CodeWrong,
    OwnershipInquiryUnavailable,
    RecoveryAttemptsExhausted,
    RecoveryExpired,
    RecoveryNotFound,
    RecoveryRateLimited,
    RecoverySpent,
    SmsRateLimited,
    SsoAccountNotFound,
)
from identity.models import Party, PasswordRecovery
from identity.state import identity_state
from identity.subjects import subject_of
from kit.clock import now_utc
from kit.errors import field_error

CODE_PURPOSE = "password-recovery"
HOUR = timedelta(hours=1)
_LOCK_NAMESPACE = 0x726563  # "rec"
_CODE_FAILURES = (CodeWrong, CodeNotFound, CodeSpent, CodeExpired, CodeAttemptsExhausted)


def _hash(reset_code: str) -> str:
    return hashlib.sha256(reset_code.encode()).hexdigest()


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


async def _enforce_limits(
    request: Request, session: AsyncSession, national_code: str, requester: str
) -> None:
    """Refuse (429) past the hourly limits, counted alike for registered and unknown codes."""
    settings: Settings = identity_state(request).settings
    for key in ("national-code:" + national_code, "requester:" + requester):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": _LOCK_NAMESPACE, "key": key}
        )
    now = now_utc()
    limits = (
        (PasswordRecovery.national_code == national_code, settings.recovery_max_per_national_code_per_hour,
         "per-national-code-hourly", "for one national code"),
        (PasswordRecovery.requester == requester, settings.recovery_max_per_requester_per_hour,
         "per-requester-hourly", "from one requester"),
    )  # fmt: skip
    for condition, limit, name, scope in limits:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(PasswordRecovery.created_at)).where(
                    condition, PasswordRecovery.created_at > now - HOUR
                )
            )
        ).one()
        if count >= limit:
            raise RecoveryRateLimited(
                f"At most {limit} password recoveries an hour {scope}.",
                retry_after=_seconds_until(oldest + HOUR, now),
                limit=name,
            )


def _audit(
    session: AsyncSession, request: Request, row: PasswordRecovery, action: str, **details: object
) -> None:
    audit.record(
        session,
        actor=codes.requester_of(request),
        action=action,
        object_type="account",
        object_id=row.party_id or login_throttle.account_ref(identity_state(request).kek, row.national_code),
        details={"recovery_id": str(row.id), "method": row.method, **details},
    )


async def start_sms(request: Request, session: AsyncSession, national_code: str) -> Recovery:
    """Open a recovery and, when the account's mobile is confirmed as its own, text it a code."""
    settings: Settings = identity_state(request).settings
    requester = codes.requester_of(request)
    await _enforce_limits(request, session, national_code, requester)
    row = PasswordRecovery(
        id=uuid.uuid4(),
        method="sms",
        national_code=national_code,
        requester=requester,
        expires_at=now_utc() + timedelta(seconds=settings.sms_code_ttl_seconds),
    )
    session.add(row)
    found = await login_repository.natural_person_with_account(session, national_code)
    outcome = "unknown-national-code"
    if found is not None:
        party = found[0]
        row.party_id = party.id
        outcome = await _send_code(request, session, row, party)
    await session.flush()
    _audit(session, request, row, "password-recovery.start", outcome=outcome)
    return Recovery(recovery_id=row.id, method="sms", expires_at=row.expires_at)


async def _send_code(request: Request, session: AsyncSession, row: PasswordRecovery, party: Party) -> str:
    """Text the code if everything allows it; what happened, for the audit only."""
    if party.status != "active" or party.mobile is None:
        return "account-not-active"
    try:
        await codes.enforce_sending_limits(request, session, mobile=party.mobile, purpose=CODE_PURPOSE)
        if not await identity_state(request).ownership.owns(
            session, national_code=row.national_code, mobile=party.mobile
        ):
            return "mobile-not-owned"
        code = await codes.issue(
            request,
            session,
            purpose=CODE_PURPOSE,
            mobile=party.mobile,
            party_id=party.id,
            message="Panjereh password recovery code: {code}. If you did not ask for it, ignore this message.",
        )
    except SmsRateLimited as exc:
        return f"sms-rate-limited:{exc.extra.get('limit', '')}"
    except OwnershipInquiryUnavailable:
        return "ownership-inquiry-unavailable"
    row.verification_code_id = code.id
    return "sent"


async def start_sso(request: Request, session: AsyncSession, redirect_uri: str | None) -> SsoStart:
    return await sso.start(request, session, redirect_uri, purpose="recovery")


async def complete_sso(
    request: Request, session: AsyncSession, *, state: str, code: str | None, error: str | None
) -> Recovery:
    """Back from My Government: a recovery of the account with the vouched national code, and its reset code."""
    national_code, _ = await sso.authenticate(
        request, session, state=state, code=code, error=error, purpose="recovery"
    )
    found = await login_repository.natural_person_with_account(session, national_code)
    if found is None:
        raise SsoAccountNotFound("No Panjereh account has this national code; register first.")
    party, _ = found
    if party.status != "active":
        raise AccountNotActive("The Panjereh account with this national code is not active.")
    reset_code = secrets.token_urlsafe(32)
    row = PasswordRecovery(
        id=uuid.uuid4(),
        method="my-government",
        national_code=national_code,
        party_id=party.id,
        requester=codes.requester_of(request),
        reset_code_hash=_hash(reset_code),
        expires_at=now_utc() + timedelta(seconds=identity_state(request).settings.recovery_ttl_seconds),
    )
    session.add(row)
    await session.flush()
    _audit(session, request, row, "password-recovery.start", outcome="my-government-verified")
    return Recovery(
        recovery_id=row.id, method="my-government", expires_at=row.expires_at, reset_code=reset_code
    )


async def reset(request: Request, session: AsyncSession, recovery_id: uuid.UUID, data: RecoveryReset) -> None:
    """Set the new password with the recovery's code; end every session of the account."""
    attempts_left = await _count_attempt(request, recovery_id)
    row = await session.get(PasswordRecovery, recovery_id, with_for_update=True, populate_existing=True)
    assert row is not None
    if row.completed_at is not None:  # a concurrent request won
        raise RecoverySpent("This recovery was already used.")
    if not await _code_right(request, session, row, data.code):
        raise CodeWrong(
            f"The code is wrong; {attempts_left} attempt(s) left.",
            errors=[field_error("#/body/code", "wrong code", "code_wrong")],
            attempts_left=attempts_left,
        )
    assert row.party_id is not None  # only a recovery of an account has a right code
    party = await session.get(Party, row.party_id)
    account = await login_repository.account(session, row.party_id, lock=True)
    assert party is not None
    assert account is not None
    passwords.check(data.password, national_code=party.national_code, mobile=party.mobile)
    now = now_utc()
    account.password_hash = await passwords.hash_password(data.password)
    account.password_changed_at = now
    row.completed_at = now
    actor = subject_of(party)
    await sessions.revoke_all(session, party.id, actor=actor, reason="password-reset")
    cleared = await login_throttle.clear_account(session, identity_state(request).kek, row.national_code)
    audit.record(
        session,
        actor=actor,
        action="account.password-reset",
        object_type="account",
        object_id=party.id,
        details={"recovery_id": str(row.id), "method": row.method, "back_off_cleared": cleared},
    )
    await session.flush()


async def _count_attempt(request: Request, recovery_id: uuid.UUID) -> int:
    """Check the recovery is open and count this try, committed; the tries left."""
    max_attempts = identity_state(request).settings.recovery_max_attempts
    async with identity_state(request).runtime.sessionmaker() as own, own.begin():
        row = await own.get(PasswordRecovery, recovery_id, with_for_update=True)
        if row is None:
            raise RecoveryNotFound("No password recovery with this ID; start again.")
        if row.completed_at is not None:
            raise RecoverySpent("This recovery was already used; start again to change the password again.")
        if row.expires_at <= now_utc():
            raise RecoveryExpired("The time for this recovery is over; start again.")
        if row.attempts >= max_attempts:
            raise RecoveryAttemptsExhausted("Too many wrong codes; start again.")
        row.attempts += 1
        return max_attempts - row.attempts


async def _code_right(request: Request, session: AsyncSession, row: PasswordRecovery, code: str) -> bool:
    if row.method == "my-government":
        return row.reset_code_hash is not None and hmac.compare_digest(row.reset_code_hash, _hash(code))
    if row.verification_code_id is None:  # nothing was sent: no code can be right
        return False
    try:
        await codes.check(request, session, code_id=row.verification_code_id, purpose=CODE_PURPOSE, code=code)
    except _CODE_FAILURES:
        return False
    return True
