"""A subscription's webhook URL over real HTTP: the signed challenge (echoed: active; not echoed
or refused: pending, saying why), a new challenge on demand, the SSRF guard at each connection
(a name resolving to a local address is refused outside the sandbox), and secret rotation (both
secrets sign while they overlap)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from identity_testing.parties import bearer, make_user, token_for
from kit_testing import Running, app_client, serve
from notifications_client.webhooks import WebhookVerificationError, verify

from kit.clock import now_utc
from kit.runtime import state_of
from notifications.main import create_app
from notifications.state import NotificationsState
from notifications.subscriptions.repository import signing_secrets
from notifications.webhooks.addresses import WebhookUrlRefused
from notifications.webhooks.transport import webhook_client

SUBSCRIPTIONS = "/v1/subscriptions"


async def patch(api: httpx.AsyncClient, path: str, token: str, body: dict[str, object]) -> httpx.Response:
    """PATCH ``body`` with the ETag as just read (``If-Match``)."""
    read = await api.get(path, headers=bearer(token))
    return await api.patch(path, json=body, headers={**bearer(token), "If-Match": read.headers["ETag"]})


@dataclass
class Receiver:
    """A subscriber's endpoint: answers the challenge as ``mode`` says, keeps what it got."""

    mode: str = "echo"
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks")
        async def hook(request: Request) -> JSONResponse:
            body = await request.body()
            self.received.append((dict(request.headers), body))
            sent = json.loads(body)
            if self.mode == "echo":
                return JSONResponse({"challenge": sent["challenge"]})
            if self.mode == "wrong":
                return JSONResponse({"challenge": "something else"})
            return JSONResponse({"error": "down"}, status_code=503)

        return app


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, Running]]:
    endpoint = Receiver()
    running = await serve(endpoint.app())
    yield endpoint, running
    await running.stop()


@pytest.fixture(scope="module")
def sandbox_app(settings_for, identity_server: Running) -> FastAPI:  # type: ignore[no-untyped-def]
    """notifications in the sandbox: http and local addresses allowed (a developer's receiver)."""
    return create_app(
        settings_for("notifications", sandbox=True, service_urls={"identity": identity_server.url})
    )


