"""identity, asked through its client package: with the caller's own token, or for a signer's keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from identity_client.client import IdentityClient

from kit.errors import Forbidden, Unauthenticated
from kit.runtime import Runtime
from kit.signatures import SignatureVerifier
from orders.cars.exceptions import PeerUnavailable
from panjereh_contract.client import ServiceCallError


def identity_client(runtime: Runtime) -> IdentityClient:
    return IdentityClient(runtime.settings.url_of("identity"), runtime.http)


@asynccontextmanager
async def identity_refusals(refused: str) -> AsyncIterator[None]:
    """identity's refusals as orders' own: 401 → ``Unauthenticated``, another 4xx →
    ``Forbidden(refused)`` (e.g. the account is no longer active), a 5xx or no answer →
    ``PeerUnavailable`` (503, nothing decided)."""
    try:
        yield
    except ServiceCallError as exc:
        if exc.status == 401:
            raise Unauthenticated("identity does not accept this token.") from exc
        if exc.status < 500:
            raise Forbidden(refused) from exc
        raise PeerUnavailable("identity") from exc
    except httpx.HTTPError as exc:
        raise PeerUnavailable("identity") from exc


def identity_signature_verifier(runtime: Runtime) -> SignatureVerifier:
    """Signed acts are checked against the keys identity publishes."""
    return SignatureVerifier(identity_client(runtime).signer_keys)
