"""Cursor pagination: limits, opaque cursors, a stable order under inserts."""

from __future__ import annotations

import httpx


async def _walk(client: httpx.AsyncClient, limit: int, insert_during: dict | None = None) -> list[int]:
    seen: list[int] = []
    url: str | None = f"/widgets?limit={limit}"
    first = True
    while url:
        page = (await client.get(url)).json()
        seen.extend(item["seq"] for item in page["items"])
        if first and insert_during is not None:
            for i in range(5):
                await client.post("/widgets", json={"name": f"inserted-mid-walk-{i}"}, headers=insert_during)
            first = False
        url = page["next"]
    return seen


async def test_pages_cover_every_row_once_even_with_inserts(
    kit_client: httpx.AsyncClient, auth: dict
) -> None:
    for i in range(12):
        await kit_client.post("/widgets", json={"name": f"page-{i}"}, headers=auth)
    before = await _walk(kit_client, limit=100)
    walked = await _walk(kit_client, limit=5, insert_during=auth)
    assert walked == sorted(walked), "stable ascending order"
    assert len(walked) == len(set(walked)), "no row twice"
    assert set(before) <= set(walked), "no row skipped"
    assert len(walked) == len(before) + 5, "rows inserted mid-walk appear once, at the end"


async def test_next_link_carries_cursor_and_limit(kit_client: httpx.AsyncClient, auth: dict) -> None:
    for i in range(3):
        await kit_client.post("/widgets", json={"name": f"link-{i}"}, headers=auth)
    page = (await kit_client.get("/widgets?limit=1")).json()
    assert len(page["items"]) == 1
    assert "cursor=" in page["next"]
    assert "limit=1" in page["next"]


async def test_limit_bounds_and_bad_cursor(kit_client: httpx.AsyncClient) -> None:
    too_big = await kit_client.get("/widgets?limit=101")
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["pointer"] == "#/query/limit"
    assert (await kit_client.get("/widgets?limit=0")).status_code == 422
    for cursor in ("not-base64!", "WyJ4Il0", "e30"):
        bad = await kit_client.get(f"/widgets?cursor={cursor}")
        assert bad.status_code == 400, cursor
        assert bad.json()["code"] == "invalid-cursor"
