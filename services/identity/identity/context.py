"""The one dependency identity's handlers pass to its services: a typed ``Context``.

Services never see the ``Request``: what they read of it (the caller's address, the request
ID, the token's principal) and the state built at start-up arrive here, with the request's
database session (committed on success by ``kit.db``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from identity.config import Settings
from identity.state import IdentityState, identity_state
from kit.auth import Principal
from kit.db import SessionDep
from kit.errors import Unauthenticated
from kit.request_context import current_request_id


@dataclass(frozen=True, slots=True)
class Context:
    state: IdentityState
    session: AsyncSession
    client_ip: str
    """The address the request came from (``request.client.host``)."""
    request_id: str | None
    principal: Principal | None
    """Who the bearer token, when one is sent and valid, says is calling."""

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def requester(self) -> str:
        """Who asks, for per-requester limits: the token's subject or client when there is one,
        else the caller's address."""
        if self.principal is not None:
            return self.principal.rate_limit_key
        return f"ip:{self.client_ip}"


async def _principal(request: Request, state: IdentityState) -> Principal | None:
    """The principal ``kit.auth`` found, else the one a valid bearer token names (verified
    tokens are cached, so a second look costs nothing). An anonymous endpoint ignores a bad
    token, as it did before it read the token at all."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is not None:
        return found
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return await state.runtime.token_verifier.verify(token.strip())
    except Unauthenticated:
        return None


async def _context(
    request: Request, state: Annotated[IdentityState, Depends(identity_state)], session: SessionDep
) -> Context:
    return Context(
        state=state,
        session=session,
        client_ip=request.client.host if request.client else "unknown",
        request_id=current_request_id(),
        principal=await _principal(request, state),
    )


ContextDep = Annotated[Context, Depends(_context)]
