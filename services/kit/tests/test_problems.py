"""Every error is RFC 9457 problem+json carrying the request ID."""

from __future__ import annotations

import httpx
from prometheus_client import generate_latest

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"]
    assert body["detail"]
    assert body["instance"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_own_error_has_stable_code_and_persian_title(kit_client: httpx.AsyncClient) -> None:
    body = assert_problem(await kit_client.get("/teapot"), 418, "teapot")
    assert body["detail"] == "Short and stout."
    assert body["title_fa"] == "قوری"
    assert body["extra_field"] == "kept"
    assert body["instance"] == "/teapot"


async def test_validation_error_points_at_each_field(kit_client: httpx.AsyncClient, auth: dict) -> None:
    response = await kit_client.post("/widgets", json={"name": "", "delay": 99}, headers=auth)
    body = assert_problem(response, 422, "validation-failed")
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"#/body/name", "#/body/delay"}
    assert all(e["detail"] for e in body["errors"])


async def test_malformed_json_is_a_validation_problem(kit_client: httpx.AsyncClient, auth: dict) -> None:
    response = await kit_client.post(
        "/widgets", content=b"{not json", headers={**auth, "content-type": "application/json"}
    )
    assert_problem(response, 422, "validation-failed")


async def test_unhandled_exception_is_500_without_stack_trace(kit_client: httpx.AsyncClient) -> None:
    response = await kit_client.get("/crash")
    body = assert_problem(response, 500, "internal-error")
    text = response.text
    assert "secret internal detail" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert body["title_fa"]


async def test_unknown_route_and_method_are_problems(kit_client: httpx.AsyncClient) -> None:
    assert_problem(await kit_client.get("/nowhere"), 404, "not-found")
    assert_problem(await kit_client.delete("/teapot"), 405, "method-not-allowed")


async def test_request_id_is_adopted_or_minted(kit_client: httpx.AsyncClient) -> None:
    adopted = await kit_client.get("/health", headers={"X-Request-ID": "agent-42.abc"})
    assert adopted.headers["x-request-id"] == "agent-42.abc"
    minted = await kit_client.get("/health")
    assert len(minted.headers["x-request-id"]) == 32
    unsafe = await kit_client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_failed_write_loses_nothing_stored_and_stores_nothing_half(
    kit_client: httpx.AsyncClient, auth: dict
) -> None:
    ok = await kit_client.post("/widgets", json={"name": "kept-before-failure"}, headers=auth)
    assert ok.status_code == 201
    failed = await kit_client.post("/widgets/fail", json={"name": "half-written"}, headers=auth)
    assert_problem(failed, 500, "internal-error")
    half = await kit_client.get("/widgets/count", params={"name": "half-written"})
    assert half.json()["count"] == 0
    kept = await kit_client.get("/widgets/count", params={"name": "kept-before-failure"})
    assert kept.json()["count"] == 1


async def test_metrics_are_counted_and_not_served_on_the_public_port(kit_client: httpx.AsyncClient) -> None:
    await kit_client.get("/teapot")
    assert_problem(await kit_client.get("/metrics"), 404, "not-found")
    metrics = generate_latest().decode()
    assert (
        'panjereh_http_requests_total{method="GET",route="/teapot",service="kit_test",status="418"}'
        in metrics
    )
