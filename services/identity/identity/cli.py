"""``panjereh-identity``: administer identity from a shell.

    panjereh-identity create-client --name "Arya clearance" --scope clearance-agent
    panjereh-identity rotate-keys
    panjereh-identity seed            # sandbox: (re)issue the sandbox admin client

Reads DATABASE_URL (and IDENTITY_KEY_ENCRYPTION_KEY for keys).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import timedelta

from identity_client.models import ClientCreate
from pydantic import ValidationError
from sqlalchemy import update

from identity import keys
from identity.clients import repository, service
from identity.clients.models import MachineClient
from identity.clients.secrets import hash_secret, new_secret
from identity.config import Settings
from identity.crypto import key_encryption_key
from kit.db import create_engine, create_sessionmaker
from kit.errors import ProblemError

SANDBOX_ADMIN_CLIENT_ID = "sandbox-admin"


async def _create_client(settings: Settings, name: str, scopes: list[str]) -> dict:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            created = await service.create_client(
                session, ClientCreate(name=name, scopes=scopes), created_by="cli"
            )
        return created.model_dump(mode="json")
    finally:
        await engine.dispose()


async def _rotate(settings: Settings) -> str:
    engine = create_engine(settings)
    kek = key_encryption_key(settings.key_encryption_key, settings.sandbox)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            key = await keys.rotate(session, kek, timedelta(seconds=settings.access_token_ttl_seconds))
        return key.kid
    finally:
        await engine.dispose()


async def issue_client(settings: Settings, client_id: str, name: str, scopes: list[str]) -> dict:
    """Create the machine client ``client_id`` with ``scopes``, or give it a fresh secret and
    these scopes, and return it with its secret (the sandbox admin, ``make run``'s feed clients)."""
    engine = create_engine(settings)
    secret = new_secret()
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            existing = await repository.client_by_client_id(session, client_id)
            if existing is None:
                repository.add(
                    session,
                    MachineClient(
                        client_id=client_id,
                        name=name,
                        secret_hash=hash_secret(secret),
                        scopes=scopes,
                        created_by="seed",
                    ),
                )
            else:
                await session.execute(
                    update(MachineClient)
                    .where(MachineClient.client_id == client_id)
                    .values(secret_hash=hash_secret(secret), scopes=scopes)
                )
        return {"client_id": client_id, "client_secret": secret, "scopes": scopes}
    finally:
        await engine.dispose()


async def seed_sandbox_admin(settings: Settings) -> dict:
    """Create the sandbox admin client, or give it a fresh secret, and return it."""
    return await issue_client(settings, SANDBOX_ADMIN_CLIENT_ID, "Sandbox administrator", ["admin"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="panjereh-identity", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-client", help="register a client-credentials client")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", required=True, dest="scopes")
    sub.add_parser("rotate-keys", help="retire the signing key and create a new one")
    sub.add_parser("seed", help="sandbox only: (re)issue the sandbox admin client")
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        if args.command == "create-client":
            print(json.dumps(asyncio.run(_create_client(settings, args.name, args.scopes)), indent=2))
        elif args.command == "rotate-keys":
            print(f"new signing key: {asyncio.run(_rotate(settings))}")
        elif args.command == "seed":
            if not settings.sandbox:
                print(
                    "seed creates a sandbox admin client; set PANJEREH_SANDBOX=1 to use it", file=sys.stderr
                )
                return 2
            print(json.dumps(asyncio.run(seed_sandbox_admin(settings))))
    except (ValidationError, ProblemError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
