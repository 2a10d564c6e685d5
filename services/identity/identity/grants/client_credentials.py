"""``client_credentials``: machine clients (clearance-agent software, the Mikhak feed, admin tools)."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from identity_client.models import TokenResponse
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, service
from identity.exceptions import InvalidClient, InvalidTokenRequest
from identity.state import identity_state
from identity.tokens import issue_access_token

GRANT_TYPE = "client_credentials"


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        client_id, _, secret = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("The Basic credentials cannot be decoded.") from exc
    return client_id, secret


async def handle(request: Request, session: AsyncSession, form: dict[str, str]) -> TokenResponse:
    """HTTP Basic (preferred) or ``client_id``/``client_secret`` in the form, never both.
    The token's ``sub`` is ``client:<client_id>``."""
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    basic = basic_credentials(request)
    if basic and (client_id or client_secret):
        raise InvalidTokenRequest("Authenticate with HTTP Basic or with form fields, not both.")
    if basic:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise InvalidClient("Client credentials are missing.")
    client = await service.authenticate_client(session, client_id, client_secret)
    scopes = service.granted_scopes(client, form.get("scope"))
    token, ttl = await issue_access_token(
        identity_state(request),
        subject=f"client:{client.client_id}",
        claims={"client_id": client.client_id, "scope": " ".join(scopes)},
    )
    subject = f"client:{client.client_id}"
    audit.record(
        session,
        actor=subject,
        action="token.client-credentials",
        object_type="client",
        object_id=client.client_id,
        details={"scope": " ".join(scopes)},
    )
    return TokenResponse(access_token=token, expires_in=ttl, scope=" ".join(scopes))
