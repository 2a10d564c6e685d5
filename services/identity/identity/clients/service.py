"""Identity business rules for machine clients and tokens. Flushes, never commits."""

from __future__ import annotations

from datetime import timedelta

from identity_client.models import ClientCreate, ClientCreated, ClientOut, ClientSecretRotated
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit
from identity.clients import repository
from identity.clients.exceptions import ClientDisabled, ClientNotFound
from identity.clients.models import MachineClient
from identity.clients.secrets import hash_secret, new_client_id, new_secret, secret_matches
from identity.clients.views import client_out
from identity.exceptions import InvalidClient, InvalidScope
from kit.clock import now_utc


async def create_client(session: AsyncSession, data: ClientCreate, created_by: str) -> ClientCreated:
    secret = new_secret()
    client = MachineClient(
        client_id=new_client_id(data.name),
        name=data.name,
        secret_hash=hash_secret(secret),
        scopes=sorted({str(s) for s in data.scopes}),
        created_by=created_by,
    )
    repository.add(session, client)
    await session.flush()
    await session.refresh(client)
    audit.record(
        session,
        actor=created_by,
        action="client.created",
        object_type="client",
        object_id=client.client_id,
        details={"name": client.name, "scopes": client.scopes},
    )
    return ClientCreated(**client_out(client).model_dump(), client_secret=secret)


async def authenticate_client(session: AsyncSession, client_id: str, secret: str) -> MachineClient:
    """The enabled client whose current secret, or previous secret within its
    grace period after a rotation, is ``secret``; else ``InvalidClient``."""
    client = await repository.client_by_client_id(session, client_id)
    # Compare even for an unknown client so timing does not tell which IDs exist.
    stored = client.secret_hash if client is not None else hash_secret("\0unknown")
    current = secret_matches(secret, stored)
    previous = (
        client is not None
        and client.previous_secret_hash is not None
        and client.previous_secret_valid_until is not None
        and client.previous_secret_valid_until > now_utc()
        and secret_matches(secret, client.previous_secret_hash)
    )
    if not (current or previous) or client is None or client.disabled_at is not None:
        raise InvalidClient()
    return client


async def _client_for_update(session: AsyncSession, client_id: str) -> MachineClient:
    client = await repository.client_by_client_id(session, client_id)
    if client is None:
        raise ClientNotFound(f"No machine client {client_id!r}.")
    await session.refresh(client, with_for_update=True)
    return client


async def rotate_client_secret(
    session: AsyncSession, client_id: str, grace_seconds: int, actor: str
) -> ClientSecretRotated:
    """A new secret for the client. The one it replaces keeps working for
    ``grace_seconds`` (0: stops at once); a secret replaced earlier stops now,
    whatever its grace period was."""
    client = await _client_for_update(session, client_id)
    if client.disabled_at is not None:
        raise ClientDisabled(f"Machine client {client_id!r} is disabled; its secret cannot be rotated.")
    secret = new_secret()
    if grace_seconds > 0:
        client.previous_secret_hash = client.secret_hash
        client.previous_secret_valid_until = now_utc() + timedelta(seconds=grace_seconds)
    else:
        client.previous_secret_hash = None
        client.previous_secret_valid_until = None
    client.secret_hash = hash_secret(secret)
    audit.record(
        session,
        actor=actor,
        action="client.secret-rotated",
        object_type="client",
        object_id=client.client_id,
        details={"grace_seconds": grace_seconds},
    )
    await session.flush()
    return ClientSecretRotated(
        **client_out(client).model_dump(),
        client_secret=secret,
        previous_secret_valid_until=client.previous_secret_valid_until,
    )


async def disable_client(session: AsyncSession, client_id: str, actor: str) -> ClientOut:
    """Disable the client: no new token for it, with any of its secrets. Tokens
    already issued run out within their lifetime (10 minutes). Disabling a
    disabled client changes nothing."""
    client = await _client_for_update(session, client_id)
    if client.disabled_at is None:
        client.disabled_at = now_utc()
        client.previous_secret_hash = None
        client.previous_secret_valid_until = None
        audit.record(
            session, actor=actor, action="client.disabled", object_type="client", object_id=client.client_id
        )
        await session.flush()
    return client_out(client)


def granted_scopes(client: MachineClient, requested: str | None) -> list[str]:
    """RFC 6749 §3.3: no scope asked means all the client's scopes; more than it holds is refused."""
    allowed = set(client.scopes)
    if not requested:
        return sorted(allowed)
    asked = set(requested.split())
    extra = asked - allowed
    if extra:
        raise InvalidScope(f"The client may not ask for: {', '.join(sorted(extra))}.")
    return sorted(asked)
