"""The identity application."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from identity import (
    accounts_api,
    adapters,
    housekeeping,
    keys,
    login_api,
    recovery_api,
    representations_api,
    roles_api,
    sandbox_api,
    signature_keys_api,
    sso_fake,
)
from identity.api import clients_router, router
from identity.config import Settings
from identity.crypto import key_encryption_key
from identity.models import audit_log, idempotency_keys, signature_jtis
from kit.access_levels import access_markdown
from kit.app import ServiceSpec, create_service_app
from kit.audit_api import audit_router
from kit.auth import TokenVerifier
from kit.signatures import jti_purger

SERVICE_DIR = Path(__file__).resolve().parent.parent


async def _startup(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    kek = key_encryption_key(settings.key_encryption_key, settings.sandbox)
    ttl = timedelta(seconds=settings.access_token_ttl_seconds)
    async with app.state.sessionmaker() as session, session.begin():
        await keys.ensure_current(session, kek, ttl, timedelta(days=settings.signing_key_max_age_days))
    app.state.signer = keys.Signer(app.state.sessionmaker, kek)
    app.state.kek = kek
    await adapters.install(app)

    async def own_jwks() -> dict:
        async with app.state.sessionmaker() as session:
            return await keys.jwks(session)

    # identity verifies tokens against its own key table, not over HTTP.
    app.state.token_verifier = TokenVerifier(
        fetch_jwks=own_jwks,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        min_refresh_seconds=settings.jwks_min_refresh_seconds,
    )


SPEC = ServiceSpec(
    name="identity",
    title="Panjereh identity",
    description=(
        "Who is calling, and for whom they may act. Issues ES256 access tokens "
        "(`POST /v1/token`) and publishes the keys that verify them "
        "(`/.well-known/jwks.json`); registers machine clients.\n\n" + access_markdown()
    ),
    version="0.1.0",
    service_dir=SERVICE_DIR,
    settings_factory=Settings,
    routers=[
        router,
        clients_router,
        accounts_api.router,
        login_api.router,
        recovery_api.router,
        roles_api.router,
        signature_keys_api.router,
        representations_api.router,
        audit_router(audit_log),
    ],
    sandbox_routers=[sandbox_api.router, sso_fake.router],
    idempotency_table=idempotency_keys,
    tags=[
        {"name": "tokens", "description": "OAuth 2.0 token endpoint and the JWKS."},
        {"name": "machine clients", "description": "Client-credentials clients (admin scope)."},
        {"name": "accounts", "description": "Registration of natural and legal persons; change of mobile."},
        {"name": "login", "description": "Password, second factor (SMS or TOTP), SSO, refresh tokens."},
        {"name": "password recovery", "description": "A new password by SMS code or through My Government."},
        {"name": "roles", "description": "Base, merchant, trader and officer roles."},
        {"name": "signature keys", "description": "Keys that sign final acts (`Panjereh-Signature`)."},
        {"name": "representation", "description": "Grants of representation and their four access levels."},
        {
            "name": "audit",
            "description": "The security audit log (admin scope): logins, tokens, grants, keys, admin acts.",
        },
        {"name": "sandbox", "description": "Only with `PANJEREH_SANDBOX=1`: SMS sent, fake providers."},
    ],
    on_startup=[_startup],
    periodic=[housekeeping.purge_expired, jti_purger(signature_jtis)],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)
