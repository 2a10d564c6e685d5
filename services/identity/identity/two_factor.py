"""Turning the second factor of login on and off.

TOTP (an authenticator app) is the stronger choice: an SMS code can be
intercepted or the number taken over (SIM swap). At most one method is on; to
change it, turn the current one off (password and a code of the current
method), then set up the other. Every change is audited.

Every change needs the current password in the request, not only an access
token: a stolen 10-minute token must not let its thief put their own second
factor on the account (and lock the owner out) or take the owner's off. The
password is asked when a change starts (``start_totp``, ``send_sms_code``) and
when it is turned off; confirming needs what only that start gave (the new
secret, or the code sent to the mobile). A wrong password counts as a failed
login, under the login back-off (``identity.login_throttle``). A recent
``auth_time`` was not chosen: a token stolen in its first minutes would pass.
"""

from __future__ import annotations

from fastapi import Request
from identity_client.login import SmsCodeSent, TotpEnrolment, TwoFactorDisable, TwoFactorStatus
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, codes, login, login_repository, totp
from identity.exceptions import (
    CodeNotFound,
    CodeWrong,
    PasswordWrong,
    TwoFactorAlreadyOn,
    TwoFactorNothingPending,
    TwoFactorOff,
)
from identity.models import Account, Party
from identity.state import identity_state
from identity.subjects import subject_of
from kit.errors import field_error
from panjereh_contract.identifiers import mask_mobile

SMS_CODE_PURPOSE = "two-factor"


async def _account(session: AsyncSession, party: Party) -> Account:
    account = await login_repository.account(session, party.id, lock=True)
    assert account is not None  # every natural person who can log in has one
    return account


def _audit(session: AsyncSession, party: Party, action: str, method: str) -> None:
    audit.record(
        session,
        actor=subject_of(party),
        action=action,
        object_type="account",
        object_id=party.id,
        details={"method": method},
    )


def _code_wrong() -> CodeWrong:
    return CodeWrong(
        "The code is wrong.",
        errors=[field_error("#/body/code", "wrong code", "code_wrong")],
    )


async def status(session: AsyncSession, party: Party) -> TwoFactorStatus:
    account = await login_repository.account(session, party.id)
    assert account is not None
    return TwoFactorStatus(method=account.two_factor)  # type: ignore[arg-type]


async def _require_password(request: Request, session: AsyncSession, party: Party, password: str) -> None:
    if not await login.password_confirmed(request, session, party, password):
        raise PasswordWrong(
            "The password is wrong.",
            errors=[field_error("#/body/password", "wrong password", "password_wrong")],
        )


async def start_totp(request: Request, session: AsyncSession, party: Party, password: str) -> TotpEnrolment:
    """A new TOTP secret, kept encrypted and pending until a code from the app confirms it."""
    await _require_password(request, session, party, password)
    account = await _account(session, party)
    if account.two_factor != "none":
        raise TwoFactorAlreadyOn(f"The second factor is {account.two_factor}; turn it off first.")
    secret = totp.new_secret()
    account.totp_pending_secret_encrypted = totp.encrypt_secret(identity_state(request).kek, party.id, secret)
    _audit(session, party, "two-factor.totp-started", "totp")
    await session.flush()
    assert party.national_code is not None
    name = totp.mask_national_code(party.national_code)
    return TotpEnrolment(
        secret=secret,
        otpauth_uri=totp.provisioning_uri(secret, name),
        issuer=totp.ISSUER,
        account_name=name,
        digits=totp.DIGITS,
        period=totp.PERIOD,
    )


async def confirm_totp(request: Request, session: AsyncSession, party: Party, code: str) -> TwoFactorStatus:
    """Turn TOTP on with a code from the app for the pending secret."""
    account = await _account(session, party)
    if account.two_factor != "none":
        raise TwoFactorAlreadyOn(f"The second factor is {account.two_factor}; turn it off first.")
    if account.totp_pending_secret_encrypted is None:
        raise TwoFactorNothingPending("Start with POST /v1/me/two-factor/totp.")
    kek = identity_state(request).kek
    secret = totp.decrypt_secret(kek, party.id, account.totp_pending_secret_encrypted)
    step = totp.matching_step(secret, code)
    if step is None:
        raise _code_wrong()
    account.totp_secret_encrypted = account.totp_pending_secret_encrypted
    account.totp_pending_secret_encrypted = None
    account.totp_last_step = step  # the confirming code cannot log in
    account.two_factor = "totp"
    _audit(session, party, "two-factor.enabled", "totp")
    await session.flush()
    return TwoFactorStatus(method="totp")


async def send_sms_code(request: Request, session: AsyncSession, party: Party, password: str) -> SmsCodeSent:
    """Send a code to the account's mobile: to turn SMS on, or to turn it off when it is on."""
    await _require_password(request, session, party, password)
    account = await _account(session, party)
    if account.two_factor == "totp":
        raise TwoFactorAlreadyOn("The second factor is totp; turn it off first.")
    assert party.mobile is not None
    code = await codes.issue(
        request,
        session,
        purpose=SMS_CODE_PURPOSE,
        mobile=party.mobile,
        party_id=party.id,
        message="Panjereh code to change two-step login: {code}",
    )
    return SmsCodeSent(mobile=mask_mobile(party.mobile), expires_at=code.expires_at)


async def _check_sms_code(request: Request, session: AsyncSession, party: Party, code: str) -> None:
    assert party.mobile is not None
    sent = await codes.latest(session, party_id=party.id, mobile=party.mobile, purpose=SMS_CODE_PURPOSE)
    if sent is None:
        raise CodeNotFound("No code was sent; ask for one with POST /v1/me/two-factor/sms.")
    await codes.check(request, session, code_id=sent.id, purpose=SMS_CODE_PURPOSE, code=code)


async def confirm_sms(request: Request, session: AsyncSession, party: Party, code: str) -> TwoFactorStatus:
    """Turn SMS on with the code sent by ``send_sms_code``."""
    account = await _account(session, party)
    if account.two_factor != "none":
        raise TwoFactorAlreadyOn(f"The second factor is {account.two_factor}; turn it off first.")
    await _check_sms_code(request, session, party, code)
    account.two_factor = "sms"
    account.totp_pending_secret_encrypted = None
    _audit(session, party, "two-factor.enabled", "sms")
    await session.flush()
    return TwoFactorStatus(method="sms")


async def disable(request: Request, session: AsyncSession, party: Party, data: TwoFactorDisable) -> None:
    """Turn the second factor off: the password and a code of the current method.

    A wrong password counts as a failed login (under the login back-off).
    """
    await _require_password(request, session, party, data.password)
    account = await _account(session, party)
    if account.two_factor == "none":
        raise TwoFactorOff("Two-step login is already off.")
    method = account.two_factor
    if method == "sms":
        await _check_sms_code(request, session, party, data.code)
    elif not await login.check_totp(request, session, account, data.code):
        raise _code_wrong()
    account.two_factor = "none"
    account.totp_secret_encrypted = None
    account.totp_pending_secret_encrypted = None
    account.totp_last_step = None
    _audit(session, party, "two-factor.disabled", method)
    await session.flush()
