"""RFC 8693 token exchange: acting-for tokens for an active grant only, and another service's kit accepting them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_client.representations import (
    ACCESS_TOKEN_TYPE,
    LEGAL_PERSON_TOKEN_TYPE,
    MERCHANT_SCOPES,
    REPRESENTATION_TOKEN_TYPE,
    TOKEN_EXCHANGE_GRANT,
    TRADER_SECTIONS,
)
from identity_testing.parties import bearer, make_legal, make_user, token_for
from identity_testing.representation import acting_for_token, exchange, grant, grant_body, signing_key
from sqlalchemy import update

from identity.models import Party, Representation, RoleAssignment
from kit.access_levels import ROLE_SCOPES, ensure_may_act, may_act, visible_levels
from kit.auth import Principal, TokenVerifier
from kit.clock import today_tehran
from kit.errors import Forbidden, NotFound
from kit.runtime import runtime_of
from panjereh_contract.access_levels import AccessLevel

TODAY = today_tehran()
CARD_EXPIRES = TODAY + timedelta(days=365)


async def _merchant(app: FastAPI) -> Party:
    return await make_user(app, roles=("base-natural", "merchant"), card_expires_on=CARD_EXPIRES)


async def _service_verifier(app: FastAPI, client: httpx.AsyncClient) -> TokenVerifier:
    """What another service builds: a kit verifier fed with identity's published JWKS."""

    async def fetch() -> dict[str, Any]:
        response = await client.get("/.well-known/jwks.json")
        response.raise_for_status()
        return dict(response.json())

    settings = runtime_of(app).settings
    return TokenVerifier(fetch_jwks=fetch, issuer=settings.token_issuer, audience=settings.token_audience)


def _invalid(response: httpx.Response, error: str = "invalid_grant") -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == error, body
    assert response.headers["cache-control"] == "no-store"
    return str(body["error_description"])


