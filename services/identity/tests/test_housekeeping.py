"""Expired logins, challenges, codes and refresh tokens are deleted; live ones stay."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import FastAPI
from identity_testing.parties import make_user
from sqlalchemy import select

from identity.housekeeping import CODES_KEPT, GRACE, purge_expired
from identity.models import (
    LoginChallenge,
    LoginThrottle,
    PasswordRecovery,
    RefreshToken,
    RegistrationAttempt,
    SsoLogin,
    VerificationCode,
)
from identity.state import identity_state_of
from kit.clock import now_utc
from kit.runtime import runtime_of


async def test_old_rows_go_and_live_rows_stay(app: FastAPI) -> None:
    party = await make_user(app)
    now = now_utc()
    long_ago = now - GRACE - timedelta(minutes=1)
    ids = {name: (uuid.uuid4(), uuid.uuid4()) for name in ("sso", "challenge", "code", "refresh", "recovery")}
    throttles = (f"pair:old:{uuid.uuid4()}", f"pair:live:{uuid.uuid4()}")
    async with runtime_of(app).sessionmaker() as session, session.begin():
        for state, expires in (
            (ids["sso"][0].hex, long_ago),
            (ids["sso"][1].hex, now + timedelta(minutes=5)),
        ):
            session.add(
                SsoLogin(
                    state=state, provider="my-government", nonce="n", code_verifier="v", expires_at=expires
                )
            )
        for code_id, created in (
            (ids["code"][0], now - CODES_KEPT - timedelta(days=1)),
            (ids["code"][1], now),
        ):
            session.add(
                VerificationCode(
                    id=code_id,
                    purpose="login",
                    mobile=party.mobile,
                    party_id=party.id,
                    requester="test",
                    code_hash="x",
                    created_at=created,
                    expires_at=created + timedelta(minutes=2),
                )
            )
        for recovery_id, expires in ((ids["recovery"][0], long_ago), (ids["recovery"][1], now)):
            session.add(
                PasswordRecovery(
                    id=recovery_id,
                    method="sms",
                    national_code="0000000000",
                    requester="test",
                    expires_at=expires,
                )
            )
        for key, last in ((throttles[0], now - timedelta(days=1)), (throttles[1], now)):
            session.add(LoginThrottle(key=key, account_ref="x", failures=1, last_failure_at=last))
        for challenge_id, expires in ((ids["challenge"][0], long_ago), (ids["challenge"][1], now)):
            session.add(LoginChallenge(id=challenge_id, party_id=party.id, method="totp", expires_at=expires))
        for token_id, expires in (
            (ids["refresh"][0], long_ago),
            (ids["refresh"][1], now + timedelta(days=1)),
        ):
            session.add(
                RefreshToken(
                    id=token_id,
                    family_id=uuid.uuid4(),
                    party_id=party.id,
                    token_hash=uuid.uuid4().hex,
                    amr=["pwd"],
                    auth_time=now,
                    expires_at=expires,
                )
            )
        session.add(  # a registration attempt nobody confirmed, long ago
            RegistrationAttempt(
                national_code=str(party.national_code),
                mobile=str(party.mobile),
                first_name="x",
                last_name="y",
                postal_code="1136913141",
                password_hash="h",
                requester="test",
                created_at=now - CODES_KEPT - timedelta(days=1),
            )
        )

    deleted = await purge_expired(identity_state_of(app))

    assert all(count >= 1 for count in deleted.values()), deleted
    async with runtime_of(app).sessionmaker() as session:
        assert await session.scalar(select(SsoLogin).where(SsoLogin.state == ids["sso"][0].hex)) is None
        assert await session.scalar(select(SsoLogin).where(SsoLogin.state == ids["sso"][1].hex)) is not None
        for model, (old, live) in (
            (VerificationCode, ids["code"]),
            (LoginChallenge, ids["challenge"]),
            (RefreshToken, ids["refresh"]),
            (PasswordRecovery, ids["recovery"]),
            (LoginThrottle, throttles),
        ):
            assert await session.get(model, old) is None, model
            assert await session.get(model, live) is not None, model
