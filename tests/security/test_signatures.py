"""Signature replay (security review row 3), through the gateway over real HTTP.

A `Panjereh-Signature` captured on one act must never sign another: not the final
registration of another file of the same signer, not the same act again, not a second
grant of representation.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import GRANT_PATH, grant_body, signing_key
from orders_testing import files as f

from kit.clock import today_tehran
from kit.signatures import SIGNATURE_HEADER, sign_detached
from tests.conftest import Stack
from tests.test_flow_representation import ok


@pytest.fixture
async def orders(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway}/orders", timeout=30) as client:
        yield client


def _refused(response: httpx.Response, status: int, code: str, claim: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (response.json()["code"], response.json()["claim"]) == (code, claim)


async def test_a_final_registration_header_captured_on_one_file_registers_no_other(
    stack: Stack, http: httpx.AsyncClient, orders: httpx.AsyncClient
) -> None:
    admin = ok(await http.post("/identity/v1/token", data={"grant_type": "client_credentials"},
                               auth=stack.admin_credentials))  # fmt: skip
    fida = await f.seller(orders, bearer(admin["access_token"]))
    owner = await f.merchant(stack.apps["identity"], signing=True)
    file_a = await f.submitted(orders, owner, fida)
    file_b = await f.submitted(orders, owner, fida)
    raw, captured = f.signed(owner.key, {"validity_months": 6}, file_a)  # what the attacker saw on A

    def register(file: dict) -> str:
        return f"/v1/order-files/{file['id']}/final-registration"

    on_b = await orders.post(register(file_b), content=raw, headers={**owner.headers, **captured})
    _refused(on_b, 403, "signature-binding-mismatch", "htu")
    b_now = ok(await orders.get(f"/v1/order-files/{file_b['id']}", headers=owner.headers))
    assert (b_now["status"], b_now["version"]) == ("submitted", file_b["version"])

    assert (
        ok(await orders.post(register(file_a), content=raw, headers={**owner.headers, **captured}))["status"]
        == "under-review"
    )
    replayed_on_a = await orders.post(register(file_a), content=raw, headers={**owner.headers, **captured})
    _refused(replayed_on_a, 403, "signature-binding-mismatch", "etag")
    again_on_b = await orders.post(register(file_b), content=raw, headers={**owner.headers, **captured})
    _refused(again_on_b, 403, "signature-binding-mismatch", "htu")
    assert (
        ok(await orders.get(f"/v1/order-files/{file_b['id']}", headers=owner.headers))["status"]
        == "submitted"
    )


async def test_a_representation_grant_signature_is_not_replayed(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    identity_app = stack.apps["identity"]
    merchant = await make_user(
        identity_app, roles=("base-natural", "merchant"), card_expires_on=today_tehran() + timedelta(days=365)
    )
    token = await token_for(identity_app, merchant, roles=["base-natural", "merchant"])
    key = await signing_key(identity_app, merchant)
    raw = json.dumps(grant_body(await make_user(identity_app))).encode()
    headers = {
        **bearer(token),
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign_detached(key, raw, path=GRANT_PATH),
    }
    first = ok(await http.post(GRANT_PATH, content=raw, headers=headers), 201)

    replayed = await http.post(GRANT_PATH, content=raw, headers=headers)
    _refused(replayed, 409, "signature-replayed", "jti")
    # The captured header with another body (another representative) does not verify either.
    other = json.dumps(grant_body(await make_user(identity_app))).encode()
    forged = await http.post(GRANT_PATH, content=other, headers=headers)
    assert (forged.status_code, forged.json()["code"]) == (403, "signature-invalid")

    granted = ok(await http.get(GRANT_PATH, params={"side": "granted"}, headers=bearer(token)))
    assert [g["id"] for g in granted["items"]] == [first["id"]]
