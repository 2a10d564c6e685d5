"""kit.db.statement_connection: one statement outside a session, inside the idempotent unit of
work when there is one; a fair queue for the pool; broken connections never reused."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI, Request
from kit_testing import app_client

from kit.app import GC_THRESHOLDS, tune_garbage_collector
from kit.db import statement_connection


async def _count(client: httpx.AsyncClient, name: str) -> int:
    return (await client.get("/widgets/count", params={"name": name})).json()["count"]


async def test_without_a_key_the_statement_commits_by_itself(
    kit_client: httpx.AsyncClient, auth: dict
) -> None:
    # Hot paths therefore refuse before they write: what follows the statement cannot undo it.
    name = f"fail-alone-{uuid.uuid4().hex[:8]}"
    assert (await kit_client.post("/fast-widgets", json={"name": name}, headers=auth)).status_code == 418
    assert await _count(kit_client, name) == 1


async def test_with_a_key_the_statement_belongs_to_the_unit_of_work(
    kit_client: httpx.AsyncClient, auth: dict
) -> None:
    name = f"fail-keyed-{uuid.uuid4().hex[:8]}"
    headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    assert (await kit_client.post("/fast-widgets", json={"name": name}, headers=headers)).status_code == 418
    assert await _count(kit_client, name) == 0  # rolled back with the key


async def test_concurrent_retries_with_one_key_write_once(kit_client: httpx.AsyncClient, auth: dict) -> None:
    name = f"fast-{uuid.uuid4().hex[:8]}"
    headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    answers = await asyncio.gather(
        *(
            kit_client.post("/fast-widgets", json={"name": name, "delay": 0.1}, headers=headers)
            for _ in range(10)
        )
    )
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    assert await _count(kit_client, name) == 1


async def test_more_requests_than_connections_all_get_one(
    kit_app: Callable[..., FastAPI], auth: dict
) -> None:
    async with app_client(kit_app(db_pool_size=2)) as client:
        name = f"crowd-{uuid.uuid4().hex[:8]}"
        answers = await asyncio.gather(
            *(
                client.post("/fast-widgets", json={"name": name, "delay": 0.05}, headers=auth)
                for _ in range(30)
            )
        )
        assert {a.status_code for a in answers} == {201}
        assert await _count(client, name) == 30


def _request(app: object) -> Request:
    return Request({"type": "http", "app": app, "state": {}, "headers": [], "method": "GET", "path": "/"})


async def test_a_connection_broken_mid_statement_is_not_handed_out_again(
    kit_app: Callable[..., FastAPI],
) -> None:
    app = kit_app(db_pool_size=1)
    async with app_client(app):
        async with statement_connection(_request(app)) as conn:
            first = conn.get_server_pid()
        with pytest.raises(Exception, match="division by zero"):  # the server answered
            async with statement_connection(_request(app)) as conn:
                await conn.fetchval("SELECT 1 / 0")
        async with statement_connection(_request(app)) as conn:
            assert conn.get_server_pid() == first
        with pytest.raises(asyncio.CancelledError):  # e.g. the client went away mid-statement
            async with statement_connection(_request(app)) as conn:
                raise asyncio.CancelledError
        async with statement_connection(_request(app)) as conn:
            assert conn.get_server_pid() != first


def test_the_collector_is_tuned_once_started() -> None:
    before = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
