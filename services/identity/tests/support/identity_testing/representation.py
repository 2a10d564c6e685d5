"""Helpers for tests of representation and of services that trust acting-for tokens.

``signing_key`` puts an ACTIVE signature key straight into the database (no SMS
flow); ``grant`` posts a signed grant through the API; ``acting_for_token``
runs the whole path (grant, accept, token exchange) and answers the agent's
acting-for token.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from identity_client.representations import (
    ACCESS_TOKEN_TYPE,
    REPRESENTATION_TOKEN_TYPE,
    TOKEN_EXCHANGE_GRANT,
)

from identity.models import Party, SignatureKey
from identity_testing.parties import bearer, token_for
from kit.clock import now_utc, today_tehran
from kit.runtime import runtime_of
from kit.signatures import SIGNATURE_HEADER, jwk_of, sign_detached, thumbprint

# The path a client signs: the grant endpoint as called through the gateway.
GRANT_PATH = "/identity/v1/representations"


async def signing_key(app: FastAPI, party: Party) -> ec.EllipticCurvePrivateKey:
    """A new P-256 key, registered as ``party``'s ACTIVE signature key."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    public = jwk_of(private_key)
    async with runtime_of(app).sessionmaker() as session, session.begin():
        session.add(
            SignatureKey(
                id=uuid.uuid4(),
                party_id=party.id,
                kid=thumbprint(public),
                alg="ES256",
                public_jwk=public,
                name="test key",
                status="active",
                activated_at=now_utc(),
            )
        )
    return private_key


def grant_body(
    representative: Party,
    *,
    role: str = "merchant",
    scopes: list[str] | None = None,
    access_level: str = "medium",
    starts_on: date | None = None,
    ends_on: date | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid grant body (merchant, foreign-trade and currency, medium, today for 30 days)."""
    start = starts_on or today_tehran()
    ref = (
        {"national_code": representative.national_code}
        if representative.kind == "natural"
        else {"national_id": representative.national_id}
    )
    return {
        "grantor_role": role,
        "representative": ref,
        "scopes": scopes if scopes is not None else ["foreign-trade", "currency"],
        "access_level": access_level,
        "starts_on": start.isoformat(),
        "ends_on": (ends_on or start + timedelta(days=30)).isoformat(),
        **extra,
    }


async def grant(
    client: httpx.AsyncClient,
    token: str,
    key: ec.EllipticCurvePrivateKey | None,
    body: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST the grant ``body``, signed with ``key`` (unsigned when None)."""
    raw = json.dumps(body).encode()
    signed = {SIGNATURE_HEADER: sign_detached(key, raw, path=GRANT_PATH)} if key is not None else {}
    return await client.post(
        "/v1/representations",
        content=raw,
        headers={"Content-Type": "application/json", **bearer(token), **signed, **(headers or {})},
    )


async def exchange(
    client: httpx.AsyncClient,
    subject_token: str,
    actor_token: str,
    subject_token_type: str = REPRESENTATION_TOKEN_TYPE,
) -> httpx.Response:
    """``POST /v1/token`` with the RFC 8693 token-exchange grant."""
    return await client.post(
        "/v1/token",
        data={
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": subject_token,
            "subject_token_type": subject_token_type,
            "actor_token": actor_token,
            "actor_token_type": ACCESS_TOKEN_TYPE,
        },
    )


async def acting_for_token(
    app: FastAPI, client: httpx.AsyncClient, grantor: Party, agent: Party, **body: Any
) -> tuple[str, str]:
    """``agent``'s acting-for token for ``grantor`` through a fresh grant, accepted and
    exchanged; answers ``(token, representation_id)``. ``body`` overrides ``grant_body``."""
    key = await signing_key(app, grantor)
    created = await grant(client, await token_for(app, grantor), key, grant_body(agent, **body))
    assert created.status_code == 201, created.text
    grant_id = created.json()["id"]
    agent_token = await token_for(app, agent)
    accepted = await client.post(f"/v1/representations/{grant_id}/accept", headers=bearer(agent_token))
    assert accepted.status_code == 200, accepted.text
    issued = await exchange(client, grant_id, agent_token)
    assert issued.status_code == 200, issued.text
    return issued.json()["access_token"], grant_id
