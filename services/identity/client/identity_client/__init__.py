"""Contract of the identity service."""

from identity_client.client import IdentityClient
from identity_client.models import (
    SCOPES,
    ClientCreate,
    ClientCreated,
    ClientOut,
    ClientPage,
    Jwk,
    JwkSet,
    Scope,
    TokenResponse,
)
from panjereh_contract.audit_models import (  # GET /v1/audit-events: IdentityClient.audit_events
    AuditEvent,
    AuditEventPage,
)

__all__ = [
    "SCOPES",
    "AuditEvent",
    "AuditEventPage",
    "ClientCreate",
    "ClientCreated",
    "ClientOut",
    "ClientPage",
    "IdentityClient",
    "Jwk",
    "JwkSet",
    "Scope",
    "TokenResponse",
]
