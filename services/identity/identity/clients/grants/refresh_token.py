"""``refresh_token``: a user's rotating refresh token (RFC 6749 §6); see ``identity.login.sessions``."""

from __future__ import annotations

from identity_client.models import TokenResponse

from identity.clients.grants.form import TokenForm
from identity.context import Context
from identity.exceptions import InvalidTokenRequest
from identity.login import sessions

GRANT_TYPE = "refresh_token"


async def handle(ctx: Context, form: TokenForm) -> TokenResponse:
    """Spends the refresh token and answers the next pair of the same login. A
    spent, revoked or expired token is ``invalid_grant``; a spent one presented
    again also revokes every token of its login."""
    raw = form.get("refresh_token")
    if not raw:
        raise InvalidTokenRequest("refresh_token is required.")
    return await sessions.rotate(ctx, raw)
