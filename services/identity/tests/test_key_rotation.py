"""Signing keys: encrypted at rest, rotated with the old key still published."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from kit_testing import app_client
from sqlalchemy import select, update

from identity import keys
from identity.cli import _create_client
from identity.config import Settings
from identity.crypto import decrypt, key_encryption_key
from identity.main import create_app
from identity.models import SigningKey
from kit.auth import TokenVerifier
from kit.db import create_engine, create_sessionmaker
from kit.embedded_pg import create_database, drop_database, fresh_database_name
from kit.migrations import migrate

TTL = timedelta(minutes=10)


@pytest.fixture(scope="module")
async def own_database(pg_server_url: str) -> AsyncIterator[str]:
    """Rotation changes which keys verify: keep it away from the shared database."""
    name = fresh_database_name("panjereh_keys")
    url = await create_database(pg_server_url, name)
    await asyncio.to_thread(migrate, url, ["identity"])
    yield url
    await drop_database(pg_server_url, name)


@pytest.fixture(scope="module")
def settings(own_database: str, settings_for) -> Settings:  # type: ignore[no-untyped-def]
    return settings_for("identity", database_url=own_database)


@pytest.fixture(scope="module")
async def identity(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
async def admin_credentials(settings: Settings) -> tuple[str, str]:
    created = await _create_client(settings, "rotation admin", ["admin"])
    return created["client_id"], created["client_secret"]


async def _sessionmaker(settings: Settings):  # type: ignore[no-untyped-def]
    engine = create_engine(settings)
    return engine, create_sessionmaker(engine)


async def test_rotation_keeps_the_old_key_until_its_tokens_expire(
    identity: httpx.AsyncClient, admin_credentials: tuple[str, str], settings: Settings
) -> None:
    kek = key_encryption_key(settings.key_encryption_key, sandbox=False)
    old_token = (
        await identity.post("/v1/token", data={"grant_type": "client_credentials"}, auth=admin_credentials)
    ).json()["access_token"]
    old_kids = {k["kid"] for k in (await identity.get("/.well-known/jwks.json")).json()["keys"]}

    engine, sessions = await _sessionmaker(settings)
    try:
        async with sessions() as session, session.begin():
            new_key = await keys.rotate(session, kek, TTL)
        published = {k["kid"] for k in (await identity.get("/.well-known/jwks.json")).json()["keys"]}
        assert new_key.kid in published
        assert old_kids <= published, "the retired key stays published"

        jwks = (await identity.get("/.well-known/jwks.json")).json()

        async def fetch() -> dict:
            return jwks

        verifier = TokenVerifier(
            fetch_jwks=fetch, issuer=settings.token_issuer, audience=settings.token_audience
        )
        assert (await verifier.verify(old_token)).subject.startswith("client:")

        # Once the publish window has passed, the retired key is gone.
        async with sessions() as session, session.begin():
            await session.execute(
                update(SigningKey)
                .where(SigningKey.kid.in_(old_kids))
                .values(publish_until=datetime.now(UTC) - timedelta(seconds=1))
            )
        after = {k["kid"] for k in (await identity.get("/.well-known/jwks.json")).json()["keys"]}
        assert new_key.kid in after
        assert not (old_kids & after)

        # The running app's signer picks up the new key.
        identity_app_signer = keys.Signer(sessions, kek)
        kid, _ = await identity_app_signer.current()
        assert kid == new_key.kid
    finally:
        await engine.dispose()


async def test_private_keys_are_encrypted_at_rest(identity: httpx.AsyncClient, settings: Settings) -> None:
    engine, sessions = await _sessionmaker(settings)
    try:
        async with sessions() as session:
            stored = (await session.scalars(select(SigningKey))).first()
        assert stored is not None
        assert b"PRIVATE KEY" not in stored.private_key_encrypted
        kek = key_encryption_key(settings.key_encryption_key, sandbox=False)
        pem = decrypt(kek, stored.private_key_encrypted, f"panjereh-signing-key:{stored.kid}".encode())
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    finally:
        await engine.dispose()


async def test_old_active_key_is_rotated_on_start(settings: Settings) -> None:
    kek = key_encryption_key(settings.key_encryption_key, sandbox=False)
    engine, sessions = await _sessionmaker(settings)
    try:
        async with sessions() as session, session.begin():
            current = await keys.ensure_current(session, kek, TTL, timedelta(days=30))
            await session.execute(
                update(SigningKey)
                .where(SigningKey.kid == current.kid)
                .values(created_at=datetime.now(UTC) - timedelta(days=31))
            )
        async with sessions() as session, session.begin():
            fresh = await keys.ensure_current(session, kek, TTL, timedelta(days=30))
        assert fresh.kid != current.kid
    finally:
        await engine.dispose()
