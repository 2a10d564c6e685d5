"""Identity's typed state, built once at start-up (kit.runtime): its signing keys, the key
that encrypts secrets at rest, and the adapters to outside services."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from identity import adapters, keys
from identity.adapters.company_registry import CompanyRegistry
from identity.adapters.ownership import MobileOwnershipInquiry
from identity.adapters.sms import SmsSender
from identity.config import Settings
from identity.crypto import key_encryption_key
from kit.auth import TokenVerifier
from kit.runtime import Runtime, ServiceState, state_dependency, state_of


@dataclass(kw_only=True)
class IdentityState(ServiceState):
    signer: keys.Signer
    # Encrypts TOTP secrets and keys account references in the login throttle.
    kek: bytes
    sms: SmsSender
    ownership: MobileOwnershipInquiry
    company_registry: CompanyRegistry
    # The sandbox's fake My Government: its signing key, made on first use, and the codes spent.
    fake_my_government_key: Any = None
    fake_my_government_spent: set[str] = field(default_factory=set)

    @property
    def settings(self) -> Settings:
        return cast(Settings, self.runtime.settings)


async def build(runtime: Runtime) -> IdentityState:
    """Make sure a current token-signing key exists, choose the adapters, and verify tokens
    against identity's own key table rather than over HTTP."""
    settings = cast(Settings, runtime.settings)
    kek = key_encryption_key(settings.key_encryption_key, settings.sandbox)
    ttl = timedelta(seconds=settings.access_token_ttl_seconds)
    async with runtime.sessionmaker() as session, session.begin():
        await keys.ensure_current(session, kek, ttl, timedelta(days=settings.signing_key_max_age_days))

    async def own_jwks() -> dict:
        async with runtime.sessionmaker() as session:
            return await keys.jwks(session)

    verifier = TokenVerifier(
        fetch_jwks=own_jwks,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        min_refresh_seconds=settings.jwks_min_refresh_seconds,
    )
    return IdentityState(
        runtime=dataclasses.replace(runtime, token_verifier=verifier),
        signer=keys.Signer(runtime.sessionmaker, kek),
        kek=kek,
        sms=adapters.sms_sender(settings, runtime.http),
        ownership=adapters.ownership_inquiry(settings, runtime.http),
        company_registry=adapters.company_registry(settings, runtime.http),
    )


# Call it on a request (``identity_state(request)``) or declare it as a dependency.
identity_state = state_dependency(IdentityState)


def identity_state_of(app: Any) -> IdentityState:
    """The running identity app's state (periodic tasks, tests)."""
    return state_of(app, IdentityState)
