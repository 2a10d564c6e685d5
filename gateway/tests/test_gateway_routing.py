"""Routing to every service over real HTTP, end to end with a real token."""

from __future__ import annotations

import httpx
import pytest
from kit_testing import Running

from gateway.state import gateway_state
from identity.cli import _create_client
from kit.registry import Service, registry
from kit.settings import DEFAULT_PUBLIC_BASE_URL

EACH_SERVICE = pytest.mark.parametrize("service", registry().services, ids=registry().names)


@EACH_SERVICE
async def test_each_service_answers_under_its_prefix(
    gateway: Running, client: httpx.AsyncClient, service: Service
) -> None:
    response = await client.get(f"{gateway.url}{service.prefix}/health")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "service": service.name}


async def test_token_then_a_token_verified_read_end_to_end(
    gateway: Running, client: httpx.AsyncClient, settings_for, admin_token: str
) -> None:
    created = await _create_client(settings_for("identity"), "Arya clearance", ["clearance-agent"])
    token = await client.post(
        f"{gateway.url}/identity/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )
    assert token.status_code == 200, token.text
    assert token.json()["token_type"].lower() == "bearer"
    assert token.headers["cache-control"] == "no-store"

    read = await client.get(
        f"{gateway.url}/identity/v1/clients/{created['client_id']}",
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert read.status_code == 200, read.text
    assert read.json()["client_id"] == created["client_id"]


async def test_links_a_service_returns_point_at_the_public_base_url(
    gateway: Running, client: httpx.AsyncClient, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    created = await client.post(
        f"{gateway.url}/identity/v1/clients",
        json={"name": "Link test", "scopes": ["clearance-agent"]},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    base = DEFAULT_PUBLIC_BASE_URL  # what the gateway and the services are configured with here
    assert created.headers["location"] == f"{base}/identity/v1/clients/{created.json()['client_id']}"
    page = await client.get(f"{gateway.url}/identity/v1/clients?limit=1", headers=auth)
    assert page.status_code == 200
    assert page.json()["next"].startswith(f"{base}/identity/v1/clients?")


async def test_upstream_errors_pass_through_unchanged(gateway: Running, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{gateway.url}/identity/v1/clients/anyone")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"


async def test_path_query_and_headers_reach_the_upstream(
    start_gateway, probe, client: httpx.AsyncClient
) -> None:
    _, upstream = probe
    gateway = await start_gateway(service_urls={"orders": upstream.url})
    response = await client.get(
        f"{gateway.url}/orders/headers?q=%D8%B3%D9%84%D8%A7%D9%85&a=1&a=2",
        headers={
            "Accept-Language": "fa-IR",
            "If-None-Match": '"v1"',
            "Idempotency-Key": "k-1",
            "Panjereh-Signature": "e30..c2ln",
            "Cookie": "not=forwarded",
            "X-Custom": "not forwarded",
        },
    )
    assert response.status_code == 200
    seen = response.json()
    headers = dict(seen["headers"])
    assert seen["path"] == "/headers"
    assert seen["query"] == "q=%D8%B3%D9%84%D8%A7%D9%85&a=1&a=2"
    assert headers["host"] == upstream.url.removeprefix("http://")
    assert headers["accept-language"] == "fa-IR"
    assert headers["if-none-match"] == '"v1"'
    assert headers["idempotency-key"] == "k-1"
    assert headers["panjereh-signature"] == "e30..c2ln"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert "x-forwarded-host" not in headers  # the Host a client sent builds no link
    assert headers["x-forwarded-prefix"] == "/orders"
    assert "cookie" not in headers
    assert "x-custom" not in headers
    assert response.headers["x-probe"] == "1"


async def test_hop_by_hop_response_headers_are_dropped(
    start_gateway, probe, client: httpx.AsyncClient
) -> None:
    _, upstream = probe
    gateway = await start_gateway(service_urls={"permits": upstream.url})
    response = await client.get(f"{gateway.url}/permits/hop-by-hop")
    assert response.status_code == 200
    assert response.headers["x-kept"] == "1"
    assert "x-private" not in response.headers
    assert "keep-alive" not in response.headers


async def test_head_request(start_gateway, probe, client: httpx.AsyncClient) -> None:
    _, upstream = probe
    gateway = await start_gateway(service_urls={"permits": upstream.url})
    head = await client.head(f"{gateway.url}/permits/headers")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    after = await client.get(f"{gateway.url}/permits/headers")
    assert after.status_code == 200
    assert after.json()["path"] == "/headers"


async def test_unknown_service_is_a_404_problem(gateway: Running, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{gateway.url}/customs/v1/anything")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "not-found"
    assert "/identity" in problem["detail"]
    assert problem["request_id"] == response.headers["x-request-id"]


async def test_gateway_health_lists_every_service(gateway: Running, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{gateway.url}/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == set(registry().names)
    assert all(s["status"] == "up" for s in body["services"].values())
    assert "date" in response.headers


async def test_gateway_metrics_are_on_their_own_port_only(start_gateway, client: httpx.AsyncClient) -> None:
    gateway = await start_gateway(metrics_port=0)
    port = gateway_state(gateway.server.config.app.site).metrics_port
    await client.get(f"{gateway.url}/orders/health")
    response = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    assert 'route="/orders/{path}"' in response.text
    public = await client.get(f"{gateway.url}/metrics")
    assert public.status_code == 404
    assert public.headers["content-type"] == "application/problem+json"


@EACH_SERVICE
@pytest.mark.parametrize("path", ["metrics", "metrics/", "metrics//", "/metrics"])
async def test_service_metrics_stay_inside(
    gateway: Running, client: httpx.AsyncClient, service: Service, path: str
) -> None:
    response = await client.get(f"{gateway.url}{service.prefix}/{path}", follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "location" not in response.headers
    document = (await client.get(f"{gateway.url}/openapi.json")).json()
    assert f"{service.prefix}/metrics" not in document["paths"]
    assert f"{service.prefix}/health" in document["paths"]
