"""Idempotency-Key: one record per key, replays, reuse and in-flight refusals."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx


async def _count(client: httpx.AsyncClient, name: str) -> int:
    return (await client.get("/widgets/count", params={"name": name})).json()["count"]


async def test_twenty_concurrent_requests_create_one_row(kit_client: httpx.AsyncClient, auth: dict) -> None:
    key = str(uuid.uuid4())
    name = f"concurrent-{key[:8]}"
    body = {"name": name, "delay": 0.2}
    responses = await asyncio.gather(
        *(kit_client.post("/widgets", json=body, headers={**auth, "Idempotency-Key": key}) for _ in range(20))
    )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
    assert await _count(kit_client, name) == 1


async def test_retry_replays_the_first_answer(kit_client: httpx.AsyncClient, auth: dict) -> None:
    key = str(uuid.uuid4())
    body = {"name": f"retry-{key[:8]}"}
    first = await kit_client.post("/widgets", json=body, headers={**auth, "Idempotency-Key": key})
    second = await kit_client.post("/widgets", json=body, headers={**auth, "Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["content-type"] == first.headers["content-type"]
    assert await _count(kit_client, body["name"]) == 1


async def test_same_key_other_body_is_422(kit_client: httpx.AsyncClient, auth: dict) -> None:
    key = str(uuid.uuid4())
    await kit_client.post("/widgets", json={"name": "a-" + key[:8]}, headers={**auth, "Idempotency-Key": key})
    other = await kit_client.post(
        "/widgets", json={"name": "b-" + key[:8]}, headers={**auth, "Idempotency-Key": key}
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency-key-reused"
    assert await _count(kit_client, "b-" + key[:8]) == 0


async def test_a_retry_reserialised_with_other_key_order_and_spacing_replays(
    kit_client: httpx.AsyncClient, auth: dict
) -> None:
    key = str(uuid.uuid4())
    name = f"reordered-{key[:8]}"
    headers = {**auth, "Idempotency-Key": key, "Content-Type": "application/json"}
    first = await kit_client.post("/widgets", content=f'{{"name":"{name}","delay":0}}', headers=headers)
    again = await kit_client.post(
        "/widgets", content=f'{{ "delay" : 0.0 ,\n "name": "{name}" }}', headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert await _count(kit_client, name) == 1


async def test_first_still_in_flight_is_409(kit_client: httpx.AsyncClient, auth: dict) -> None:
    # The app waits 0.5 s for the first request; this one takes 1.5 s.
    key = str(uuid.uuid4())
    body = {"name": f"slow-{key[:8]}", "delay": 1.5}
    headers = {**auth, "Idempotency-Key": key}
    first = asyncio.create_task(kit_client.post("/widgets", json=body, headers=headers))
    await asyncio.sleep(0.2)
    second = await kit_client.post("/widgets", json=body, headers=headers)
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency-request-in-flight"
    assert (await first).status_code == 201
    assert await _count(kit_client, body["name"]) == 1


async def test_failed_request_frees_the_key(kit_client: httpx.AsyncClient, auth: dict) -> None:
    key = str(uuid.uuid4())
    failed = await kit_client.post(
        "/widgets/fail", json={"name": "x"}, headers={**auth, "Idempotency-Key": key}
    )
    assert failed.status_code == 500
    retried = await kit_client.post(
        "/widgets", json={"name": f"after-fail-{key[:8]}"}, headers={**auth, "Idempotency-Key": key}
    )
    # The failed attempt stored nothing, so the key is free (other path, new request).
    assert retried.status_code == 201


async def test_keys_are_scoped_to_the_caller(kit_client: httpx.AsyncClient, signing_keys: Any) -> None:
    key = str(uuid.uuid4())
    body = {"name": f"scoped-{key[:8]}"}
    alice = {"Authorization": f"Bearer {signing_keys.token('user:alice')}", "Idempotency-Key": key}
    bob = {"Authorization": f"Bearer {signing_keys.token('user:bob')}", "Idempotency-Key": key}
    a = await kit_client.post("/widgets", json=body, headers=alice)
    b = await kit_client.post("/widgets", json=body, headers=bob)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert "idempotent-replayed" not in b.headers


async def test_invalid_key_is_400(kit_client: httpx.AsyncClient, auth: dict) -> None:
    response = await kit_client.post(
        "/widgets", json={"name": "x"}, headers={**auth, "Idempotency-Key": "k" * 300}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency-key-invalid"
