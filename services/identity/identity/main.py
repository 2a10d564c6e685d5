"""The identity application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from identity import housekeeping, state
from identity.accounts import api as accounts_api
from identity.clients.api import clients_router, router
from identity.config import Settings
from identity.login import api as login_api
from identity.models import audit_log, idempotency_keys, outbox_events, signature_jtis
from identity.recovery import api as recovery_api
from identity.representations import api as representations_api
from identity.representations import expiry as representation_expiry
from identity.roles import api as roles_api
from identity.sandbox import api as sandbox_api
from identity.signature_keys import api as signature_keys_api
from identity.sso import fake as sso_fake
from kit.access_levels import access_markdown
from kit.app import ServiceSpec, create_service_app
from kit.audit_api import audit_router
from kit.signatures import jti_purger

SERVICE_DIR = Path(__file__).resolve().parent.parent


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
    outbox_table=outbox_events,
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
    state=state.build,
    periodic=[housekeeping.purge_expired, representation_expiry.run_once, jti_purger(signature_jtis)],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)
