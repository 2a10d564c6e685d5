"""Login with national code and password, then the second factor the user chose.

Rules (ASVS 5.0 V6):

- An unknown national code and a wrong password get the same 401 answer, and
  take about as long: an unknown code is checked against a dummy hash.
- Failures in a row are counted on the account (``failed_logins``), in their
  own committed transaction, since the request's transaction rolls back with
  the error. A wrong second-factor code counts as a failure too. From the
  ``login_lockout_threshold``-th failure (5) the account is locked for 1
  minute, then 2, 4, 8 ... minutes with each further failure, at most
  ``login_lockout_max_minutes`` (60). While locked, logins get 429 with
  ``Retry-After`` and the password is not even checked. A successful login
  resets the count.
- A pending (mobile not confirmed) or disabled account cannot log in; this is
  told only to whoever gave the right password.
- With a second factor on, the password opens a ``LoginChallenge`` (2-5
  minutes, 5 tries, single use) answered at ``POST /v1/login/{id}/verify``.
- The hash is upgraded when pwdlib says its parameters are outdated.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta

from fastapi import Request
from identity_client.login import LoginChallenge as LoginChallengeOut
from identity_client.login import LoginRequest
from identity_client.models import TokenResponse
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, codes, login_repository, passwords, sessions, totp
from identity.exceptions import (
    AccountLocked,
    AccountNotActive,
    CodeWrong,
    LoginChallengeAttemptsExhausted,
    LoginChallengeExpired,
    LoginChallengeNotFound,
    LoginChallengeSpent,
    LoginFailed,
)
from identity.models import Account, LoginChallenge, Party
from identity.subjects import subject_of
from kit.clock import now_utc

LOGIN_CODE_PURPOSE = "login"
AMR = {"sms": "sms", "totp": "otp"}  # RFC 8176 method references


def lockout_minutes(failures: int, threshold: int, cap: int) -> int:
    """How long the ``failures``-th failure in a row locks the account (0: not locked)."""
    if failures < threshold:
        return 0
    return min(cap, 2 ** min(failures - threshold, 30))


def refuse_if_locked(account: Account, now: datetime) -> None:
    if account.locked_until is not None and account.locked_until > now:
        raise AccountLocked(max(1, math.ceil((account.locked_until - now).total_seconds())))


async def count_failure(request: Request, party_id: uuid.UUID) -> None:
    """Count a failed login in a transaction of its own; lock the account from the threshold on."""
    settings = request.app.state.settings
    async with request.app.state.sessionmaker() as own, own.begin():
        account = await login_repository.account(own, party_id, lock=True)
        if account is None:
            return
        account.failed_logins += 1
        minutes = lockout_minutes(
            account.failed_logins, settings.login_lockout_threshold, settings.login_lockout_max_minutes
        )
        if minutes:
            account.locked_until = now_utc() + timedelta(minutes=minutes)
            audit.record(
                own,
                actor=f"user:{party_id}",
                action="account.lock",
                object_type="account",
                object_id=party_id,
                details={"failed_logins": account.failed_logins, "minutes": minutes},
            )


def reset_failures(account: Account) -> None:
    if account.failed_logins or account.locked_until is not None:
        account.failed_logins = 0
        account.locked_until = None


async def login(
    request: Request, session: AsyncSession, data: LoginRequest
) -> TokenResponse | LoginChallengeOut:
    """Check the password; answer the tokens, or a challenge for the second factor."""
    found = await login_repository.natural_person_with_account(session, data.national_code)
    if found is None:
        await passwords.verify_password(data.password, passwords.DUMMY_HASH)
        raise LoginFailed()
    party, account = found
    refuse_if_locked(account, now_utc())
    right, upgraded = await passwords.verify_password(data.password, account.password_hash)
    if not right:
        await count_failure(request, party.id)
        raise LoginFailed()
    if party.status != "active":
        raise AccountNotActive(
            "Confirm your mobile number to activate the account."
            if party.status == "pending"
            else "The account is disabled."
        )
    if upgraded is not None:
        account.password_hash = upgraded
    if account.two_factor == "none":
        return await _complete(request, session, party, account, amr=["pwd"])
    return await _open_challenge(request, session, party, account)


async def _open_challenge(
    request: Request, session: AsyncSession, party: Party, account: Account
) -> LoginChallengeOut:
    settings = request.app.state.settings
    expires_at = now_utc() + timedelta(seconds=settings.login_challenge_ttl_seconds)
    challenge = LoginChallenge(
        id=uuid.uuid4(), party_id=party.id, method=account.two_factor, expires_at=expires_at
    )
    if account.two_factor == "sms":
        assert party.mobile is not None  # an active natural person has a confirmed mobile
        code = await codes.issue(
            request,
            session,
            purpose=LOGIN_CODE_PURPOSE,
            mobile=party.mobile,
            party_id=party.id,
            message="Panjereh login code: {code}. Never tell it to anyone.",
        )
        challenge.verification_code_id = code.id
        challenge.expires_at = min(expires_at, code.expires_at)
    session.add(challenge)
    await session.flush()
    return LoginChallengeOut(
        challenge_id=challenge.id,
        method=account.two_factor,  # type: ignore[arg-type]
        expires_at=challenge.expires_at,
    )


async def verify(
    request: Request, session: AsyncSession, challenge_id: uuid.UUID, code: str
) -> TokenResponse:
    """Answer a challenge with the SMS or TOTP code; the tokens when it is right."""
    attempts_left = await _count_attempt(request, challenge_id)
    challenge = await login_repository.challenge(session, challenge_id, lock=True)
    assert challenge is not None
    if challenge.completed_at is not None:  # a concurrent request won
        raise LoginChallengeSpent("This login was already completed.")
    party = await session.get(Party, challenge.party_id)
    account = await login_repository.account(session, challenge.party_id)
    assert party is not None
    assert account is not None
    refuse_if_locked(account, now_utc())
    if party.status != "active":
        raise AccountNotActive("The account is not active.")
    if not await _second_factor_right(request, session, challenge, account, code):
        await count_failure(request, party.id)
        raise CodeWrong(
            f"The code is wrong; {attempts_left} attempt(s) left.",
            errors=[{"pointer": "#/body/code", "detail": "wrong code", "type": "code_wrong"}],
            attempts_left=attempts_left,
        )
    challenge.completed_at = now_utc()
    return await _complete(request, session, party, account, amr=["pwd", AMR[challenge.method]])


async def _count_attempt(request: Request, challenge_id: uuid.UUID) -> int:
    """Check the challenge is open and count this try, committed; the tries left."""
    max_attempts = request.app.state.settings.login_challenge_max_attempts
    async with request.app.state.sessionmaker() as own, own.begin():
        challenge = await login_repository.challenge(own, challenge_id, lock=True)
        if challenge is None:
            raise LoginChallengeNotFound("No login in progress with this ID; log in again.")
        if challenge.completed_at is not None:
            raise LoginChallengeSpent("This login was already completed; log in again for new tokens.")
        if challenge.expires_at <= now_utc():
            raise LoginChallengeExpired("The time for the code is over; log in again.")
        if challenge.attempts >= max_attempts:
            raise LoginChallengeAttemptsExhausted("Too many wrong codes; log in again.")
        challenge.attempts += 1
        return max_attempts - challenge.attempts


async def _second_factor_right(
    request: Request, session: AsyncSession, challenge: LoginChallenge, account: Account, code: str
) -> bool:
    if challenge.method == "sms":
        assert challenge.verification_code_id is not None
        try:
            await codes.check(
                request,
                session,
                code_id=challenge.verification_code_id,
                purpose=LOGIN_CODE_PURPOSE,
                code=code,
            )
        except CodeWrong:
            return False
        return True
    return await check_totp(request, session, account, code)


async def check_totp(request: Request, session: AsyncSession, account: Account, code: str) -> bool:
    """Whether ``code`` is the account's current TOTP code, not used before."""
    if account.totp_secret_encrypted is None:
        return False
    secret = totp.decrypt_secret(request.app.state.kek, account.party_id, account.totp_secret_encrypted)
    step = totp.matching_step(secret, code)
    return step is not None and await login_repository.claim_totp_step(session, account.party_id, step)


async def _complete(
    request: Request, session: AsyncSession, party: Party, account: Account, *, amr: list[str]
) -> TokenResponse:
    reset_failures(account)
    await session.flush()
    audit.record(
        session,
        actor=subject_of(party),
        action="login",
        object_type="account",
        object_id=party.id,
        details={"amr": amr},
    )
    return await sessions.start(request, session, party, amr=amr)
