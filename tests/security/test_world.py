"""The world the suite builds is what it says: each caller is who it claims to be."""

from __future__ import annotations

import httpx

from tests.security.world import LEVELS, World
from tests.test_flow_representation import ok


async def test_the_world_is_built_through_the_gateway(world: World, gateway: httpx.AsyncClient) -> None:
    me = ok(await gateway.get("/identity/v1/me", headers=world.headers("owner")))
    assert {"merchant", "trader"} <= {role["role"] for role in me["roles"]}
    for level in LEVELS:
        file = world.files[level]
        assert file["access_level"] == level
        assert ok(await gateway.get(f"/orders/v1/order-files/{file['id']}", headers=world.headers("owner")))
    assert world.file_under_review["status"] == "under-review"
    assert world.product_request["state"] == "not-sent"