@pytest.fixture(scope="module")
async def sandbox_api(sandbox_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(sandbox_app) as client:
        yield client


async def _token(identity_app: FastAPI) -> str:
    return await token_for(identity_app, await make_user(identity_app))


async def _subscribe(api: httpx.AsyncClient, token: str, url: str) -> httpx.Response:
    return await api.post(
        SUBSCRIPTIONS, json={"event_types": ["orders.*"], "webhook_url": url}, headers=bearer(token)
    )


async def test_an_echoed_challenge_makes_the_subscription_active(
    sandbox_api: httpx.AsyncClient, identity_app: FastAPI, receiver: tuple[Receiver, Running]
) -> None:
    endpoint, running = receiver
    created = await _subscribe(sandbox_api, await _token(identity_app), f"{running.url}/hooks")
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["state"] == "active"
    assert answer["verified_at"] is not None
    assert answer["verification_error"] is None
    [(headers, body)] = endpoint.received
    assert json.loads(body)["type"] == "webhook.challenge"
    # Signed like every delivery, with the secret the answer shows.
    assert verify(answer["secret"], headers, body).startswith("challenge_")


async def test_a_wrong_echo_leaves_it_pending_saying_why_until_a_new_challenge_passes(
    sandbox_api: httpx.AsyncClient, identity_app: FastAPI, receiver: tuple[Receiver, Running]
) -> None:
    endpoint, running = receiver
    endpoint.mode = "wrong"
    token = await _token(identity_app)
    created = await _subscribe(sandbox_api, token, f"{running.url}/hooks")
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "pending-verification"
    assert "echo" in created.json()["verification_error"]
    path = f"{SUBSCRIPTIONS}/{created.json()['id']}"

    endpoint.mode = "down"
    again = await sandbox_api.post(f"{path}/verify", headers=bearer(token))
    assert again.json()["state"] == "pending-verification"
    assert "503" in again.json()["verification_error"]

    endpoint.mode = "echo"
    passed = await sandbox_api.post(f"{path}/verify", headers=bearer(token))
    assert passed.status_code == 200, passed.text
    assert passed.json()["state"] == "active"
    first, second = (json.loads(body)["challenge"] for _, body in endpoint.received[:2])
    assert first != second  # a new challenge each time


async def test_an_unreachable_url_stays_pending(
    sandbox_api: httpx.AsyncClient, identity_app: FastAPI, receiver: tuple[Receiver, Running]
) -> None:
    _, running = receiver
    await running.stop()
    created = await _subscribe(sandbox_api, await _token(identity_app), f"{running.url}/hooks")
    assert created.json()["state"] == "pending-verification"
    assert "reach" in created.json()["verification_error"]


async def test_a_new_url_is_challenged_again(
    sandbox_api: httpx.AsyncClient, identity_app: FastAPI, receiver: tuple[Receiver, Running]
) -> None:
    endpoint, running = receiver
    token = await _token(identity_app)
    created = await sandbox_api.post(SUBSCRIPTIONS, json={"event_types": ["*"]}, headers=bearer(token))
    assert created.json()["state"] == "active"
    path = f"{SUBSCRIPTIONS}/{created.json()['id']}"
    endpoint.mode = "wrong"
    changed = await patch(sandbox_api, path, token, {"webhook_url": f"{running.url}/hooks"})
    assert changed.json()["state"] == "pending-verification"
    assert changed.json()["verification_error"]
    endpoint.mode = "echo"
    resumed = await patch(sandbox_api, path, token, {"state": "disabled"})
    assert resumed.json()["state"] == "disabled"
    resumed = await patch(sandbox_api, path, token, {"state": "active"})
    assert resumed.json()["state"] == "active"
    assert len(endpoint.received) == 2


async def test_rotation_keeps_the_old_secret_signing_beside_the_new_one(
    sandbox_api: httpx.AsyncClient,
    sandbox_app: FastAPI,
    identity_app: FastAPI,
    receiver: tuple[Receiver, Running],
) -> None:
    endpoint, running = receiver
    token = await _token(identity_app)
    created = await _subscribe(sandbox_api, token, f"{running.url}/hooks")
    old = created.json()["secret"]
    path = f"{SUBSCRIPTIONS}/{created.json()['id']}"
    rotated = await sandbox_api.post(f"{path}/secret", headers=bearer(token))
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    assert rotated.json()["previous_retires_at"] is not None

    await sandbox_api.post(f"{path}/verify", headers=bearer(token))
    headers, body = endpoint.received[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify(old, headers, body) == verify(new, headers, body)
    stranger = "whsec_" + "A" * 43 + "="
    with pytest.raises(WebhookVerificationError):
        verify(stranger, headers, body)

    # Once the overlap is over, only the new secret signs.
    state = state_of(sandbox_app, NotificationsState)
    async with state.runtime.sessionmaker() as session:
        subscription_id = uuid.UUID(created.json()["id"])
        assert await signing_secrets(session, subscription_id, now_utc()) == [new, old]
        later = now_utc().replace(year=now_utc().year + 1)
        assert await signing_secrets(session, subscription_id, later) == [new]


async def test_outside_the_sandbox_a_name_resolving_to_a_local_address_is_refused_at_connection(
    notifications_app: FastAPI,
    notifications_api: httpx.AsyncClient,
    identity_app: FastAPI,
    receiver: tuple[Receiver, Running],
) -> None:
    """The URL passes the check at subscription (a public-looking name), but the connection is
    refused: the name resolves to 127.0.0.1 (DNS rebinding), checked at each connection."""
    endpoint, _ = receiver

    async def rebinding(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    state = state_of(notifications_app, NotificationsState)
    original = state.webhooks
    state.webhooks = webhook_client(sandbox=False, resolve=rebinding)
    try:
        created = await _subscribe(
            notifications_api, await _token(identity_app), "https://hooks.example.com/hooks"
        )
    finally:
        await state.webhooks.aclose()
        state.webhooks = original
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "pending-verification"
    assert "not allowed" in created.json()["verification_error"]
    assert endpoint.received == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1", "fd00::1"])
async def test_the_guarded_client_refuses_local_addresses_outside_the_sandbox(address: str) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", address]  # a mixed answer is refused whole

    async with webhook_client(sandbox=False, resolve=resolve) as client:
        with pytest.raises(WebhookUrlRefused):
            await client.post("https://hooks.example.com/hooks", content=b"{}")


async def test_the_guarded_client_connects_to_the_checked_address_keeping_the_host(
    receiver: tuple[Receiver, Running],
) -> None:
    """In the sandbox a name mapped to 127.0.0.1 reaches the receiver: the connection goes to
    the resolved address while the request still names the host."""
    endpoint, running = receiver
    port = httpx.URL(running.url).port
    asked: list[Any] = []

    async def resolve(host: str, port_: int) -> list[str]:
        asked.append((host, port_))
        return ["127.0.0.1"]

    async with webhook_client(sandbox=True, resolve=resolve) as client:
        response = await client.post(
            f"http://receiver.test:{port}/hooks", json={"type": "webhook.challenge", "challenge": "x"}
        )
    assert response.json() == {"challenge": "x"}
    assert asked == [("receiver.test", port)]
    assert endpoint.received[0][0]["host"] == f"receiver.test:{port}"
