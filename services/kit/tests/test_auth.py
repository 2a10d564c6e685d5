"""Token verification refuses every forged, stale or misdirected token."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest
from jose import jwt

from kit.auth import TokenVerifier
from kit.errors import TokenExpired, Unauthenticated

ISSUER = "https://panjereh.ir/identity"
AUDIENCE = "panjereh"
SigningKeys = Any  # the conftest fixture's class


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user:1", "iat": now, "exp": now + 600, "typ": "access"}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _es256(
    keys: SigningKeys,
    claims: dict[str, Any],
    *,
    kid: str | None = None,
    pem: bytes | None = None,
    **headers: Any,
) -> str:
    return jwt.encode(
        claims, (pem or keys.pem).decode(), algorithm="ES256", headers={"kid": kid or keys.kid, **headers}
    )


@pytest.fixture
def verifier(signing_keys: SigningKeys) -> TokenVerifier:
    signing_keys.jwks = {"keys": [signing_keys.public]}
    return TokenVerifier(
        fetch_jwks=signing_keys.fetch, issuer=ISSUER, audience=AUDIENCE, min_refresh_seconds=0
    )


async def test_valid_token_gives_principal(verifier: TokenVerifier, signing_keys: SigningKeys) -> None:
    token = signing_keys.token("user:merchant", act={"sub": "user:agent"}, scope="a b", roles=["merchant"])
    principal = await verifier.verify(token)
    assert principal.subject == "user:merchant"
    assert principal.actor == "user:agent"
    assert principal.scopes == {"a", "b"}
    assert principal.roles == {"merchant"}


async def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(token)
    return caught.value.detail


async def test_alg_none_is_refused(verifier: TokenVerifier, signing_keys: SigningKeys) -> None:
    token = f"{_b64({'alg': 'none', 'kid': signing_keys.kid})}.{_b64(_claims())}."
    assert "ES256" in await _refused(verifier, token)


async def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, signing_keys: SigningKeys
) -> None:
    public_as_secret = json.dumps(signing_keys.public)
    token = jwt.encode(_claims(), public_as_secret, algorithm="HS256", headers={"kid": signing_keys.kid})
    assert "ES256" in await _refused(verifier, token)


async def test_expired_is_refused_with_its_own_code_and_expiry(
    verifier: TokenVerifier, signing_keys: SigningKeys
) -> None:
    now = int(time.time())
    with pytest.raises(TokenExpired) as caught:
        await verifier.verify(_es256(signing_keys, _claims(iat=now - 1200, exp=1_700_000_000)))
    assert caught.value.code == "token-expired"
    assert caught.value.extra["expired_at"] == "2023-11-14T22:13:20Z"
    assert "2023-11-14T22:13:20Z" in caught.value.detail
    assert "refresh_token" in caught.value.detail


async def test_an_expired_token_under_a_forged_signature_is_not_called_expired(
    verifier: TokenVerifier, signing_keys: SigningKeys
) -> None:
    """Only a token whose signature held learns that it merely expired."""
    now = int(time.time())
    header, payload, signature = _es256(signing_keys, _claims(iat=now - 1200, exp=now - 600)).split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(forged)
    assert not isinstance(caught.value, TokenExpired)


async def test_wrong_or_missing_audience_is_refused(
    verifier: TokenVerifier, signing_keys: SigningKeys
) -> None:
    await _refused(verifier, _es256(signing_keys, _claims(aud="another-api")))
    await _refused(verifier, _es256(signing_keys, _claims(aud=None)))


async def test_wrong_issuer_is_refused(verifier: TokenVerifier, signing_keys: SigningKeys) -> None:
    await _refused(verifier, _es256(signing_keys, _claims(iss="https://evil.example/")))


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "sub", "typ"])
async def test_each_required_claim_is_required(
    verifier: TokenVerifier, signing_keys: SigningKeys, claim: str
) -> None:
    await _refused(verifier, _es256(signing_keys, _claims(**{claim: None})))


async def test_wrong_typ_is_refused(verifier: TokenVerifier, signing_keys: SigningKeys) -> None:
    assert "refresh" in await _refused(verifier, _es256(signing_keys, _claims(typ="refresh")))


async def test_unknown_kid_refetches_once_then_refuses(
    verifier: TokenVerifier, signing_keys: SigningKeys
) -> None:
    before = signing_keys.fetches
    token = _es256(signing_keys, _claims(), kid="no-such-key")
    assert "unknown key" in await _refused(verifier, token)
    assert signing_keys.fetches == before + 1


async def test_unknown_kid_refetch_is_rate_limited(signing_keys: SigningKeys) -> None:
    verifier = TokenVerifier(
        fetch_jwks=signing_keys.fetch, issuer=ISSUER, audience=AUDIENCE, min_refresh_seconds=60
    )
    before = signing_keys.fetches
    for i in range(5):
        await _refused(verifier, _es256(signing_keys, _claims(), kid=f"forged-{i}"))
    assert signing_keys.fetches == before + 1


async def test_rotated_key_is_picked_up(verifier: TokenVerifier, signing_keys: SigningKeys) -> None:
    await verifier.verify(signing_keys.token())  # loads the set with the first key only
    signing_keys.jwks = {"keys": [signing_keys.public, signing_keys.other_public]}
    token = _es256(signing_keys, _claims(), kid=signing_keys.other_kid, pem=signing_keys.other_pem)
    assert (await verifier.verify(token)).subject == "user:1"


async def test_token_is_checked_against_its_kid_only(
    verifier: TokenVerifier, signing_keys: SigningKeys
) -> None:
    # python-jose, given a key set, tries every key: a token signed with key B
    # but naming key A would pass. We pass key A alone.
    signing_keys.jwks = {"keys": [signing_keys.public, signing_keys.other_public]}
    token = _es256(signing_keys, _claims(), kid=signing_keys.kid, pem=signing_keys.other_pem)
    await _refused(verifier, token)


async def test_tampered_payload_is_refused(verifier: TokenVerifier, signing_keys: SigningKeys) -> None:
    header, _, signature = signing_keys.token("user:1").split(".")
    forged = f"{header}.{_b64(_claims(sub='user:admin'))}.{signature}"
    await _refused(verifier, forged)


async def test_jku_header_is_ignored(verifier: TokenVerifier, signing_keys: SigningKeys) -> None:
    before = signing_keys.fetches
    token = _es256(
        signing_keys, _claims(), kid="attacker", pem=signing_keys.other_pem, jku="https://evil.example/jwks"
    )
    await _refused(verifier, token)
    assert signing_keys.fetches == before + 1  # only our own JWKS was fetched


async def test_jwe_and_garbage_are_refused(verifier: TokenVerifier) -> None:
    await _refused(verifier, "a.b.c.d.e")
    await _refused(verifier, "not-a-token")
    await _refused(verifier, "e30.e30.")


async def test_endpoint_refusals_are_401_problems(
    kit_client: httpx.AsyncClient, signing_keys: SigningKeys
) -> None:
    missing = await kit_client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.headers["www-authenticate"] == 'Bearer realm="panjereh"'  # RFC 6750 §3.1: no error code
    now = int(time.time())
    expired = _es256(signing_keys, _claims(iat=now - 1200, exp=now - 600))
    response = await kit_client.get("/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["code"] == "token-expired"
    assert response.json()["expired_at"].endswith("Z")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(
        'Bearer realm="panjereh", error="invalid_token", error_description="The access'
    )
    garbage = await kit_client.get("/me", headers={"Authorization": "Bearer not-a-token"})
    assert garbage.json()["code"] == "unauthenticated"
    assert 'error_description="The token is not a signed JWT' in garbage.headers["www-authenticate"]
    ok = await kit_client.get("/me", headers={"Authorization": f"Bearer {signing_keys.token('user:7')}"})
    assert ok.json() == {"subject": "user:7", "actor": None}
