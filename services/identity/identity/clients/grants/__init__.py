"""The grant types of ``POST /v1/token``, one module each.

A handler takes the context and the parsed form, and answers a
``TokenResponse`` or raises an ``OAuthError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from identity_client.models import TokenResponse

from identity.clients.grants import client_credentials, refresh_token, token_exchange
from identity.clients.grants.form import TokenForm
from identity.context import Context

GrantHandler = Callable[[Context, TokenForm], Awaitable[TokenResponse]]

GRANTS: dict[str, GrantHandler] = {
    client_credentials.GRANT_TYPE: client_credentials.handle,
    refresh_token.GRANT_TYPE: refresh_token.handle,
    token_exchange.GRANT_TYPE: token_exchange.handle,
}
