"""Identity business rules for machine clients and tokens. Flushes, never commits."""

from __future__ import annotations

from identity_client.models import ClientCreate, ClientCreated, ClientOut
from sqlalchemy.ext.asyncio import AsyncSession

from identity import repository
from identity.client_secrets import hash_secret, new_client_id, new_secret, secret_matches
from identity.exceptions import InvalidClient, InvalidScope
from identity.models import MachineClient


def client_out(client: MachineClient) -> ClientOut:
    return ClientOut(
        client_id=client.client_id,
        name=client.name,
        scopes=list(client.scopes),
        created_at=client.created_at,
        disabled=client.disabled_at is not None,
    )


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
    return ClientCreated(**client_out(client).model_dump(), client_secret=secret)


async def authenticate_client(session: AsyncSession, client_id: str, secret: str) -> MachineClient:
    client = await repository.client_by_client_id(session, client_id)
    # Compare even for an unknown client so timing does not tell which IDs exist.
    stored = client.secret_hash if client is not None else hash_secret("\0unknown")
    if not secret_matches(secret, stored) or client is None or client.disabled_at is not None:
        raise InvalidClient()
    return client


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
