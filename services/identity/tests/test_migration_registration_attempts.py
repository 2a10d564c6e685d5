"""Migration 0003: pending registrations become attempts with their codes; legal persons
registered before it become pending (unverified); and it goes down again."""

from __future__ import annotations

import asyncio
import uuid

from identity_testing.parties import mobile, national_code, national_id
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kit.embedded_pg import create_database, drop_database, fresh_database_name
from kit.migrations import downgrade, migrate
from kit.settings import async_database_url


async def _run(url: str, statement: str, **params: object) -> list[tuple]:
    engine = create_async_engine(async_database_url(url))
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_pending_registrations_move_and_legal_persons_become_unverified(pg_server_url: str) -> None:
    name = fresh_database_name("panjereh_0003")  # a database of its own: it is migrated part way
    url = await create_database(pg_server_url, name)
    try:
        await _upgrade_with_data_then_down(url)
    finally:
        await drop_database(pg_server_url, name)


async def _upgrade_with_data_then_down(url: str) -> None:
    await asyncio.to_thread(migrate, url, ["identity"], "0003")
    pending, active, legal, code_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    number, pending_code = mobile(), national_code()
    for statement, params in (
        (
            "INSERT INTO identity.parties (id, kind, national_code, first_name, last_name, mobile, postal_code, "
            "status) VALUES (:id, 'natural', :code, 'Maryam', 'Ahmadi', :mobile, '1136913141', :status)",
            [
                {"id": pending, "code": pending_code, "mobile": number, "status": "pending"},
                {"id": active, "code": national_code(), "mobile": mobile(), "status": "active"},
            ],
        ),
        (
            "INSERT INTO identity.parties (id, kind, national_id, name, status) "
            "VALUES (:id, 'legal', :nid, 'Squatted Co', 'active')",
            [{"id": legal, "nid": national_id()}],
        ),
        (
            "INSERT INTO identity.accounts (party_id, password_hash) VALUES (:id, :hash)",
            [{"id": pending, "hash": "pending-hash"}, {"id": active, "hash": "active-hash"}],
        ),
        (
            "INSERT INTO identity.verification_codes (id, purpose, mobile, party_id, requester, code_hash, "
            "expires_at) VALUES (:id, 'register', :mobile, :party, 'test', 'x', now())",
            [{"id": code_id, "mobile": number, "party": pending}],
        ),
    ):
        for row in params:
            await _run(url, statement, **row)

    await asyncio.to_thread(migrate, url, ["identity"])

    attempts = await _run(
        url,
        "SELECT id, national_code, mobile, first_name, password_hash, status FROM identity.registration_attempts",
    )
    assert attempts == [(pending, pending_code, number, "Maryam", "pending-hash", "pending")]
    assert await _run(url, "SELECT party_id, registration_id FROM identity.verification_codes") == [
        (None, pending)
    ]
    parties = dict(await _run(url, "SELECT id, status FROM identity.parties"))
    assert parties == {active: "active", legal: "pending"}
    assert await _run(url, "SELECT count(*) FROM identity.accounts") == [(1,)]

    await asyncio.to_thread(downgrade, url, "identity", "0003")
    assert await _run(url, "SELECT count(*) FROM identity.verification_codes") == [(0,)]
    assert dict(await _run(url, "SELECT id, status FROM identity.parties")) == parties
