"""A fake "My Government" OpenID provider, for tests, the demo and client developers.

Mounted only with ``PANJEREH_SANDBOX=1``. It behaves like the real provider
from identity's side: authorization endpoint, token endpoint (client
credentials, code, PKCE verifier) and a JWKS; the id_token is ES256.

Instead of a login page, ``authorize`` takes the person's ``national_code``
and ``mobile`` as query parameters: they stand for the user logging in at My
Government, and come back as claims of the same names.

Its key is derived from identity's key-encryption key, so every process of a
deployment has the same one. A code is a sealed (AES-GCM) record of the
authorization request, valid 2 minutes; spent codes are remembered by each
process in memory (enough for a fake).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Annotated, Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from jose import jwt
from pydantic import BaseModel

from identity import crypto
from identity.config import Settings
from identity.exceptions import InvalidClient, InvalidGrant, InvalidTokenRequest
from identity.sso import service as sso
from identity.state import identity_state
from kit.errors import PROBLEM_RESPONSES, ProblemError

router = APIRouter(tags=["sandbox"])
CODE_TTL_SECONDS = 120
ID_TOKEN_TTL_SECONDS = 300
_CODE_AD = b"sandbox-my-government-code"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class FakeAuthorizeRefused(ProblemError):
    status = 400
    code = "sandbox-sso-authorize-refused"
    title = "The fake My Government refused the authorization request"


class FakeKey:
    """The fake provider's ES256 key: private PEM, kid and public JWK."""

    def __init__(self, kek: bytes) -> None:
        seed = hmac.new(kek, b"sandbox-my-government-signing-key", hashlib.sha256).digest()
        private = ec.derive_private_key(int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())
        numbers = private.public_key().public_numbers()
        public = {
            "crv": "P-256",
            "kty": "EC",
            "x": _b64(numbers.x.to_bytes(32, "big")),
            "y": _b64(numbers.y.to_bytes(32, "big")),
        }
        self.kid = _b64(
            hashlib.sha256(json.dumps(public, separators=(",", ":"), sort_keys=True).encode()).digest()
        )
        self.jwk = {**public, "kid": self.kid, "use": "sig", "alg": sso.ID_TOKEN_ALGORITHM}
        self.pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.code_key = hmac.new(kek, b"sandbox-my-government-codes", hashlib.sha256).digest()

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.pem, algorithm=sso.ID_TOKEN_ALGORITHM, headers={"kid": self.kid})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fake_key(request: Request) -> FakeKey:
    state = identity_state(request)
    if state.fake_my_government_key is None:
        state.fake_my_government_key = FakeKey(state.kek)
    return state.fake_my_government_key


@router.get(
    "/v1/sandbox/my-government/authorize",
    summary="Fake My Government: log a person in (sandbox only)",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {"description": "Back to `redirect_uri` with `code` and `state`."},
        400: PROBLEM_RESPONSES[400],
        422: PROBLEM_RESPONSES[422],
    },
)
async def authorize(
    request: Request,
    response_type: Annotated[str, Query(max_length=20)],
    client_id: Annotated[str, Query(max_length=100)],
    redirect_uri: Annotated[str, Query(max_length=500)],
    state: Annotated[str, Query(min_length=1, max_length=200)],
    nonce: Annotated[str, Query(min_length=1, max_length=200)],
    code_challenge: Annotated[str, Query(min_length=43, max_length=128)],
    code_challenge_method: Annotated[str, Query(max_length=10)],
    national_code: Annotated[
        str, Query(min_length=1, max_length=20, description="Who logs in (stands for the login page).")
    ],
    mobile: Annotated[
        str, Query(min_length=1, max_length=20, description="Their mobile as My Government knows it.")
    ],
) -> RedirectResponse:
    """OIDC authorization endpoint. No login page: `national_code` and `mobile`
    say who logs in. Answers 302 to `redirect_uri` with `code` and `state`."""
    settings: Settings = identity_state(request).settings
    if client_id != settings.sso_client_id:
        raise FakeAuthorizeRefused("Unknown client_id.")
    if not sso.redirect_uri_allowed(settings, redirect_uri):
        raise FakeAuthorizeRefused("redirect_uri is not registered for this client.")
    if response_type != "code" or code_challenge_method != "S256":
        raise FakeAuthorizeRefused("Only response_type=code with code_challenge_method=S256 is supported.")
    record = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "national_code": national_code,
        "mobile": mobile,
        "exp": int(time.time()) + CODE_TTL_SECONDS,
        "jti": secrets.token_urlsafe(16),
    }
    sealed = crypto.encrypt(fake_key(request).code_key, json.dumps(record).encode(), _CODE_AD)
    query = urlencode({"code": _b64(sealed), "state": state})
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{query}", status_code=302)


class FakeTokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    id_token: str


def _client(request: Request, client_id: str | None, client_secret: str | None) -> str:
    settings: Settings = identity_state(request).settings
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            client_id, _, client_secret = (
                base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
            )
        except ValueError as exc:
            raise InvalidClient() from exc
    expected = sso.sandbox_client_secret(settings)
    if client_id != settings.sso_client_id or not hmac.compare_digest(
        (client_secret or "").encode(), expected.encode()
    ):
        raise InvalidClient()
    return client_id


def _unseal(request: Request, code: str) -> dict[str, Any]:
    key = fake_key(request)
    try:
        record: dict[str, Any] = json.loads(crypto.decrypt(key.code_key, _unb64(code), _CODE_AD))
    except (ValueError, InvalidTag) as exc:  # bad base64 or JSON, a cut or forged code
        raise InvalidGrant("Unknown authorization code.") from exc
    return record


@router.post(
    "/v1/sandbox/my-government/token",
    summary="Fake My Government: exchange a code for an id_token (sandbox only)",
    response_model=FakeTokenResponse,
    responses={400: PROBLEM_RESPONSES[400], 401: PROBLEM_RESPONSES[401], 422: PROBLEM_RESPONSES[422]},
)
async def my_government_token(
    request: Request,
    grant_type: Annotated[str, Form(max_length=40)],
    code: Annotated[str, Form(max_length=2000)],
    redirect_uri: Annotated[str, Form(max_length=500)],
    code_verifier: Annotated[str, Form(min_length=43, max_length=128)],
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
) -> FakeTokenResponse:
    """OIDC token endpoint: client credentials (HTTP Basic or form), the code,
    the same `redirect_uri` and the PKCE verifier. The id_token carries
    `national_code` and `mobile`."""
    settings: Settings = identity_state(request).settings
    authenticated = _client(request, client_id, client_secret)
    if grant_type != "authorization_code":
        raise InvalidTokenRequest("Only grant_type=authorization_code is supported.")
    record = _unseal(request, code)
    spent: set[str] = identity_state(request).fake_my_government_spent
    if record["exp"] <= time.time() or record["jti"] in spent:
        raise InvalidGrant("The code has expired or was already used.")
    if record["client_id"] != authenticated or record["redirect_uri"] != redirect_uri:
        raise InvalidGrant("The code was issued to another client or redirect_uri.")
    if not hmac.compare_digest(sso.pkce_challenge(code_verifier), record["code_challenge"]):
        raise InvalidGrant("The PKCE code_verifier does not match the code_challenge.")
    spent.add(record["jti"])
    now = int(time.time())
    id_token = fake_key(request).sign(
        {
            "iss": sso.sandbox_issuer(settings),
            "sub": hashlib.sha256(record["national_code"].encode()).hexdigest()[:32],
            "aud": authenticated,
            "iat": now,
            "exp": now + ID_TOKEN_TTL_SECONDS,
            "auth_time": now,
            "nonce": record["nonce"],
            "national_code": record["national_code"],
            "mobile": record["mobile"],
        }
    )
    return FakeTokenResponse(
        access_token=secrets.token_urlsafe(32), expires_in=ID_TOKEN_TTL_SECONDS, id_token=id_token
    )


@router.get(
    "/v1/sandbox/my-government/jwks.json",
    summary="Fake My Government: its public keys (sandbox only)",
)
async def jwks(request: Request) -> dict[str, list[dict[str, str]]]:
    """The key set that verifies the fake provider's id_tokens."""
    return {"keys": [fake_key(request).jwk]}
