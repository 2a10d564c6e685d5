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

__all__ = [
    "SCOPES",
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
