"""`GET /v1/me/relations/{subject}`: how the caller stands to a party (self, manager,
representative), what orders checks an officer's independence against."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from identity_testing.parties import bearer, make_legal, make_user, token_for
from identity_testing.representation import acting_for_token, grant, grant_body, signing_key

from kit.clock import today_tehran


async def _relations(client: httpx.AsyncClient, token: str, subject: str) -> list[str]:
    response = await client.get(f"/v1/me/relations/{subject}", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == subject
    return list(response.json()["relations"])


async def test_self_manager_and_representative(app: FastAPI, client: httpx.AsyncClient) -> None:
    card = today_tehran().replace(year=today_tehran().year + 1)
    merchant = await make_user(app, roles=("base-natural", "merchant"), card_expires_on=card)
    officer = await make_user(app)
    agency_manager = await make_user(app)
    agency = await make_legal(app, agency_manager)
    company = await make_legal(app, officer)
    mine = await token_for(app, officer)

    assert await _relations(client, mine, f"user:{officer.id}") == ["self"]
    assert await _relations(client, mine, f"legal:{company.id}") == ["manager"]
    assert await _relations(client, mine, f"user:{merchant.id}") == []
    assert await _relations(client, mine, f"legal:{uuid.uuid4()}") == []

    # A grant to the officer, and one to a legal person someone else manages.
    _, grant_id = await acting_for_token(app, client, merchant, officer)
    to_agency = await grant(
        client, await token_for(app, merchant), await signing_key(app, merchant), grant_body(agency)
    )
    assert to_agency.status_code == 201, to_agency.text
    accepted = await client.post(
        f"/v1/representations/{to_agency.json()['id']}/accept",
        headers=bearer(await token_for(app, agency_manager)),
    )
    assert accepted.status_code == 200, accepted.text
    assert await _relations(client, mine, f"user:{merchant.id}") == ["representative"]
    manager_token = await token_for(app, agency_manager)
    assert await _relations(client, manager_token, f"user:{merchant.id}") == ["representative"]

    revoked = await client.post(
        f"/v1/representations/{grant_id}/revoke", headers=bearer(await token_for(app, merchant))
    )
    assert revoked.status_code == 200, revoked.text
    assert await _relations(client, mine, f"user:{merchant.id}") == []


async def test_only_the_callers_own_token_and_a_party_subject(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await make_user(app)
    assert (await client.get(f"/v1/me/relations/user:{user.id}")).status_code == 401
    bad = await client.get("/v1/me/relations/client:arya", headers=bearer(await token_for(app, user)))
    assert bad.status_code == 422