async def _granted(app: FastAPI, client: httpx.AsyncClient, grantor: Party, agent: Party, **body: Any) -> str:
    response = await grant(
        client, await token_for(app, grantor), await signing_key(app, grantor), grant_body(agent, **body)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _accept(app: FastAPI, client: httpx.AsyncClient, grant_id: str, by: Party) -> None:
    response = await client.post(
        f"/v1/representations/{grant_id}/accept", headers=bearer(await token_for(app, by))
    )
    assert response.status_code == 200, response.text


async def test_another_services_kit_accepts_the_acting_for_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    merchant, agent = await _merchant(app), await make_user(app)
    grant_id = await _granted(app, client, merchant, agent, scopes=["foreign-trade"], access_level="medium")
    await _accept(app, client, grant_id, agent)
    issued = await exchange(client, grant_id, await token_for(app, agent))
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["issued_token_type"] == ACCESS_TOKEN_TYPE
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "foreign-trade"
    assert "refresh_token" not in body
    assert issued.headers["cache-control"] == "no-store"

    principal = await (await _service_verifier(app, client)).verify(body["access_token"])
    owner = f"user:{merchant.id}"
    assert principal.subject == owner
    assert principal.actor == f"user:{agent.id}"
    assert principal.access_level == "medium"
    assert principal.scopes == {"foreign-trade"}
    assert principal.roles == {"merchant"}
    assert principal.claims["representation_id"] == grant_id
    assert principal.claims["act"] == {"sub": f"user:{agent.id}"}
    # The grantor's card travels with a merchant grant: merchant acts check it.
    assert principal.claims["commercial_card_issued"] == "2025-01-01"
    assert "commercial_card_expires" in principal.claims

    # What the orders service will ask.
    assert may_act(principal, owner, AccessLevel.MEDIUM, "foreign-trade")
    assert may_act(principal, owner, AccessLevel.VERY_LIMITED, "foreign-trade")
    assert not may_act(principal, owner, AccessLevel.FULL, "foreign-trade")
    assert not may_act(principal, owner, AccessLevel.LIMITED, "currency")
    assert not may_act(principal, f"user:{agent.id}", AccessLevel.VERY_LIMITED)
    assert visible_levels(principal) == ["very-limited", "limited", "medium"]
    with pytest.raises(NotFound):
        ensure_may_act(principal, owner, AccessLevel.FULL, "foreign-trade")
    with pytest.raises(Forbidden):
        ensure_may_act(principal, owner, AccessLevel.MEDIUM, "currency")


async def test_no_token_for_a_pending_scheduled_revoked_or_rejected_grant(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    merchant, agent = await _merchant(app), await make_user(app)
    agent_token = await token_for(app, agent)

    pending = await _granted(app, client, merchant, agent)
    assert "pending" in _invalid(await exchange(client, pending, agent_token))

    later = await _granted(app, client, merchant, agent, starts_on=TODAY + timedelta(days=1))
    await _accept(app, client, later, agent)
    assert "scheduled" in _invalid(await exchange(client, later, agent_token))

    rejected = await _granted(app, client, merchant, agent)
    await client.post(f"/v1/representations/{rejected}/reject", headers=bearer(agent_token))
    assert "rejected" in _invalid(await exchange(client, rejected, agent_token))

    revoked = await _granted(app, client, merchant, agent)
    await _accept(app, client, revoked, agent)
    assert (await exchange(client, revoked, agent_token)).status_code == 200
    response = await client.post(
        f"/v1/representations/{revoked}/revoke", headers=bearer(await token_for(app, merchant))
    )
    assert response.status_code == 200
    assert "revoked" in _invalid(await exchange(client, revoked, agent_token))


async def test_no_token_after_the_end_date(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, agent = await _merchant(app), await make_user(app)
    grant_id = await _granted(app, client, merchant, agent)
    await _accept(app, client, grant_id, agent)
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(
            update(Representation)
            .where(Representation.id == uuid.UUID(grant_id))
            .values(starts_on=TODAY - timedelta(days=30), ends_on=TODAY - timedelta(days=1))
        )
    assert "expired" in _invalid(await exchange(client, grant_id, await token_for(app, agent)))


async def test_no_token_once_the_grantors_role_lapses(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, agent = await _merchant(app), await make_user(app)
    agent_token = await token_for(app, agent)
    grant_id = await _granted(app, client, merchant, agent)
    await _accept(app, client, grant_id, agent)
    assert (await exchange(client, grant_id, agent_token)).status_code == 200

    card = update(RoleAssignment).where(
        RoleAssignment.party_id == merchant.id, RoleAssignment.role == "merchant"
    )
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(card.values(card_expires_on=TODAY - timedelta(days=1)))
    assert "card" in _invalid(await exchange(client, grant_id, agent_token))

    async with runtime_of(app).sessionmaker() as session, session.begin():
        await session.execute(card.values(card_expires_on=CARD_EXPIRES, revoked_at=TODAY))
    assert "role" in _invalid(await exchange(client, grant_id, agent_token))


async def test_only_the_representative_gets_the_token(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    merchant, agent, stranger = await _merchant(app), await make_user(app), await make_user(app)
    grant_id = await _granted(app, client, merchant, agent)
    await _accept(app, client, grant_id, agent)

    not_yours = _invalid(await exchange(client, grant_id, await token_for(app, stranger)))
    assert _invalid(await exchange(client, grant_id, await token_for(app, merchant))) == not_yours
    assert _invalid(await exchange(client, str(uuid.uuid4()), await token_for(app, agent))) == not_yours
    _invalid(await exchange(client, "not-a-uuid", await token_for(app, agent)))

    # The actor token must be the agent's own, valid user token.
    acting_for, _ = await acting_for_token(app, client, await _merchant(app), agent)
    assert "acts for someone" in _invalid(await exchange(client, grant_id, acting_for))
    assert "machine" in _invalid(await exchange(client, grant_id, admin_token))
    _invalid(await exchange(client, grant_id, "not.a.token"))
    disabled = await make_user(app, status="disabled")
    assert "not active" in _invalid(await exchange(client, grant_id, await token_for(app, disabled)))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"subject_token": None}, "invalid_request"),
        ({"actor_token": None}, "invalid_request"),
        ({"subject_token_type": None}, "invalid_request"),
        ({"actor_token_type": None}, "invalid_request"),
        ({"subject_token_type": "urn:ietf:params:oauth:token-type:jwt"}, "invalid_request"),
        ({"actor_token_type": "urn:ietf:params:oauth:token-type:id_token"}, "invalid_request"),
        ({"requested_token_type": "urn:ietf:params:oauth:token-type:refresh_token"}, "invalid_request"),
    ],
)
async def test_malformed_exchange_requests(
    app: FastAPI, client: httpx.AsyncClient, change: dict[str, str | None], error: str
) -> None:
    agent = await make_user(app)
    form: dict[str, str | None] = {
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": str(uuid.uuid4()),
        "subject_token_type": REPRESENTATION_TOKEN_TYPE,
        "actor_token": await token_for(app, agent),
        "actor_token_type": ACCESS_TOKEN_TYPE,
        **change,
    }
    response = await client.post("/v1/token", data={k: v for k, v in form.items() if v is not None})
    _invalid(response, error)


async def test_a_manager_acts_for_a_legal_representative(app: FastAPI, client: httpx.AsyncClient) -> None:
    merchant, manager, other = await _merchant(app), await make_user(app), await make_user(app)
    agency = await make_legal(app, manager)
    grant_id = await _granted(app, client, merchant, agency, access_level="full")
    await _accept(app, client, grant_id, manager)
    _invalid(await exchange(client, grant_id, await token_for(app, other)))
    issued = await exchange(client, grant_id, await token_for(app, manager))
    assert issued.status_code == 200, issued.text
    principal = await (await _service_verifier(app, client)).verify(issued.json()["access_token"])
    assert principal.subject == f"user:{merchant.id}"
    assert principal.actor == f"legal:{agency.id}"
    assert principal.claims["act"] == {"sub": f"legal:{agency.id}", "act": {"sub": f"user:{manager.id}"}}
    assert may_act(principal, f"user:{merchant.id}", AccessLevel.FULL, "currency")


async def test_a_manager_acts_as_the_legal_person(app: FastAPI, client: httpx.AsyncClient) -> None:
    manager, other = await make_user(app), await make_user(app)
    company = await make_legal(app, manager, roles=("base-legal", "trader"))
    issued = await exchange(client, str(company.id), await token_for(app, manager), LEGAL_PERSON_TOKEN_TYPE)
    assert issued.status_code == 200, issued.text
    assert set(issued.json()["scope"].split()) == {"base", "full"}
    principal: Principal = await (await _service_verifier(app, client)).verify(issued.json()["access_token"])
    owner = f"legal:{company.id}"
    assert principal.subject == owner
    assert principal.actor == f"user:{manager.id}"
    assert principal.roles == {"base-legal", "trader"}
    assert principal.access_level == "full"
    assert may_act(principal, owner, AccessLevel.FULL, "sales")
    assert visible_levels(principal) == [level.value for level in AccessLevel]
    # A trader company's manager does not get foreign trade out of its `full`.
    assert not may_act(principal, owner, AccessLevel.FULL, "foreign-trade")

    for actor, subject in (
        (other, str(company.id)),  # not a manager
        (manager, str(manager.id)),  # not a legal person
        (manager, str(uuid.uuid4())),
    ):
        _invalid(await exchange(client, subject, await token_for(app, actor), LEGAL_PERSON_TOKEN_TYPE))


async def test_an_acting_for_token_cannot_manage_the_grantors_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    merchant, agent = await _merchant(app), await make_user(app)
    token, grant_id = await acting_for_token(app, client, merchant, agent)
    for response in (
        await client.get("/v1/representations", params={"side": "granted"}, headers=bearer(token)),
        await client.get(f"/v1/representations/{grant_id}", headers=bearer(token)),
        await client.post(f"/v1/representations/{grant_id}/revoke", headers=bearer(token)),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "user-token-required"
    # Nor can it be exchanged again for a further hop.
    _invalid(await exchange(client, grant_id, token))


async def test_a_trader_full_grant_carries_its_role_and_covers_no_merchant_scope(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The token carries the grant's role with its scopes: a trader grant's `full` is domestic
    trade, never the foreign trade, currency or product IDs of the same person's merchant role."""
    grantor = await make_user(app, roles=("base-natural", "merchant", "trader"), card_expires_on=CARD_EXPIRES)
    agent = await make_user(app)
    grant_id = await _granted(
        app, client, grantor, agent, role="trader", scopes=["full"], access_level="full"
    )
    await _accept(app, client, grant_id, agent)
    issued = await exchange(client, grant_id, await token_for(app, agent))
    assert issued.status_code == 200, issued.text
    principal = await (await _service_verifier(app, client)).verify(issued.json()["access_token"])
    owner = f"user:{grantor.id}"
    assert principal.roles == {"trader"}
    assert principal.scopes == {"full"}
    assert "commercial_card_expires" not in principal.claims
    assert may_act(principal, owner, AccessLevel.FULL, "sales")
    for scope in ("foreign-trade", "currency", "product-id"):
        assert not may_act(principal, owner, AccessLevel.VERY_LIMITED, scope)
        with pytest.raises(Forbidden):
            ensure_may_act(principal, owner, AccessLevel.VERY_LIMITED, scope)
    assert visible_levels(principal, "foreign-trade") == []


async def test_a_merchant_companys_manager_holds_the_merchant_scopes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    manager = await make_user(app)
    company = await make_legal(app, manager, roles=("base-legal", "merchant"))
    issued = await exchange(client, str(company.id), await token_for(app, manager), LEGAL_PERSON_TOKEN_TYPE)
    assert issued.status_code == 200, issued.text
    assert set(issued.json()["scope"].split()) == {"base", "foreign-trade", "currency", "product-id"}
    principal = await (await _service_verifier(app, client)).verify(issued.json()["access_token"])
    owner = f"legal:{company.id}"
    for scope in ("foreign-trade", "currency", "product-id"):
        assert may_act(principal, owner, AccessLevel.FULL, scope)
    assert not may_act(principal, owner, AccessLevel.FULL, "sales")


def test_the_clients_role_scopes_are_the_ones_services_check() -> None:
    """identity_client's scope lists (what a grant may carry) and kit's (what services check) agree."""
    assert {s.value for s in MERCHANT_SCOPES} == ROLE_SCOPES["merchant"]
    assert {s.value for s in TRADER_SECTIONS} | {"full"} == ROLE_SCOPES["trader"]
