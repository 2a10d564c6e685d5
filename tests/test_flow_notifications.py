"""Issue 12's "done when", through the gateway over real HTTP.

A clearance agent holding a merchant's grant (foreign trade, medium) subscribes in its own name
to order approvals, once with a webhook on its own receiver and once with a pull box. An officer
approves a file the agent registered for the merchant: the receiver gets one signed webhook it
verifies with the secret it was shown, and the box holds the same message until the agent
acknowledges it. The merchant revokes the grant; the next approval reaches the merchant's own
box, and neither the agent's receiver nor its box.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import acting_for_token, signing_key
from kit_testing import serve
from notifications_client.webhooks import verify
from orders_testing import files as f
from orders_testing.files import Merchant
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import Stack

APPROVED = "orders.order-file.approved"
WAIT_SECONDS = 30.0


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json() if response.content else None


class Receiver:
    """An agent's webhook endpoint: echoes the challenge, keeps every delivery as it came."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        document = json.loads(body)
        if document.get("type") == "webhook.challenge":
            return JSONResponse({"challenge": document["challenge"]})
        self.deliveries.append((dict(request.headers), body))
        return Response(status_code=204)

    def of(self, file_id: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b in self.deliveries if json.loads(b)["object"]["id"] == file_id]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    running = await serve(Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])]))
    try:
        yield receiver, f"{running.url}/hook"
    finally:
        await running.stop()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await check():
        assert time.monotonic() < deadline, f"waited {WAIT_SECONDS} s for {what}"
        await asyncio.sleep(0.1)


async def box(
    http: httpx.AsyncClient, subscription: str, headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    page = ok(
        await http.get(
            f"/notifications/v1/subscriptions/{subscription}/messages", params=params, headers=headers
        )
    )
    return list(page["items"])


def about(messages: list[dict[str, Any]], file_id: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["body"]["object"]["id"] == file_id]


async def test_an_agent_is_notified_of_its_principals_approval_until_the_grant_is_revoked(
    stack: Stack, http: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    hook, hook_url = receiver
    identity_app = stack.apps["identity"]
    orders = httpx.AsyncClient(base_url=f"{stack.gateway}/orders", timeout=30)
    identity_http = httpx.AsyncClient(base_url=f"{stack.gateway}/identity", timeout=30)
    admin = bearer(
        ok(
            await http.post(
                "/identity/v1/token", data={"grant_type": "client_credentials"}, auth=stack.admin_credentials
            )
        )["access_token"]
    )
    fida = await f.seller(orders, admin)

    # A merchant, and an agent holding the merchant's grant (foreign trade, medium) with a signing key.
    merchant = await f.merchant(identity_app)
    agent_party = await make_user(identity_app)
    acting, grant_id = await acting_for_token(
        identity_app,
        identity_http,
        merchant.party,
        agent_party,
        access_level="medium",
        scopes=["foreign-trade"],
    )
    agent = Merchant(
        party=agent_party, headers=bearer(acting), key=await signing_key(identity_app, agent_party)
    )
    own = bearer(await token_for(identity_app, agent_party))  # the agent in its own name

    # The agent subscribes: a webhook (challenged at once) and a pull box; the merchant a box of its own.
    pushed = ok(
        await http.post(
            "/notifications/v1/subscriptions",
            json={"event_types": [APPROVED], "webhook_url": hook_url, "description": "agent software"},
            headers=own,
        ),
        201,
    )
    assert pushed["state"] == "active", pushed
    pulled = ok(
        await http.post("/notifications/v1/subscriptions", json={"event_types": [APPROVED]}, headers=own), 201
    )
    control = ok(
        await http.post(
            "/notifications/v1/subscriptions", json={"event_types": [APPROVED]}, headers=merchant.headers
        ),
        201,
    )

    # The agent registers two files for the merchant; an officer approves the first.
    first = await f.under_review(orders, agent, fida, access_level="medium")
    second = await f.under_review(orders, agent, fida, access_level="medium")
    officer = await f.officer(identity_app)
    ok(await orders.post(f"/v1/order-files/{first['id']}/approve", headers=officer.headers))

    # One signed webhook, verifiable with the secret shown at subscription.
    async def delivered() -> bool:
        return bool(hook.of(first["id"]))

    await eventually(delivered, "the webhook of the first approval")
    headers, body = hook.of(first["id"])[0]
    message_id = verify(pushed["secret"], headers, body)
    sent = json.loads(body)
    assert sent["type"] == APPROVED
    assert sent["subject"] == f"user:{merchant.party.id}"
    assert sent["object"]["url"] == f"/orders/v1/order-files/{first['id']}"

    # The same event waits in the agent's box until acknowledged.
    async def in_box() -> bool:
        return bool(about(await box(http, pulled["id"], own, status="pending"), first["id"]))

    await eventually(in_box, "the first approval in the agent's box")
    (waiting,) = about(await box(http, pulled["id"], own, status="pending"), first["id"])
    ok(
        await http.post(
            f"/notifications/v1/subscriptions/{pulled['id']}/messages/{waiting['id']}/acknowledge",
            headers=own,
        )
    )
    assert not about(await box(http, pulled["id"], own, status="pending"), first["id"])
    assert about(await box(http, pulled["id"], own, status="acknowledged"), first["id"])
    assert len(hook.of(first["id"])) == 1, "delivered more than once"
    assert message_id

    # The merchant revokes the grant; the second approval reaches the merchant's box only.
    ok(await identity_http.post(f"/v1/representations/{grant_id}/revoke", headers=merchant.headers))
    ok(await orders.post(f"/v1/order-files/{second['id']}/approve", headers=officer.headers))

    async def merchant_told() -> bool:
        return bool(about(await box(http, control["id"], merchant.headers), second["id"]))

    await eventually(merchant_told, "the second approval in the merchant's own box")
    await asyncio.sleep(1.0)  # a delivery, had one been queued, would have gone by now
    assert not hook.of(second["id"]), "delivered to the agent after the grant was revoked"
    for status in ("pending", "delivered", "acknowledged"):
        assert not about(await box(http, pulled["id"], own, status=status), second["id"])
    await orders.aclose()
    await identity_http.aclose()
