"""Issue 4's "done when", through the gateway over real HTTP.

A merchant registers, confirms the SMS code, logs in with a second factor and
registers a signing key; grants a clearance agent a medium-level
representation with a signature; the agent accepts and gets an acting-for
token that another service's kit accepts. After the grant is revoked, the
agent gets no new token.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pyotp
from cryptography.hazmat.primitives.asymmetric import ec
from identity_testing.accounts import registration

from kit.access_levels import may_act
from kit.clock import today_tehran
from kit.runtime import runtime_of
from kit.signatures import SIGNATURE_HEADER, jwk_of, sign_detached
from panjereh_contract.access_levels import AccessLevel
from tests.conftest import Stack

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
REPRESENTATION = "urn:panjereh:params:oauth:token-type:representation"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json()


async def sms_code(http: httpx.AsyncClient, mobile: str, purpose: str) -> str:
    messages = ok(await http.get("/identity/v1/sandbox/sms", params={"mobile": mobile}))["items"]
    body = next(m["body"] for m in messages if m["purpose"] == purpose)
    return re.search(r"\b(\d{4,8})\b", body).group(1)  # type: ignore[union-attr]


async def register(http: httpx.AsyncClient) -> dict[str, Any]:
    """Register a person through the gateway and confirm the SMS code."""
    person = registration()
    started = ok(
        await http.post(
            "/identity/v1/registrations", json=person, headers={"Idempotency-Key": str(uuid.uuid4())}
        ),
        201,
    )
    code = await sms_code(http, person["mobile"], "register")
    confirmed = ok(
        await http.post(f"/identity/v1/registrations/{started['id']}/confirm", json={"code": code})
    )
    party_id = confirmed["subject"].removeprefix("user:")  # the person's ID, not the registration's
    return {**person, "id": party_id, "registration_id": started["id"], "subject": confirmed["subject"]}


async def log_in(http: httpx.AsyncClient, person: dict[str, Any]) -> Any:
    credentials = {"national_code": person["national_code"], "password": person["password"]}
    return ok(await http.post("/identity/v1/login", json=credentials))


async def exchange(http: httpx.AsyncClient, grant_id: str, agent_token: str) -> httpx.Response:
    return await http.post(
        "/identity/v1/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": grant_id,
            "subject_token_type": REPRESENTATION,
            "actor_token": agent_token,
            "actor_token_type": ACCESS_TOKEN,
        },
    )


async def test_merchant_grants_an_agent_who_acts_for_them_until_revoked(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    # The merchant registers and confirms the SMS code; the chamber (an admin client) records the card.
    merchant = await register(http)
    admin = ok(
        await http.post(
            "/identity/v1/token", data={"grant_type": "client_credentials"}, auth=stack.admin_credentials
        )
    )
    card = {
        "number": "1234567890",
        "issued_on": "2025-01-01",
        "expires_on": (today_tehran() + timedelta(days=365)).isoformat(),
    }
    ok(
        await http.post(
            f"/identity/v1/parties/{merchant['id']}/roles",
            json={"role": "merchant", "commercial_card": card},
            headers={**bearer(admin["access_token"]), "Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )

    # Logs in, turns on TOTP, and logs in again with it.
    first = await log_in(http, merchant)
    enrolment = ok(
        await http.post(
            "/identity/v1/me/two-factor/totp",
            json={"password": merchant["password"]},
            headers=bearer(first["access_token"]),
        )
    )
    totp = pyotp.TOTP(enrolment["secret"])
    ok(
        await http.post(
            "/identity/v1/me/two-factor/totp/confirm",
            json={"code": totp.now()},
            headers=bearer(first["access_token"]),
        )
    )
    challenge = await log_in(http, merchant)
    assert challenge["method"] == "totp"
    # The code that confirmed TOTP is spent: log in with the next time step's code.
    session = ok(
        await http.post(
            f"/identity/v1/login/{challenge['challenge_id']}/verify", json={"code": totp.at(time.time() + 30)}
        )
    )
    merchant_token = session["access_token"]
    me = ok(await http.get("/identity/v1/me", headers=bearer(merchant_token)))
    assert "merchant" in {role["role"] for role in me["roles"]}

    # Registers a signing key, confirmed by SMS.
    key = ec.generate_private_key(ec.SECP256R1())
    registered = ok(
        await http.post(
            "/identity/v1/me/signature-keys",
            json={"name": "office laptop", "jwk": jwk_of(key)},
            headers={**bearer(merchant_token), "Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    code = await sms_code(http, merchant["mobile"], "signature-key")
    ok(
        await http.post(
            f"/identity/v1/me/signature-keys/{registered['kid']}/confirm",
            json={"code": code},
            headers=bearer(merchant_token),
        )
    )

    # Grants a registered clearance agent a medium-level representation, signed.
    agent = await register(http)
    grant = {
        "grantor_role": "merchant",
        "representative": {"national_code": agent["national_code"]},
        "scopes": ["foreign-trade", "product-id"],
        "access_level": "medium",
        "starts_on": today_tehran().isoformat(),
        "ends_on": (today_tehran() + timedelta(days=90)).isoformat(),
    }
    raw = json.dumps(grant).encode()
    created = ok(
        await http.post(
            "/identity/v1/representations",
            content=raw,
            headers={
                **bearer(merchant_token),
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign_detached(key, raw, path="/identity/v1/representations"),
                "Idempotency-Key": str(uuid.uuid4()),
            },
        ),
        201,
    )
    assert created["status"] == "pending"

    # The agent, in their base role, finds the proposal, accepts it and exchanges their token.
    agent_token = (await log_in(http, agent))["access_token"]
    received = ok(
        await http.get(
            "/identity/v1/representations", params={"side": "received"}, headers=bearer(agent_token)
        )
    )
    assert [g["id"] for g in received["items"]] == [created["id"]]
    assert (
        ok(
            await http.post(
                f"/identity/v1/representations/{created['id']}/accept", headers=bearer(agent_token)
            )
        )["status"]
        == "active"
    )
    acting = ok(await exchange(http, created["id"], agent_token))

    # Another service's kit accepts it: orders verifies it against identity's JWKS.
    principal = await runtime_of(stack.apps["orders"]).token_verifier.verify(acting["access_token"])
    assert principal.subject == merchant["subject"]
    assert principal.actor == agent["subject"]
    assert principal.access_level == "medium"
    assert may_act(principal, merchant["subject"], AccessLevel.MEDIUM, "foreign-trade")
    assert not may_act(principal, merchant["subject"], AccessLevel.FULL, "foreign-trade")
    assert not may_act(principal, merchant["subject"], AccessLevel.MEDIUM, "currency")

    # Revoked: no new acting-for token.
    ok(
        await http.post(
            f"/identity/v1/representations/{created['id']}/revoke", json={}, headers=bearer(merchant_token)
        )
    )
    refused = await exchange(http, created["id"], agent_token)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
