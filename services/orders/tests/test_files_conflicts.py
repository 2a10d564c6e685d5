"""Separation of duties: an officer never approves or rejects an order file they are party to —
its owner's representative or manager, its creator or its signer (403 `conflict-of-interest`);
an unrelated officer of the ministry still does."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import Party, bearer, make_legal, make_user, token_for
from identity_testing.representation import acting_for_token, signing_key
from orders_testing import files as f

MIMT = {"kind": "issuing-authority", "code": "mimt", "name": "Ministry of Industry, Mine and Trade"}


@pytest.fixture
async def fida(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    return await f.seller(orders, admin_headers)


async def _officer_party(identity_app: FastAPI) -> tuple[Party, dict[str, str]]:
    party = await make_user(identity_app, roles=("base-natural", "officer"))
    token = await token_for(identity_app, party, roles=["base-natural", "officer"], office=MIMT)
    return party, bearer(token)


def _conflict(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "conflict-of-interest"


async def _decisions_refused(orders: httpx.AsyncClient, path: str, headers: dict[str, str]) -> None:
    _conflict(await orders.post(f"{path}/approve", headers=headers))
    _conflict(await orders.post(f"{path}/reject", json={"reason": "Not valid."}, headers=headers))
    assert (await orders.get(path, headers=headers)).json()["status"] == "under-review"


async def test_an_officer_representing_the_owner_does_not_decide(
    orders: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
    admin_headers: dict[str, str],
    fida: str,
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    file = await f.under_review(orders, owner, fida)
    officer, headers = await _officer_party(identity_app)
    # The owner's grant to the officer (who never touched this file) is enough.
    await acting_for_token(identity_app, identity_http, owner.party, officer, scopes=["currency"])
    await _decisions_refused(orders, f"/v1/order-files/{file['id']}", headers)
    # Both refusals are in the security audit, though their requests' transactions rolled back.
    audited = await orders.get(
        "/v1/audit-events", params={"object_id": file["id"], "outcome": "refused"}, headers=admin_headers
    )
    assert audited.status_code == 200, audited.text
    refusals = audited.json()["items"]
    assert {e["action"] for e in refusals} == {"order-file.approved", "order-file.rejected"}
    assert {e["actor"] for e in refusals} == {f"user:{officer.id}"}
    assert all("represent its owner" in e["details"]["reason"] for e in refusals)

    unrelated = await f.officer(identity_app)
    approved = await orders.post(f"/v1/order-files/{file['id']}/approve", headers=unrelated.headers)
    assert approved.status_code == 200, approved.text


async def test_an_officer_who_created_and_signed_it_does_not_decide_even_after_the_grant_ends(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    officer, headers = await _officer_party(identity_app)
    token, grant_id = await acting_for_token(
        identity_app, identity_http, owner.party, officer, scopes=["foreign-trade"], access_level="full"
    )
    as_representative = f.Merchant(
        party=officer, headers=bearer(token), key=await signing_key(identity_app, officer)
    )
    file = await f.under_review(orders, as_representative, fida)
    revoked = await identity_http.post(
        f"/v1/representations/{grant_id}/revoke", headers=bearer(await token_for(identity_app, owner.party))
    )
    assert revoked.status_code == 200, revoked.text
    await _decisions_refused(orders, f"/v1/order-files/{file['id']}", headers)


async def test_an_officer_managing_the_owner_does_not_decide(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    officer, headers = await _officer_party(identity_app)
    company = await make_legal(identity_app, officer, roles=("base-legal", "merchant"))
    company_token = await token_for(
        identity_app, company, roles=["base-legal", "merchant"], commercial_card_expires="2030-01-01"
    )
    owner = f.Merchant(
        party=company, headers=bearer(company_token), key=await signing_key(identity_app, company)
    )
    file = await f.under_review(orders, owner, fida)
    await _decisions_refused(orders, f"/v1/order-files/{file['id']}", headers)
