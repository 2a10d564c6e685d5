"""POST /v1/token refusals (RFC 6749 §5.2) and admin-scope checks."""

from __future__ import annotations

import httpx
import pytest

from identity.cli import _create_client


@pytest.fixture(scope="module")
async def agent_credentials(settings_for) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), "Arya clearance", ["clearance-agent"])
    return created["client_id"], created["client_secret"]


async def _token_error(response: httpx.Response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["error_description"] == body["detail"]
    assert response.headers["cache-control"] == "no-store"
    return body


async def test_form_credentials_work_too(
    identity: httpx.AsyncClient, agent_credentials: tuple[str, str]
) -> None:
    client_id, secret = agent_credentials
    response = await identity.post(
        "/v1/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "clearance-agent"


async def test_missing_and_unsupported_grant(
    identity: httpx.AsyncClient, agent_credentials: tuple[str, str]
) -> None:
    await _token_error(
        await identity.post("/v1/token", data={}, auth=agent_credentials), 400, "invalid_request"
    )
    await _token_error(
        await identity.post("/v1/token", data={"grant_type": "password"}, auth=agent_credentials),
        400,
        "unsupported_grant_type",
    )


async def test_wrong_secret_and_unknown_client_look_alike(
    identity: httpx.AsyncClient, agent_credentials: tuple[str, str]
) -> None:
    client_id, _ = agent_credentials
    wrong = await identity.post(
        "/v1/token", data={"grant_type": "client_credentials"}, auth=(client_id, "nope")
    )
    unknown = await identity.post(
        "/v1/token", data={"grant_type": "client_credentials"}, auth=("ghost", "nope")
    )
    body_wrong = await _token_error(wrong, 401, "invalid_client")
    body_unknown = await _token_error(unknown, 401, "invalid_client")
    assert body_wrong["detail"] == body_unknown["detail"]
    assert wrong.headers["www-authenticate"].startswith("Basic")


async def test_two_authentication_methods_are_refused(
    identity: httpx.AsyncClient, agent_credentials: tuple[str, str]
) -> None:
    client_id, secret = agent_credentials
    response = await identity.post(
        "/v1/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        auth=agent_credentials,
    )
    await _token_error(response, 400, "invalid_request")


async def test_scope_beyond_the_client_is_refused(
    identity: httpx.AsyncClient, agent_credentials: tuple[str, str]
) -> None:
    response = await identity.post(
        "/v1/token", data={"grant_type": "client_credentials", "scope": "admin"}, auth=agent_credentials
    )
    await _token_error(response, 400, "invalid_scope")


async def test_garbled_basic_header(identity: httpx.AsyncClient) -> None:
    response = await identity.post(
        "/v1/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic %%%"}
    )
    await _token_error(response, 401, "invalid_client")


async def test_client_admin_needs_the_admin_scope(
    identity: httpx.AsyncClient, agent_credentials: tuple[str, str]
) -> None:
    assert (await identity.get("/v1/clients")).status_code == 401
    token = (
        await identity.post("/v1/token", data={"grant_type": "client_credentials"}, auth=agent_credentials)
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    listed = await identity.get("/v1/clients", headers=auth)
    assert listed.status_code == 403
    assert listed.json()["missing_scopes"] == ["admin"]
    created = await identity.post("/v1/clients", json={"name": "x", "scopes": ["admin"]}, headers=auth)
    assert created.status_code == 403


async def test_client_list_pages_and_unknown_client(identity: httpx.AsyncClient, admin_token: str) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    for i in range(3):
        await identity.post(
            "/v1/clients", json={"name": f"paged {i}", "scopes": ["mikhak-feed"]}, headers=auth
        )
    seen: list[str] = []
    url: str | None = "/v1/clients?limit=2"
    while url:
        page = (await identity.get(url, headers=auth)).json()
        assert len(page["items"]) <= 2
        seen.extend(c["client_id"] for c in page["items"])
        url = page["next"]
    assert len(seen) == len(set(seen)) >= 3
    missing = await identity.get("/v1/clients/no-such-client", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["code"] == "client-not-found"


async def test_unknown_scope_at_creation_is_a_field_error(
    identity: httpx.AsyncClient, admin_token: str
) -> None:
    response = await identity.post(
        "/v1/clients",
        json={"name": "x", "scopes": ["superuser"]},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body/scopes/0"


async def test_persian_client_name_gets_an_ascii_id(identity: httpx.AsyncClient, admin_token: str) -> None:
    response = await identity.post(
        "/v1/clients",
        json={"name": "ترخیص‌کاران آریا", "scopes": ["clearance-agent"]},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert response.status_code == 201
    assert response.json()["client_id"].startswith("client-")
    assert response.json()["client_id"].isascii()
    assert response.headers["location"] == f"http://testserver/v1/clients/{response.json()['client_id']}"
