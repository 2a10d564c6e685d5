from __future__ import annotations

import httpx

from kit.auth import TokenVerifier


async def test_jwks_publishes_the_active_key(identity: httpx.AsyncClient) -> None:
    response = await identity.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) >= 1
    assert {k["alg"] for k in keys} == {"ES256"}
    assert "d" not in keys[0]  # never the private part


async def test_client_credentials_token_verifies(identity: httpx.AsyncClient, admin_token: str) -> None:
    jwks = (await identity.get("/.well-known/jwks.json")).json()

    async def fetch() -> dict:
        return jwks

    verifier = TokenVerifier(fetch_jwks=fetch, issuer="https://panjereh.ir/identity", audience="panjereh")
    principal = await verifier.verify(admin_token)
    assert principal.subject.startswith("client:")
    assert principal.scopes == {"admin"}


async def test_create_and_read_client(identity: httpx.AsyncClient, admin_token: str) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    created = await identity.post(
        "/v1/clients", json={"name": "Arya clearance", "scopes": ["clearance-agent"]}, headers=auth
    )
    assert created.status_code == 201, created.text
    client_id = created.json()["client_id"]
    read = await identity.get(f"/v1/clients/{client_id}", headers=auth)
    assert read.status_code == 200
    assert "client_secret" not in read.json()
