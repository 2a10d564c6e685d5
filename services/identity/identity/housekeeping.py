"""Deleting what identity no longer needs, run every few minutes (kit ``periodic``).

Anyone may start an SSO login or a registration, so without this the tables
behind them would grow without bound. Kept: audit entries, SMS messages (the
record of what was sent), and anything still needed by a sending limit or a
refresh-token family.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, exists, or_

from identity.models import (
    LoginChallenge,
    LoginThrottle,
    PasswordRecovery,
    RefreshToken,
    RegistrationAttempt,
    SignatureKey,
    SsoLogin,
    VerificationCode,
)
from identity.state import IdentityState
from kit.clock import now_utc

# Past their expiry, rows are kept this long for support questions, then deleted.
GRACE = timedelta(days=1)
# Codes back the hourly sending limits and the audit of logins: a month is plenty.
CODES_KEPT = timedelta(days=30)


async def purge_expired(state: IdentityState) -> dict[str, int]:
    """Delete expired SSO logins, login challenges, password recoveries, forgotten login
    failures, old codes and dead refresh tokens; answers how many rows of each went."""
    now = now_utc()
    forgotten = now - timedelta(minutes=state.settings.login_failure_window_minutes)
    statements = {
        "sso_logins": delete(SsoLogin).where(SsoLogin.expires_at < now - GRACE),
        "login_challenges": delete(LoginChallenge).where(LoginChallenge.expires_at < now - GRACE),
        "password_recoveries": delete(PasswordRecovery).where(PasswordRecovery.expires_at < now - GRACE),
        # A count whose last failure is forgotten and whose back-off is over no longer matters.
        "login_throttles": delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < forgotten,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        ),
        # Challenges and signature keys point at codes: keep the codes they still name.
        "verification_codes": delete(VerificationCode).where(
            VerificationCode.created_at < now - CODES_KEPT,
            ~exists().where(LoginChallenge.verification_code_id == VerificationCode.id),
            ~exists().where(SignatureKey.verification_code_id == VerificationCode.id),
            ~exists().where(PasswordRecovery.verification_code_id == VerificationCode.id),
        ),
        "refresh_tokens": delete(RefreshToken).where(RefreshToken.expires_at < now - GRACE),
        # Registration attempts: decided ones (no password hash left) after a day; pending ones
        # once no code has been sent for them in CODES_KEPT (their codes go with them).
        "registration_attempts": delete(RegistrationAttempt).where(
            or_(
                RegistrationAttempt.decided_at < now - GRACE,
                and_(
                    RegistrationAttempt.status == "pending",
                    RegistrationAttempt.created_at < now - CODES_KEPT,
                    ~exists().where(
                        VerificationCode.registration_id == RegistrationAttempt.id,
                        VerificationCode.created_at >= now - CODES_KEPT,
                    ),
                ),
            )
        ),
    }
    deleted: dict[str, int] = {}
    async with state.runtime.sessionmaker() as session, session.begin():
        for name, statement in statements.items():
            result = await session.execute(statement)
            deleted[name] = int(getattr(result, "rowcount", 0) or 0)
    return deleted
