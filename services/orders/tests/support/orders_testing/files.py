"""Factories for tests of order-registration files: merchants and their tokens, a registered
seller, a valid draft body, and a file walked to a given state through the API."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from identity_testing.parties import Party, bearer, make_user, token_for
from identity_testing.representation import acting_for_token, signing_key

from kit.clock import today_tehran
from kit.signatures import SIGNATURE_HEADER, sign_detached

# A line needing a standards permit, one needing food-and-drug, one prohibited (group 4).
STANDARDS_LINE = "87032300"
HEALTH_LINE = "30049000"
PROHIBITED_LINE = "84181000"


@dataclass
class Merchant:
    party: Party
    headers: dict[str, str]
    key: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


async def merchant(
    identity_app: FastAPI, *, signing: bool = False, trader: bool = False, **claims: Any
) -> Merchant:
    """A merchant (card valid to 2030; also a trader when ``trader``) with their own token;
    ``claims`` override the token's."""
    roles = ("base-natural", "merchant", "trader") if trader else ("base-natural", "merchant")
    party = await make_user(identity_app, roles=roles)
    token = await token_for(
        identity_app,
        party,
        **{"roles": ["base-natural", "merchant"], "commercial_card_expires": "2030-01-01", **claims},
    )
    key = await signing_key(identity_app, party) if signing else None
    return Merchant(party=party, headers=bearer(token), key=key)


async def representative(
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
    grantor: Merchant,
    *,
    access_level: str = "medium",
    scopes: list[str] | None = None,
    role: str = "merchant",
    signing: bool = False,
) -> Merchant:
    """An agent acting for ``grantor`` through an accepted grant in ``role``."""
    agent = await make_user(identity_app)
    token, _ = await acting_for_token(
        identity_app,
        identity_http,
        grantor.party,
        agent,
        access_level=access_level,
        scopes=scopes if scopes is not None else ["foreign-trade"],
        role=role,
    )
    key = await signing_key(identity_app, agent) if signing else None
    return Merchant(party=agent, headers=bearer(token), key=key)


async def officer(identity_app: FastAPI, office: dict[str, str] | None = None) -> Merchant:
    """An officer of the ministry that reviews order registrations, or of ``office``."""
    party = await make_user(identity_app, roles=("base-natural", "officer"))
    token = await token_for(
        identity_app,
        party,
        roles=["base-natural", "officer"],
        office=office
        or {"kind": "issuing-authority", "code": "mimt", "name": "Ministry of Industry, Mine and Trade"},
    )
    return Merchant(party=party, headers=bearer(token))


def fida_id() -> str:
    return f"{random.randrange(10**11, 10**12)}"


async def seller(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    """A newly registered foreign seller's FIDA ID."""
    fida = fida_id()
    response = await orders.post(
        "/v1/sellers",
        json={"fida_id": fida, "name": f"Seller {fida}", "country": "AE"},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    return fida


def file_body(seller_fida_id: str, /, **overrides: Any) -> dict[str, Any]:
    today = today_tehran()
    body = {
        "proforma_number": f"PI-{random.randrange(10**8)}",
        "proforma_issued_on": (today - dt.timedelta(days=5)).isoformat(),
        "proforma_expires_on": (today + dt.timedelta(days=60)).isoformat(),
        "beneficiary_country": "AE",
        "seller_fida_id": seller_fida_id,
        "incoterm": "CFR",
        "partial_shipment": False,
        "entry_border": "shahid-rajaee",
        "destination_customs": "tehran",
        "transport_fleet": "sea",
        "total_amount": "120000.50",
        "currency": "EUR",
        "transaction_type": "banking",
        "currency_source": "bank-exchange-centre",
        "payment_method": "bank-transfer",
        "freight_amount": "3000",
    }
    body.update(overrides)
    return body


def line_body(hs_code: str = STANDARDS_LINE, **overrides: Any) -> dict[str, Any]:
    return {"hs_code": hs_code, "quantity": "2", "unit": "u", "value": "40000", **overrides}


def etag(file: dict[str, Any]) -> str:
    """The ETag of ``file`` as read (what ``GET`` sends in ``ETag``)."""
    return f'"{file["id"]}.{file["version"]}"'


def signed(
    key: Any, body: dict[str, Any], file: dict[str, Any], act: str = "final-registration"
) -> tuple[bytes, dict[str, str]]:
    """``body`` as sent, and the headers signing it for ``act`` on ``file`` as read (its ID
    and version), on the path a client calls through the gateway."""
    raw = json.dumps(body).encode()
    signature = sign_detached(key, raw, path=f"/orders/v1/order-files/{file['id']}/{act}", etag=etag(file))
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}


async def create(
    orders: httpx.AsyncClient, headers: dict[str, str], fida: str, /, **overrides: Any
) -> dict[str, Any]:
    response = await orders.post("/v1/order-files", json=file_body(fida, **overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def submitted(
    orders: httpx.AsyncClient, owner: Merchant, fida: str, **overrides: Any
) -> dict[str, Any]:
    created = await create(orders, owner.headers, fida, **overrides)
    path = f"/v1/order-files/{created['id']}"
    added = await orders.post(f"{path}/lines", json=line_body(), headers=owner.headers)
    assert added.status_code == 201, added.text
    response = await orders.post(f"{path}/submit", headers=owner.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def under_review(
    orders: httpx.AsyncClient, owner: Merchant, fida: str, months: int = 3, **overrides: Any
) -> dict[str, Any]:
    assert owner.key is not None, "the owner needs a signing key (merchant(..., signing=True))"
    file = await submitted(orders, owner, fida, **overrides)
    raw, headers = signed(owner.key, {"validity_months": months}, file)
    response = await orders.post(
        f"/v1/order-files/{file['id']}/final-registration", content=raw, headers={**owner.headers, **headers}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def approved(
    orders: httpx.AsyncClient, owner: Merchant, reviewer: Merchant, fida: str, months: int = 3
) -> dict[str, Any]:
    file = await under_review(orders, owner, fida, months)
    response = await orders.post(f"/v1/order-files/{file['id']}/approve", headers=reviewer.headers)
    assert response.status_code == 200, response.text
    return response.json()
