"""Access-token verification. Every line of JWT verification lives here.

Tokens are ES256 JWS signed by identity. python-jose has three traps this
module guards against:

* with ``algorithms=None`` it skips the algorithm allowlist -> we check the
  header's ``alg`` is exactly ES256 ourselves and pass ``algorithms=["ES256"]``;
* it does not check ``aud`` when the token carries none -> ``require_aud`` and
  an explicit check after decoding;
* given a JWK set it tries every key -> we select one key by ``kid`` and pass
  that key object alone.

``jku``/``x5u`` headers are ignored (keys come only from our JWKS URL) and a
JWE (five dot-separated parts) is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import ExpiredSignatureError, JOSEError

from kit.errors import Forbidden, TokenExpired, Unauthenticated
from kit.registry import registry
from kit.runtime import runtime

ALGORITHM = "ES256"
ACCESS_TOKEN_TYP = "access"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "typ")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token speaks for.

    ``subject`` is the principal acted for; ``actor`` is the agent acting for
    them (RFC 8693 ``act.sub``) or ``None`` when the subject acts itself. In an
    acting-for token ``roles`` is the role the grant was made in, and ``scopes``
    count only together with it (``kit.access_levels.covers``).
    """

    subject: str
    actor: str | None = None
    client_id: str | None = None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    access_level: str | None = None
    expires_at: int = 0
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def rate_limit_key(self) -> str:
        return self.actor or self.subject


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    act = claims.get("act")
    actor = act.get("sub") if isinstance(act, dict) else None
    scope = claims.get("scope", "")
    roles = claims.get("roles", [])
    return Principal(
        subject=str(claims["sub"]),
        actor=str(actor) if actor else None,
        client_id=claims.get("client_id"),
        roles=frozenset(roles if isinstance(roles, list) else []),
        scopes=frozenset(scope.split() if isinstance(scope, str) else []),
        access_level=claims.get("access_level"),
        expires_at=int(claims["exp"]),
        claims=claims,
    )


JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


def http_jwks_fetcher(http: httpx.AsyncClient, url: str) -> JwksFetcher:
    """Fetch identity's published key set over HTTP."""

    async def fetch() -> dict[str, Any]:
        response = await http.get(url)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("the JWKS is not a JSON object")
        return body

    return fetch


class TokenVerifier:
    """Verifies access tokens against identity's JWKS.

    The JWKS is cached; an unknown ``kid`` triggers a refetch at most once per
    ``min_refresh_seconds`` so a flood of forged kids cannot hammer identity.
    Verified tokens are cached by hash until they expire (ES256 verification
    costs ~120 µs, most of a small request).
    """

    def __init__(
        self,
        *,
        fetch_jwks: JwksFetcher,
        issuer: str,
        audience: str,
        min_refresh_seconds: float = 10.0,
        cache_size: int = 10_000,
        leeway_seconds: int = 0,
    ) -> None:
        self._fetch_jwks = fetch_jwks
        self.issuer = issuer
        self.audience = audience
        self._keys: dict[str, Key] = {}
        self._last_fetch = float("-inf")
        self._fetch_lock = asyncio.Lock()
        self._min_refresh = min_refresh_seconds
        self._cache: OrderedDict[bytes, Principal] = OrderedDict()
        self._cache_size = cache_size
        self._leeway = leeway_seconds

    def load_jwks(self, jwks: dict[str, Any]) -> None:
        """Replace the key set (also used by tests and by identity itself)."""
        keys: dict[str, Key] = {}
        for entry in jwks.get("keys", []):
            if entry.get("kty") != "EC" or entry.get("crv") != "P-256" or not entry.get("kid"):
                continue
            if entry.get("use", "sig") != "sig" or entry.get("alg", ALGORITHM) != ALGORITHM:
                continue
            public = {k: entry[k] for k in ("kty", "crv", "x", "y")}
            keys[entry["kid"]] = jwk.construct(public, algorithm=ALGORITHM)
        self._keys = keys

    async def _refresh(self) -> None:
        async with self._fetch_lock:
            if time.monotonic() - self._last_fetch < self._min_refresh:
                return
            self._last_fetch = time.monotonic()
            try:
                self.load_jwks(await self._fetch_jwks())
            except (httpx.HTTPError, ValueError) as exc:
                raise Unauthenticated(
                    "The token cannot be verified now: the key set is unreachable.",
                ) from exc

    async def _key_for(self, kid: str) -> Key:
        key = self._keys.get(kid)
        if key is None:
            await self._refresh()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("The token was signed with an unknown key.")
        return key

    async def verify(self, token: str) -> Principal:
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._cache.get(digest)
        now = time.time()
        if cached is not None:
            if cached.expires_at + self._leeway > now:
                self._cache.move_to_end(digest)
                return cached
            del self._cache[digest]

        if token.count(".") != 2:
            raise Unauthenticated("The token is not a signed JWT (JWE and other forms are refused).")
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise Unauthenticated("The token header cannot be read.") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(f"Only {ALGORITHM} tokens are accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("The token names no key (kid).")
        key = await self._key_for(kid)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "verify_signature": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_sub": True,
                    **{f"require_{c}": True for c in ("exp", "iat", "iss", "aud", "sub")},
                    "leeway": self._leeway,
                },
            )
        except ExpiredSignatureError as exc:
            raise _expired(token) from exc
        except JOSEError as exc:
            raise Unauthenticated(f"The token is not valid: {exc}.") from exc

        missing = [c for c in REQUIRED_CLAIMS if c not in claims]
        if missing:
            raise Unauthenticated(f"The token lacks required claims: {', '.join(missing)}.")
        aud = claims["aud"]
        if self.audience not in (aud if isinstance(aud, list) else [aud]):
            raise Unauthenticated("The token is not meant for this API.")
        if claims["typ"] != ACCESS_TOKEN_TYP:
            raise Unauthenticated(f"The token is a {claims['typ']!r} token, not an access token.")

        principal = principal_from_claims(claims)
        self._cache[digest] = principal
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return principal


def _expired(token: str) -> TokenExpired:
    """The answer to a token whose signature held but whose ``exp`` has passed
    (python-jose checks the signature before the claims)."""
    exp = jwt.get_unverified_claims(token).get("exp")
    expired_at = (
        datetime.fromtimestamp(exp, UTC).isoformat().replace("+00:00", "Z")
        if isinstance(exp, int | float)
        else None
    )
    return TokenExpired(
        f"The access token expired at {expired_at}. Get a new one: POST {_TOKENS.token_endpoint} with "
        "grant_type=refresh_token and your refresh token (or log in again).",
        expired_at=expired_at,
        refresh_with=_TOKENS.token_endpoint,
    )


_TOKENS = registry().token_service
_bearer = HTTPBearer(
    auto_error=False,
    description=f"An access token from {_TOKENS.name}'s `POST {_TOKENS.token_path}`: a person's or a machine "
    "client's own, or a representative's acting-for token, which carries the grant's role, scopes and "
    "access level (see *Access levels and scopes* in the API description).",
)


async def _principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("Send an access token as `Authorization: Bearer <token>`.", token_sent=False)
    verifier = runtime(request).token_verifier
    principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(_principal)]


def require_scope(*scopes: str) -> Any:
    """Dependency: the token must carry every one of ``scopes``."""

    async def check(principal: PrincipalDep) -> Principal:
        missing = [s for s in scopes if s not in principal.scopes]
        if missing:
            raise Forbidden(f"The token lacks the scope(s): {', '.join(missing)}.", missing_scopes=missing)
        return principal

    return Depends(check)
