"""Login with national code and password, then the second factor the user chose.

Rules (ASVS 5.0 V6):

- An unknown national code, a wrong password and a login refused by the
  back-off get the same 401 answer, and take about as long: the password is
  always hashed, an unknown code against a dummy hash.
- Failures are counted per (national code, source address), per source and
  per national code (``identity.login_throttle``, which explains the design):
  a source that keeps failing backs off, an account is never locked, and the
  owner logging in from elsewhere gets in. When many sources fail against one
  account, a right password also needs an SMS code (a login challenge). A
  wrong second-factor code counts as a failure too.
- A pending (mobile not confirmed) or disabled account cannot log in; this is
  told only to whoever gave the right password.
- With a second factor on, the password opens a ``LoginChallenge`` (2-5
  minutes, 5 tries, single use) answered at ``POST /v1/login/{id}/verify``.
- The hash is upgraded when pwdlib says its parameters are outdated.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import Request
from identity_client.login import LoginChallenge as LoginChallengeOut
from identity_client.login import LoginRequest
from identity_client.models import TokenResponse
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, codes, login_repository, login_throttle, passwords, sessions, totp
from identity.exceptions import (
    AccountNotActive,
    CodeWrong,
    LoginChallengeAttemptsExhausted,
    LoginChallengeExpired,
    LoginChallengeNotFound,
    LoginChallengeSpent,
    LoginFailed,
)
from identity.models import Account, LoginChallenge, Party
from identity.state import identity_state
from identity.subjects import subject_of
from kit.clock import now_utc
from kit.errors import field_error

LOGIN_CODE_PURPOSE = "login"
AMR = {"sms": "sms", "totp": "otp"}  # RFC 8176 method references


async def password_confirmed(request: Request, session: AsyncSession, party: Party, password: str) -> bool:
    """Whether ``password`` is the party's, under the login back-off: a refusal or a
    wrong password counts as a failed login (for steps that ask the password again)."""
    assert party.national_code is not None
    attempt = login_throttle.attempt_of(request, party.national_code)
    account = await login_repository.account(session, party.id)
    assert account is not None
    refused = (await login_throttle.verdict(request, session, attempt)).refused
    right, _ = await passwords.verify_password(password, account.password_hash)
    if refused or not right:
        reason = "backed-off" if refused else "wrong-password"
        await login_throttle.count_failure(request, attempt, object_id=party.id, reason=reason)
        return False
    return True


async def login(
    request: Request, session: AsyncSession, data: LoginRequest
) -> TokenResponse | LoginChallengeOut:
    """Check the password; answer the tokens, or a challenge for the second factor."""
    attempt = login_throttle.attempt_of(request, data.national_code)
    found = await login_repository.natural_person_with_account(session, data.national_code)
    verdict = await login_throttle.verdict(request, session, attempt)
    stored_hash = found[1].password_hash if found else passwords.DUMMY_HASH
    right, upgraded = await passwords.verify_password(data.password, stored_hash)
    if found is None or verdict.refused or not right:
        reason = (
            "unknown-national-code"
            if found is None
            else "backed-off"
            if verdict.refused
            else "wrong-password"
        )
        object_id = found[0].id if found else attempt.account_ref
        await login_throttle.count_failure(request, attempt, object_id=object_id, reason=reason)
        raise LoginFailed()
    party, account = found
    if party.status != "active":
        raise AccountNotActive(
            "Confirm your mobile number to activate the account."
            if party.status == "pending"
            else "The account is disabled."
        )
    if upgraded is not None:
        account.password_hash = upgraded
    if account.two_factor != "none":
        return await _open_challenge(request, session, party, method=account.two_factor)
    if verdict.step_up:  # many sources failed against this account: the password alone is not enough
        audit.record(
            session,
            actor=subject_of(party),
            action="login.step-up",
            object_type="account",
            object_id=party.id,
            details={"method": "sms", "source": attempt.source},
        )
        return await _open_challenge(request, session, party, method="sms")
    return await _complete(request, session, party, amr=["pwd"])


async def _open_challenge(
    request: Request, session: AsyncSession, party: Party, *, method: str
) -> LoginChallengeOut:
    settings = identity_state(request).settings
    expires_at = now_utc() + timedelta(seconds=settings.login_challenge_ttl_seconds)
    challenge = LoginChallenge(id=uuid.uuid4(), party_id=party.id, method=method, expires_at=expires_at)
    if method == "sms":
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
        method=method,  # type: ignore[arg-type]
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
    if party.status != "active":
        raise AccountNotActive("The account is not active.")
    if not await _second_factor_right(request, session, challenge, account, code):
        assert party.national_code is not None
        attempt = login_throttle.attempt_of(request, party.national_code)
        await login_throttle.count_failure(request, attempt, object_id=party.id, reason="wrong-second-factor")
        raise CodeWrong(
            f"The code is wrong; {attempts_left} attempt(s) left.",
            errors=[field_error("#/body/code", "wrong code", "code_wrong")],
            attempts_left=attempts_left,
        )
    challenge.completed_at = now_utc()
    return await _complete(request, session, party, amr=["pwd", AMR[challenge.method]])


async def _count_attempt(request: Request, challenge_id: uuid.UUID) -> int:
    """Check the challenge is open and count this try, committed; the tries left."""
    max_attempts = identity_state(request).settings.login_challenge_max_attempts
    async with identity_state(request).runtime.sessionmaker() as own, own.begin():
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
    secret = totp.decrypt_secret(identity_state(request).kek, account.party_id, account.totp_secret_encrypted)
    step = totp.matching_step(secret, code)
    return step is not None and await login_repository.claim_totp_step(session, account.party_id, step)


async def _complete(
    request: Request, session: AsyncSession, party: Party, *, amr: list[str]
) -> TokenResponse:
    assert party.national_code is not None
    await login_throttle.forget_pair(session, login_throttle.attempt_of(request, party.national_code))
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
