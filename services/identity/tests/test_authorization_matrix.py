"""The authorisation matrix of identity's endpoints that take a token (OWASP API1, API5).

Callers: anonymous; the user (who owns the object); another user; a
representative (the user's agent with an acting-for token: ``sub`` is the user,
``act`` the agent); an admin machine client. Each row says what each caller
gets. The rules it shows:

* ``/v1/me…`` and the user's own objects need the user's own token: acting-for
  and machine tokens get 403 (a representative works on the grantor's files in
  other services, never on the grantor's account, keys, legal persons or grants);
* another user's object is 404 (its existence is not revealed);
* admin endpoints need the ``admin`` scope: every user token gets 403;
* no token: 401.

The user calls last in each row, so a call that changes the object (revoke,
delete, accept) is refused to everyone else first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from identity_testing.parties import (
    PASSWORD,
    bearer,
    make_legal,
    make_user,
    mobile,
    national_id,
    register_company,
    token_for,
)
from identity_testing.representation import GRANT_PATH, acting_for_token, grant, grant_body, signing_key

from kit.clock import today_tehran
from kit.signatures import SIGNATURE_HEADER, jwk_of, sign_detached, thumbprint

ANONYMOUS, USER, OTHER, REPRESENTATIVE, ADMIN = "anonymous", "user", "other user", "representative", "admin"
CALLERS = (ANONYMOUS, OTHER, REPRESENTATIVE, ADMIN, USER)
OK = "2xx"
PASSES = "passes"  # authorised: any answer but 401/403 (a wrong code, a conflict...), never a 5xx
FOUND = "passes, found"  # authorised and the object found: neither 401/403 nor 404, never a 5xx

ME = {ANONYMOUS: 401, USER: OK, OTHER: OK, REPRESENTATIVE: 403, ADMIN: 403}
ME_PASSES = {**ME, USER: PASSES, OTHER: PASSES}
OWN = {ANONYMOUS: 401, USER: OK, OTHER: 404, REPRESENTATIVE: 403, ADMIN: 403}
OWN_FOUND = {**OWN, USER: FOUND}
ADMIN_ONLY = {ANONYMOUS: 401, USER: 403, OTHER: 403, REPRESENTATIVE: 403, ADMIN: OK}
# The platform's own feed readers (scope events:read, services/kit/tests/test_feed.py): no user,
# representative or admin token reads every party's events.
FEED_READERS_ONLY = {ANONYMOUS: 401, USER: 403, OTHER: 403, REPRESENTATIVE: 403, ADMIN: 403}
# Machine clients with grants:read only (notifications; tests/test_active_grants.py): no person's
# token, not even the grantor's, and no admin reads every party's grants.
GRANTS_READERS_ONLY = {ANONYMOUS: 401, USER: 403, OTHER: 403, REPRESENTATIVE: 403, ADMIN: 403}


@dataclass
class World:
    """The objects of the matrix: the user's and an admin's."""

    tokens: dict[str, str | None] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    user_key: ec.EllipticCurvePrivateKey | None = None
    grant_body: dict[str, Any] = field(default_factory=dict)


Request = Callable[[World], dict[str, Any]]


def _json(body: Any) -> Request:
    return lambda _: {"json": body}


def _fresh(make: Callable[[], Any]) -> Request:
    return lambda _: {"json": make()}


def _signed_grant(world: World) -> dict[str, Any]:
    raw = json.dumps(world.grant_body).encode()
    assert world.user_key is not None
    return {
        "content": raw,
        "headers": {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_detached(world.user_key, raw, path=GRANT_PATH),
        },
    }


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, int | str]
    request: Request | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


ROWS = [
    # Accounts
    Row("GET", "/v1/me", ME),
    Row("POST", "/v1/me/mobile-change", ME_PASSES, _fresh(lambda: {"mobile": mobile()})),
    Row("POST", "/v1/me/mobile-change/{mobile_change}/confirm", OWN_FOUND, _json({"code": "0000"})),
    # The registry names both the user and the other user: one registers it, the other joins.
    Row("POST", "/v1/legal-persons", ME, lambda w: {"json": {"national_id": w.ids["company"]}}),
    Row("GET", "/v1/legal-persons", ME),
    Row("GET", "/v1/legal-persons/{legal}", OWN),
    Row(
        "POST",
        "/v1/legal-persons/{legal}/managers",
        OWN,
        lambda w: {"json": {"national_code": w.ids["newcomer"]}},
    ),
    # Login and second factor
    Row("GET", "/v1/me/two-factor", ME),
    Row("POST", "/v1/me/two-factor/totp", ME_PASSES, _json({"password": PASSWORD})),
    Row("POST", "/v1/me/two-factor/totp/confirm", ME_PASSES, _json({"code": "000000"})),
    Row("POST", "/v1/me/two-factor/sms", ME_PASSES, _json({"password": PASSWORD})),
    Row("POST", "/v1/me/two-factor/sms/confirm", ME_PASSES, _json({"code": "0000"})),
    Row("DELETE", "/v1/me/two-factor", ME_PASSES, _json({"password": PASSWORD, "code": "000000"})),
    Row("POST", "/v1/logout", ME),
    # Roles
    Row("GET", "/v1/me/roles", ME),
    Row("GET", "/v1/parties", ADMIN_ONLY, lambda w: {"params": {"national_code": w.ids["newcomer"]}}),
    Row("GET", "/v1/parties/{user}/roles", ADMIN_ONLY),
    Row("POST", "/v1/parties/{role_target}/roles", ADMIN_ONLY, _json({"role": "trader"})),
    Row("DELETE", "/v1/parties/{trader}/roles/trader", ADMIN_ONLY),
    # Signature keys
    Row(
        "POST",
        "/v1/me/signature-keys",
        ME_PASSES,
        _fresh(lambda: {"name": "matrix key", "jwk": jwk_of(ec.generate_private_key(ec.SECP256R1()))}),
    ),
    Row("GET", "/v1/me/signature-keys", ME),
    Row("GET", "/v1/me/signature-keys/{key}", OWN),
    Row("POST", "/v1/me/signature-keys/{pending_key}/confirm", OWN_FOUND, _json({"code": "0000"})),
    Row("DELETE", "/v1/me/signature-keys/{key_to_revoke}", OWN),
    # Representation
    Row(
        "POST",
        "/v1/representations",
        # Another user cannot sign with the user's key: the signature is refused (403).
        {**ME, OTHER: 403},
        _signed_grant,
    ),
    Row("GET", "/v1/representations", ME, lambda _: {"params": {"side": "granted"}}),
    Row(
        "GET",
        "/v1/representations/active-grants",
        GRANTS_READERS_ONLY,
        lambda w: {"params": {"grantor": w.ids["party_subject"]}},
    ),
    Row("GET", "/v1/representations/{granted}", OWN),
    Row("GET", "/v1/representations/{granted}/history", OWN),
    Row("POST", "/v1/representations/{received_to_accept}/accept", OWN),
    Row("POST", "/v1/representations/{received_to_reject}/reject", OWN),
    Row("POST", "/v1/representations/{granted_to_revoke}/revoke", OWN),
    # How the caller stands to a party: about the caller only, so any user's own token.
    Row("GET", "/v1/me/relations/{party_subject}", ME),
    # Machine clients
    Row("GET", "/v1/clients", ADMIN_ONLY),
    Row(
        "POST", "/v1/clients", ADMIN_ONLY, _json({"name": "Matrix clearance", "scopes": ["clearance-agent"]})
    ),
    Row("GET", "/v1/clients/{client}", ADMIN_ONLY),
    Row("POST", "/v1/clients/{client}/secret", ADMIN_ONLY),
    Row("POST", "/v1/clients/{client_to_disable}/disable", ADMIN_ONLY),
    # Audit log
    Row("GET", "/v1/audit-events", ADMIN_ONLY, lambda w: {"params": {"action": "login"}}),
    # The events feed
    Row("GET", "/v1/events", FEED_READERS_ONLY),
]


async def _pending_grant(app: FastAPI, client: httpx.AsyncClient, grantor: Any, representative: Any) -> str:
    key = await signing_key(app, grantor)
    response = await grant(client, await token_for(app, grantor), key, grant_body(representative))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _new_client(client: httpx.AsyncClient, admin_token: str) -> str:
    response = await client.post(
        "/v1/clients",
        json={"name": "Matrix target", "scopes": ["clearance-agent"]},
        headers=bearer(admin_token),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


@pytest.fixture(scope="module")
async def world(app: FastAPI, client: httpx.AsyncClient, admin_token: str) -> World:
    card = today_tehran() + timedelta(days=365)
    user = await make_user(app, roles=("base-natural", "merchant"), card_expires_on=card)
    other = await make_user(app, roles=("base-natural", "merchant"), card_expires_on=card)
    agent = await make_user(app)
    grantor = await make_user(app, roles=("base-natural", "merchant"), card_expires_on=card)
    user_token = await token_for(app, user)
    representative_token, granted = await acting_for_token(app, client, user, agent)

    w = World()
    w.tokens = {
        ANONYMOUS: None,
        USER: user_token,
        OTHER: await token_for(app, other),
        REPRESENTATIVE: representative_token,
        ADMIN: admin_token,
    }
    w.user_key = await signing_key(app, user)
    w.grant_body = grant_body(agent)

    key_to_revoke = await signing_key(app, user)
    pending = await client.post(
        "/v1/me/signature-keys",
        json={"name": "pending", "jwk": jwk_of(ec.generate_private_key(ec.SECP256R1()))},
        headers=bearer(user_token),
    )
    assert pending.status_code == 201, pending.text
    change = await client.post("/v1/me/mobile-change", json={"mobile": mobile()}, headers=bearer(user_token))
    assert change.status_code == 202, change.text

    newcomer = str((await make_user(app)).national_code)
    legal = await make_legal(app, user)
    assert legal.national_id is not None
    await register_company(app, legal.national_id, [str(user.national_code), newcomer])
    company = national_id()
    await register_company(app, company, [str(user.national_code), str(other.national_code)])
    w.ids = {
        "user": str(user.id),
        "party_subject": f"user:{user.id}",
        "newcomer": newcomer,
        "company": company,
        "role_target": str((await make_user(app)).id),
        "trader": str((await make_user(app, roles=("base-natural", "trader"))).id),
        "legal": str(legal.id),
        "key": thumbprint(jwk_of(w.user_key)),
        "key_to_revoke": thumbprint(jwk_of(key_to_revoke)),
        "pending_key": pending.json()["kid"],
        "mobile_change": change.json()["id"],
        "granted": granted,
        "granted_to_revoke": await _pending_grant(app, client, user, agent),
        "received_to_accept": await _pending_grant(app, client, grantor, user),
        "received_to_reject": await _pending_grant(app, client, grantor, user),
        "client": await _new_client(client, admin_token),
        "client_to_disable": await _new_client(client, admin_token),
    }
    return w


def _meets(status: int, expected: int | str) -> bool:
    if expected == OK:
        return 200 <= status < 300
    if expected == PASSES:
        return status not in (401, 403) and status < 500
    if expected == FOUND:
        return status not in (401, 403, 404) and status < 500
    return status == expected


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_authorization_matrix(client: httpx.AsyncClient, world: World, row: Row) -> None:
    path = row.path.format(**world.ids)
    answers: dict[str, int] = {}
    for caller in CALLERS:
        kwargs = row.request(world) if row.request else {}
        token = world.tokens[caller]
        headers = {**kwargs.pop("headers", {}), **(bearer(token) if token else {})}
        response = await client.request(row.method, path, headers=headers, **kwargs)
        answers[caller] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
    wrong = {c: s for c, s in answers.items() if not _meets(s, row.expect[c])}
    assert not wrong, f"{row.id}: got {answers}, expected {row.expect}"


def test_every_endpoint_that_takes_a_token_is_in_the_matrix(app: FastAPI) -> None:
    schema = app.openapi()
    secured = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    covered = {f"{row.method} {_template(row.path)}" for row in ROWS}
    assert secured - covered == set(), "add these endpoints to the matrix"


def _template(path: str) -> str:
    """``/v1/legal-persons/{legal}/managers`` -> the OpenAPI path ``/v1/legal-persons/{legal_id}/managers``."""
    names = {
        "{mobile_change}": "{change_id}",
        "{legal}": "{legal_id}",
        "{user}": "{party_id}",
        "{party_subject}": "{subject}",
        "{role_target}": "{party_id}",
        "{trader}": "{party_id}",
        "{key}": "{kid}",
        "{pending_key}": "{kid}",
        "{key_to_revoke}": "{kid}",
        "{granted}": "{representation_id}",
        "{granted_to_revoke}": "{representation_id}",
        "{received_to_accept}": "{representation_id}",
        "{received_to_reject}": "{representation_id}",
        "{client}": "{client_id}",
        "{client_to_disable}": "{client_id}",
    }
    for name, template in names.items():
        path = path.replace(name, template)
    return path.replace("/roles/trader", "/roles/{role}")
