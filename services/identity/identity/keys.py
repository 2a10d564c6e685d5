"""Signing keys: creation, rotation, the published JWKS and the in-memory signer."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.clients import repository
from identity.crypto import decrypt, encrypt, new_es256_key
from identity.models import SigningKey

# A retired key stays published this long past the last token it could have signed.
PUBLISH_LEEWAY = timedelta(minutes=5)
SIGNER_RELOAD_SECONDS = 30.0


def _associated(kid: str) -> bytes:
    return f"panjereh-signing-key:{kid}".encode()


async def create_key(session: AsyncSession, kek: bytes) -> SigningKey:
    kid, pem, public_jwk = new_es256_key()
    key = SigningKey(
        kid=kid, private_key_encrypted=encrypt(kek, pem, _associated(kid)), public_jwk=public_jwk
    )
    repository.add(session, key)
    await session.flush()
    return key


async def rotate(session: AsyncSession, kek: bytes, token_ttl: timedelta) -> SigningKey:
    """Retire the current key (still published until its tokens expire) and make a new one."""
    await repository.lock_key_rotation(session)
    now = datetime.now(UTC)
    await repository.retire_signing_keys(session, now, now + token_ttl + PUBLISH_LEEWAY)
    return await create_key(session, kek)


async def ensure_current(
    session: AsyncSession, kek: bytes, token_ttl: timedelta, max_age: timedelta
) -> SigningKey:
    """Make sure one active key exists and is younger than ``max_age``; rotate otherwise."""
    await repository.lock_key_rotation(session)
    key = await repository.active_signing_key(session)
    if key is None:
        return await create_key(session, kek)
    if key.created_at < datetime.now(UTC) - max_age:
        return await rotate(session, kek, token_ttl)
    return key


async def jwks(session: AsyncSession) -> dict[str, Any]:
    keys = await repository.published_keys(session, datetime.now(UTC))
    return {"keys": [k.public_jwk for k in keys]}


@dataclass
class _Loaded:
    kid: str
    pem: bytes
    loaded_at: float


class Signer:
    """Holds the active private key in memory, reloading it now and then so a
    rotation made by another process (the CLI, another replica) is picked up."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], kek: bytes) -> None:
        self._sessionmaker = sessionmaker
        self._kek = kek
        self._loaded: _Loaded | None = None

    async def current(self) -> tuple[str, bytes]:
        loaded = self._loaded
        if loaded is None or time.monotonic() - loaded.loaded_at > SIGNER_RELOAD_SECONDS:
            async with self._sessionmaker() as session:
                key = await repository.active_signing_key(session)
            if key is None:
                raise RuntimeError(
                    "identity has no active signing key; restart it or run `panjereh-identity rotate-keys`"
                )
            pem = decrypt(self._kek, key.private_key_encrypted, _associated(key.kid))
            loaded = self._loaded = _Loaded(kid=key.kid, pem=pem, loaded_at=time.monotonic())
        return loaded.kid, loaded.pem
