"""orders_client reads order files as another service would (permits): the caller's own token,
typed answers, and orders' refusals as ``ServiceCallError``."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from orders_client import OrdersClient
from orders_testing import files as f

from panjereh_contract.client import ServiceCallError


async def test_the_client_reads_a_file_and_lists_the_callers_files(
    orders: httpx.AsyncClient, identity_app: FastAPI, admin_headers: dict[str, str]
) -> None:
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, await f.seller(orders, admin_headers))
    client = OrdersClient(str(orders.base_url), orders)
    authorization = owner.headers["Authorization"]

    read = await client.order_file(authorization, created["id"])
    assert (read.id, read.status, read.owner) == (created["id"], "draft", created["owner"])
    page = await client.order_files(authorization, status="draft")
    assert [item.id for item in page.items] == [created["id"]]
    assert (await client.order_files(authorization, status="approved")).items == []

    stranger = await f.merchant(identity_app)
    with pytest.raises(ServiceCallError) as refused:
        await client.order_file(stranger.headers["Authorization"], created["id"])
    assert (refused.value.status, refused.value.problem["code"]) == (404, "order-file-not-found")
    with pytest.raises(ServiceCallError):
        await client.order_file(authorization, str(uuid.uuid4()))
