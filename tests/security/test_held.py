"""What held when the system was attacked, and must keep holding: each test fails if the hole
comes back. Everything goes through the gateway over real HTTP (raw sockets for the framing
attacks); the world's callers and objects come from ``tests.security.world``."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from identity_testing.accounts import registration as registration_body
from identity_testing.parties import national_code
from jose import jwt
from orders_testing import files as f

from identity.state import identity_state_of
from identity.tokens import sign_access_token
from kit.signatures import jwk_of
from tests.conftest import Stack
from tests.security.test_authz_matrix import ROWS
from tests.security.world import World, accept, grant, idempotent, person, phone_card
from tests.test_flow_representation import bearer, exchange, log_in, ok

# ------------------------------------------------------------------ forged and expired tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value).encode())


def _attacker() -> tuple[str, dict[str, Any]]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, jwk_of(key)


def _hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _public_pem(jwks: dict[str, Any], kid: str) -> bytes:
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(base64.urlsafe_b64decode(key["x"] + "=="), "big"),
        int.from_bytes(base64.urlsafe_b64decode(key["y"] + "=="), "big"),
        ec.SECP256R1(),
    )
    return numbers.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def _forgeries(world: World, gateway: httpx.AsyncClient) -> dict[str, str]:
    """Tokens an attacker makes of merchant A's real token, each meant to pass as B or as A."""
    real = world.merchant_a.token
    header, claims = _unb64(real.split(".")[0]), _unb64(real.split(".")[1])
    kid = header["kid"]
    as_b = {**claims, "sub": world.merchant_b.subject}
    pem, attacker_jwk = _attacker()
    jwks = ok(await gateway.get("/identity/.well-known/jwks.json"))
    head, payload, signature = real.split(".")
    return {
        "alg none": f"{_segment({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{_segment(as_b)}.",
        "alg None, signature kept": f"{_segment({'alg': 'None', 'kid': kid})}.{_segment(as_b)}.{signature}",
        "HS256 keyed with the public key": _hs256(
            {"alg": "HS256", "typ": "at+jwt", "kid": kid}, as_b, _public_pem(jwks, kid)
        ),
        "a foreign ES256 key under the real kid": jwt.encode(
            as_b, pem, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"}
        ),
        "an embedded jwk": jwt.encode(
            as_b, pem, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt", "jwk": attacker_jwk}
        ),
        "jku": jwt.encode(
            as_b, pem, algorithm="ES256", headers={"kid": "attacker", "jku": "http://127.0.0.1:9/jwks.json"}
        ),
        "x5u": jwt.encode(
            as_b, pem, algorithm="ES256", headers={"kid": "attacker", "x5u": "http://127.0.0.1:9/cert.pem"}
        ),
        "traversal kid, HS256 with an empty key": _hs256(
            {"alg": "HS256", "typ": "at+jwt", "kid": "../../../../../../dev/null"}, as_b, b""
        ),
        "traversal kid, foreign ES256": jwt.encode(
            as_b, pem, algorithm="ES256", headers={"kid": "../../../../etc/passwd", "typ": "at+jwt"}
        ),
        "tampered payload (sub)": f"{head}.{_segment(as_b)}.{signature}",
        "tampered payload (roles)": f"{head}.{_segment({**claims, 'roles': ['officer']})}.{signature}",
        "JWE form": ".".join(
            [
                _segment({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": kid}),
                "",
                _b64(b"iv"),
                payload,
                _b64(b"t"),
            ]
        ),
        "unsigned, no signature segment": f"{head}.{payload}",
    }


async def _expired(stack: Stack, world: World) -> str:
    """A's token signed by identity's own key, expired two minutes ago."""
    state = identity_state_of(stack.apps["identity"])
    kid, pem = await state.signer.current()
    claims = _unb64(world.merchant_a.token.split(".")[1])
    extra = {
        k: v for k, v in claims.items() if k not in {"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "typ"}
    }
    return sign_access_token(
        kid=kid,
        private_pem=pem,
        issuer=state.settings.token_issuer,
        audience=state.settings.token_audience,
        subject=world.merchant_a.subject,
        ttl_seconds=-120,
        extra_claims=extra,
    )


def _probes(world: World) -> list[str]:
    """One endpoint of each service that verifies tokens itself."""
    return ["/identity/v1/me", f"/orders/v1/order-files/{world.files['medium']['id']}"]


async def test_forged_tokens_are_refused_by_every_service(world: World, gateway: httpx.AsyncClient) -> None:
    for path in _probes(world):
        assert (await gateway.get(path, headers=world.merchant_a.headers)).status_code == 200, path
    for name, token in (await _forgeries(world, gateway)).items():
        for path in _probes(world):
            response = await gateway.get(path, headers=bearer(token))
            assert response.status_code == 401, f"{name} on {path}: {response.status_code} {response.text}"


async def test_an_expired_token_is_refused(stack: Stack, world: World, gateway: httpx.AsyncClient) -> None:
    token = await _expired(stack, world)
    for path in _probes(world):
        response = await gateway.get(path, headers=bearer(token))
        assert response.status_code == 401, f"{path}: {response.text}"


# ------------------------------------------------------------------ token exchange and refresh


def _invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant", response.text


async def test_an_acting_for_token_cannot_be_exchanged_again(
    world: World, gateway: httpx.AsyncClient
) -> None:
    medium = world.representatives["rep-medium"]
    _invalid_grant(await exchange(gateway, medium.grant_id, medium.token))
    full = world.representatives["rep-full"]
    _invalid_grant(await exchange(gateway, full.grant_id, medium.token))


async def test_pending_revoked_and_foreign_grants_are_not_exchanged(
    world: World, gateway: httpx.AsyncClient
) -> None:
    # Pending: never accepted by the outsider it names.
    _invalid_grant(await exchange(gateway, world.pending_grant, world.outsider.token))
    # Foreign: another representative's grant, with one's own token; or another merchant's.
    limited = world.representatives["rep-limited"].person
    _invalid_grant(await exchange(gateway, world.representatives["rep-full"].grant_id, limited.token))
    _invalid_grant(
        await exchange(gateway, world.representatives["rep-full"].grant_id, world.merchant_b.token)
    )
    # The grantor cannot act as their own representative either.
    _invalid_grant(
        await exchange(gateway, world.representatives["rep-full"].grant_id, world.merchant_a.token)
    )
    # Revoked: accepted, exchanged once, revoked; then refused.
    agent = await person(gateway)
    created = await grant(gateway, world.merchant_a, agent, access_level="limited")
    await accept(gateway, agent, created["id"])
    ok(await exchange(gateway, created["id"], agent.token))
    ok(
        await gateway.post(
            f"/identity/v1/representations/{created['id']}/revoke", json={}, headers=world.merchant_a.headers
        )
    )
    _invalid_grant(await exchange(gateway, created["id"], agent.token))


async def _refresh(gateway: httpx.AsyncClient, token: str) -> httpx.Response:
    return await gateway.post(
        "/identity/v1/token", data={"grant_type": "refresh_token", "refresh_token": token}
    )


async def test_a_reused_refresh_token_revokes_its_family(world: World, gateway: httpx.AsyncClient) -> None:
    session = await log_in(gateway, world.outsider.data)
    first = session["refresh_token"]
    second = ok(await _refresh(gateway, first))["refresh_token"]
    _invalid_grant(await _refresh(gateway, first))  # reuse: the whole login is revoked
    _invalid_grant(await _refresh(gateway, second))


# ------------------------------------------------------------------ objects of others


def _file_operations() -> list[str]:
    return [operation for operation in ROWS if "{file_id}" in operation]


async def _call(
    gateway: httpx.AsyncClient, world: World, operation: str, file_id: str, caller: str
) -> httpx.Response:
    row = ROWS[operation]
    method, template = operation.split(" ", 1)
    path = template.format(**{**row.params(world), "file_id": file_id})
    request = row.body(world)
    headers = {**request.pop("headers", {}), **world.headers(caller)}
    return await gateway.request(method, path, headers=headers, **request)


async def test_representatives_below_full_get_404_on_a_full_file_everywhere(
    world: World, gateway: httpx.AsyncClient
) -> None:
    full = world.files["full"]["id"]
    below = ["rep-very-limited", "rep-limited", "rep-medium"]
    for operation in _file_operations():
        for caller in below:
            response = await _call(gateway, world, operation, full, caller)
            assert response.status_code == 404, (
                f"{caller} {operation}: {response.status_code} {response.text}"
            )
    for caller in below:
        listed = ok(await gateway.get("/orders/v1/order-files", headers=world.headers(caller)))
        assert full not in {item["id"] for item in listed["items"]}, caller
    listed = ok(await gateway.get("/orders/v1/order-files", headers=world.headers("rep-full")))
    assert full in {item["id"] for item in listed["items"]}


async def test_another_merchant_gets_404_on_every_file_of_a(world: World, gateway: httpx.AsyncClient) -> None:
    cells = [
        (level, file["id"], operation)
        for level, file in world.files.items()
        for operation in _file_operations()
    ]
    answers = await asyncio.gather(
        *(_call(gateway, world, op, id_, "other-merchant") for _, id_, op in cells)
    )
    for (level, _, operation), response in zip(cells, answers, strict=True):
        assert response.status_code == 404, f"{level} {operation}: {response.status_code} {response.text}"
    listed = ok(await gateway.get("/orders/v1/order-files", headers=world.headers("other-merchant")))
    assert not {item["id"] for item in listed["items"]} & {file["id"] for file in world.files.values()}


# ------------------------------------------------------------------ request smuggling at the gateway


def _smuggled(second: str = "GET /identity/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") -> dict[str, bytes]:
    return {
        "CL and TE": (
            "POST /rules/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + second
        ).encode(),
        "duplicate Content-Length": (
            "POST /rules/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
            f"Content-Length: {len(second)}\r\n\r\n" + second
        ).encode(),
        "obs-fold": (
            "POST /rules/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\r\n Transfer-Encoding: chunked\r\n"
            "Content-Length: 0\r\n\r\n" + second
        ).encode(),
        "bare LF": ("GET /rules/health HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 0\n\n" + second).encode(),
        "NUL in a header": (
            "GET /rules/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\x00b\r\n\r\n" + second
        ).encode(),
    }


async def _exchange_raw(address: tuple[str, int], payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(payload)
        await writer.drain()
        received = b""
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), timeout=3)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
        return received
    finally:
        writer.close()


@pytest.mark.parametrize("attack", list(_smuggled()))
async def test_the_gateway_refuses_ambiguous_framing(stack: Stack, attack: str) -> None:
    url = urlsplit(stack.gateway)
    received = await _exchange_raw((url.hostname or "127.0.0.1", url.port or 80), _smuggled()[attack])
    assert received.startswith(b"HTTP/1.1 400"), f"{attack}: {received[:300]!r}"
    assert b"host-not-allowed" not in received, "refused for its Host, not for its framing"
    assert received.count(b"HTTP/1.1 ") == 1, f"{attack}: the smuggled request was answered: {received!r}"


async def test_a_well_formed_raw_request_is_answered(stack: Stack) -> None:
    """The control of the framing attacks: the same socket path answers a proper request."""
    url = urlsplit(stack.gateway)
    payload = b"GET /rules/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    received = await _exchange_raw((url.hostname or "127.0.0.1", url.port or 80), payload)
    assert received.startswith(b"HTTP/1.1 200"), received[:300]


# ------------------------------------------------------------------ idempotency, mass assignment


async def test_an_idempotency_key_never_replays_another_callers_answer(
    world: World, gateway: httpx.AsyncClient
) -> None:
    key = str(uuid.uuid4())
    body = f.file_body(world.seller)
    first = ok(
        await gateway.post(
            "/orders/v1/order-files", json=body, headers={**world.merchant_a.headers, "Idempotency-Key": key}
        ),
        201,
    )
    other = await gateway.post(
        "/orders/v1/order-files", json=body, headers={**world.merchant_b.headers, "Idempotency-Key": key}
    )
    assert other.headers.get("Idempotent-Replayed") is None, other.text
    assert other.status_code == 201, other.text
    assert other.json()["id"] != first["id"]
    assert other.json()["owner"] == world.merchant_b.subject
    # A's representative acts for A but is another caller: no replay of A's answer either.
    medium = await gateway.post(
        "/orders/v1/order-files", json=body, headers={**world.headers("rep-medium"), "Idempotency-Key": key}
    )
    assert medium.headers.get("Idempotent-Replayed") is None, medium.text
    assert medium.json().get("id") != first["id"]


async def test_fields_the_server_owns_are_refused_in_bodies(world: World, gateway: httpx.AsyncClient) -> None:
    owned = {
        "owner": world.merchant_b.subject,
        "status": "approved",
        "created_by": world.merchant_b.subject,
        "expires_on": "2099-01-01",
    }
    for name, value in owned.items():
        response = await gateway.post(
            "/orders/v1/order-files",
            json={**f.file_body(world.seller), name: value},
            headers=world.merchant_a.headers,
        )
        assert response.status_code == 422, f"{name}: {response.text}"
        patched = await gateway.patch(
            f"/orders/v1/order-files/{world.files['full']['id']}",
            json={name: value},
            headers=world.merchant_a.headers,
        )
        assert patched.status_code == 422, f"PATCH {name}: {patched.text}"
    for name, value in {"roles": ["admin", "merchant"], "status": "active", "subject": "user:1"}.items():
        response = await gateway.post(
            "/identity/v1/registrations", json={**registration_body(), name: value}, headers=idempotent()
        )
        assert response.status_code == 422, f"registration {name}: {response.text}"
    for name, value in {
        "state": "issued",
        "requested_for": world.merchant_b.subject,
        "product_id": "1",
    }.items():
        response = await gateway.post(
            "/orders/v1/product-requests",
            json={**phone_card(), "submit": False, name: value},
            headers=world.merchant_a.headers,
        )
        assert response.status_code == 422, f"product request {name}: {response.text}"


# ------------------------------------------------------------------ login timing


async def _timed_login(gateway: httpx.AsyncClient, code: str, password: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = await gateway.post("/identity/v1/login", json={"national_code": code, "password": password})
    return time.perf_counter() - started, response.status_code


async def test_login_takes_as_long_for_an_unknown_code_as_for_a_known_one(
    world: World, gateway: httpx.AsyncClient
) -> None:
    """Medians over interleaved tries, compared with a generous bound: a known code checks a
    password hash and an unknown one must too, a difference of a whole hash (tens of times)."""
    known = world.outsider.data
    known_times: list[float] = []
    unknown_times: list[float] = []
    for _ in range(3):
        for _ in range(3):  # under the lockout threshold, then a right password resets the count
            elapsed, status = await _timed_login(gateway, known["national_code"], "Wrong-Password-123!")
            assert status == 401
            known_times.append(elapsed)
            elapsed, status = await _timed_login(gateway, national_code(), "Wrong-Password-123!")
            assert status == 401
            unknown_times.append(elapsed)
        await log_in(gateway, known)
    ratio = statistics.median(unknown_times) / statistics.median(known_times)
    assert 0.4 < ratio < 2.5, (ratio, known_times, unknown_times)
