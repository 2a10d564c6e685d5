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
from kit.audit_models import AuditEvent, AuditEventPage  # GET /v1/audit-events: IdentityClient.audit_events

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
