"""Login through "My Government" (دولت من): an OpenID Connect authorization-code
flow with PKCE (S256), ``state`` and ``nonce``.

1. ``start``: a fresh ``state``, ``nonce`` and PKCE verifier are kept in
   ``SsoLogin`` (single use, ``sso_login_ttl_seconds``); the answer is the
   provider's authorization URL for the user's browser.
2. The user logs in at My Government, which sends the browser back to the
   redirect URI with ``code`` and ``state``.
3. ``complete``: the state is spent (in its own committed transaction, so a
   failed attempt cannot be replayed); the code is exchanged over HTTP at the
   provider's token endpoint with the client secret and the PKCE verifier;
   the ``id_token`` is verified (ES256 against the provider's JWKS, ``iss``,
   ``aud`` = our client ID, ``exp``, ``nonce``); its ``national_code`` and
   ``mobile`` claims are normalised; the ownership inquiry must confirm the
   mobile is registered to the national code; an active Panjereh account with
   that national code must exist. Then the session starts with ``amr: ["sso"]``.

My Government authenticates the person itself, so identity's own second
factor is not asked again.

The same flow with ``purpose="recovery"`` lets a person who forgot the
password set a new one (``identity.recovery``); a state works only for the
purpose it was started for.

Redirect URIs come from settings only, never from the request (its Host or
``X-Forwarded-Host`` can be forged): identity's own callbacks under
``IDENTITY_SSO_PUBLIC_URL`` (identity's address as browsers reach it; empty:
``IDENTITY_URL``) and the pages listed in ``IDENTITY_SSO_REDIRECT_URIS``. Any
other ``redirect_uri`` is refused (422).

In the sandbox, with no provider configured, the fake provider on identity
itself (``identity.sso_fake``) stands in for My Government.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import astuple, dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi import Request
from identity_client.login import SsoStart
from identity_client.models import TokenResponse
from jose import jwk, jwt
from jose.exceptions import JOSEError
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, login_repository, sessions
from identity.config import Settings
from identity.exceptions import (
    AccountNotActive,
    SsoAccountNotFound,
    SsoCodeRefused,
    SsoDenied,
    SsoIdTokenInvalid,
    SsoMobileNotOwned,
    SsoNotConfigured,
    SsoProviderUnavailable,
    SsoRedirectUriNotAllowed,
    SsoStateExpired,
    SsoStateUnknown,
    SsoStateUsed,
)
from identity.models import SsoLogin
from identity.state import identity_state
from identity.subjects import subject_of
from kit.clock import now_utc
from kit.errors import field_error
from panjereh_contract.identifiers import InvalidIdentifier, parse_mobile, parse_national_code

PROVIDER = "my-government"
CALLBACK_PATH = "/v1/sso/my-government/callback"
RECOVERY_CALLBACK_PATH = "/v1/password-recovery/my-government/callback"
CALLBACKS = {"login": CALLBACK_PATH, "recovery": RECOVERY_CALLBACK_PATH}
FAKE_PATH = "/v1/sandbox/my-government"
# The fake provider's client secret, used only in the sandbox when none is configured.
SANDBOX_CLIENT_SECRET = "sandbox-my-government-secret"
ID_TOKEN_ALGORITHM = "ES256"


@dataclass(frozen=True, slots=True)
class Provider:
    issuer: str
    authorization_url: str
    token_url: str
    jwks_url: str
    client_id: str
    client_secret: str


def sandbox_issuer(settings: Settings) -> str:
    return settings.sso_issuer or settings.url_of("identity") + FAKE_PATH


def sandbox_client_secret(settings: Settings) -> str:
    return settings.sso_client_secret.get_secret_value() or SANDBOX_CLIENT_SECRET


def provider(request: Request) -> Provider:
    """The configured provider; in the sandbox, by default, the fake one on identity itself."""
    settings: Settings = identity_state(request).settings
    configured = Provider(
        issuer=settings.sso_issuer,
        authorization_url=settings.sso_authorization_url,
        token_url=settings.sso_token_url,
        jwks_url=settings.sso_jwks_url,
        client_id=settings.sso_client_id,
        client_secret=settings.sso_client_secret.get_secret_value(),
    )
    if all(astuple(configured)):
        return configured
    if not settings.sandbox or settings.sso_token_url:
        raise SsoNotConfigured(
            "Login with My Government is not set up here: IDENTITY_SSO_ISSUER, _AUTHORIZATION_URL, "
            "_TOKEN_URL, _JWKS_URL, _CLIENT_ID and _CLIENT_SECRET are all needed."
        )
    base = settings.url_of("identity") + FAKE_PATH
    return Provider(
        issuer=sandbox_issuer(settings),
        # The browser goes there: identity's configured public address, never the request's Host.
        authorization_url=public_base(settings) + FAKE_PATH + "/authorize",
        token_url=base + "/token",
        jwks_url=base + "/jwks.json",
        client_id=settings.sso_client_id,
        client_secret=sandbox_client_secret(settings),
    )


def public_base(settings: Settings) -> str:
    """identity's address as users' browsers reach it, from settings alone."""
    return (settings.sso_public_url or settings.url_of("identity")).rstrip("/")


def own_callback(settings: Settings, purpose: str = "login") -> str:
    return public_base(settings) + CALLBACKS[purpose]


def allowed_redirect_uris(settings: Settings) -> list[str]:
    """Every redirect URI identity accepts: its own callbacks and the configured pages."""
    return [own_callback(settings, purpose) for purpose in CALLBACKS] + list(settings.sso_redirect_uris)


def redirect_uri_allowed(settings: Settings, redirect_uri: str) -> bool:
    return redirect_uri in allowed_redirect_uris(settings)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


async def start(
    request: Request, session: AsyncSession, redirect_uri: str | None, *, purpose: str = "login"
) -> SsoStart:
    """A fresh login (or recovery) at My Government: the URL to send the browser to."""
    chosen = provider(request)
    settings: Settings = identity_state(request).settings
    if redirect_uri is None:
        redirect_uri = own_callback(settings, purpose)
    elif not redirect_uri_allowed(settings, redirect_uri):
        raise SsoRedirectUriNotAllowed(
            "The redirect URI must be one of identity's callbacks or a page registered in "
            "IDENTITY_SSO_REDIRECT_URIS.",
            errors=[field_error("#/query/redirect_uri", "not registered", "redirect_uri_not_allowed")],
        )
    ttl = identity_state(request).settings.sso_login_ttl_seconds
    row = SsoLogin(
        state=secrets.token_urlsafe(32),
        provider=PROVIDER,
        purpose=purpose,
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        redirect_uri=redirect_uri,
        expires_at=now_utc() + timedelta(seconds=ttl),
    )
    session.add(row)
    await session.flush()
    query = httpx.QueryParams(
        {
            "response_type": "code",
            "client_id": chosen.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid national_code mobile",
            "state": row.state,
            "nonce": row.nonce,
            "code_challenge": pkce_challenge(row.code_verifier),
            "code_challenge_method": "S256",
        }
    )
    return SsoStart(
        authorization_url=f"{chosen.authorization_url}?{query}", state=row.state, expires_at=row.expires_at
    )


async def authenticate(
    request: Request, session: AsyncSession, *, state: str, code: str | None, error: str | None, purpose: str
) -> tuple[str, str]:
    """Finish the flow at My Government: the national code and mobile it vouches for,
    once the ownership inquiry confirms the mobile belongs to the national code."""
    pending = await _spend_state(request, state, purpose)
    if error is not None:
        raise SsoDenied(f"My Government answered {error!r}; the user is not logged in.")
    if not code:
        raise SsoCodeRefused(
            "The callback carries no authorization code.",
            errors=[field_error("#/query/code", "missing", "missing")],
        )
    chosen = provider(request)
    id_token = await _exchange(request, chosen, pending, code)
    claims = await _verify_id_token(request, chosen, id_token, nonce=pending.nonce)
    national_code, mobile = _identity_of(claims)
    if not await identity_state(request).ownership.owns(session, national_code=national_code, mobile=mobile):
        raise SsoMobileNotOwned(
            "My Government's mobile number is not registered to this national code (ownership inquiry)."
        )
    return national_code, mobile


async def complete(
    request: Request, session: AsyncSession, *, state: str, code: str | None, error: str | None
) -> TokenResponse:
    national_code, _ = await authenticate(
        request, session, state=state, code=code, error=error, purpose="login"
    )
    found = await login_repository.natural_person_with_account(session, national_code)
    if found is None:
        raise SsoAccountNotFound("No Panjereh account has this national code; register first.")
    party, _ = found
    if party.status != "active":
        raise AccountNotActive("The Panjereh account with this national code is not active.")
    audit.record(
        session,
        actor=subject_of(party),
        action="login",
        object_type="account",
        object_id=party.id,
        details={"amr": ["sso"], "provider": PROVIDER},
    )
    return await sessions.start(request, session, party, amr=["sso"])


async def _spend_state(request: Request, state: str, purpose: str) -> SsoLogin:
    """Mark the state used, committed at once: a state works once, even if this login fails."""
    async with identity_state(request).runtime.sessionmaker() as own, own.begin():
        row = await login_repository.sso_login_for_update(own, state)
        if row is None or row.provider != PROVIDER or row.purpose != purpose:
            raise SsoStateUnknown(
                "This state was not issued by identity; start the login again.",
                errors=[field_error("#/query/state", "unknown state", "state_unknown")],
            )
        if row.used_at is not None:
            raise SsoStateUsed("This login was already used; start again.")
        if row.expires_at <= now_utc():
            raise SsoStateExpired("The login took too long; start again.")
        row.used_at = now_utc()
        return row


async def _exchange(request: Request, chosen: Provider, pending: SsoLogin, code: str) -> str:
    """The id_token for ``code``, from the provider's token endpoint (client secret + PKCE)."""
    http: httpx.AsyncClient = identity_state(request).runtime.http
    try:
        response = await http.post(
            chosen.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": pending.redirect_uri
                or own_callback(identity_state(request).settings, pending.purpose),
                "code_verifier": pending.code_verifier,
            },
            auth=(chosen.client_id, chosen.client_secret),
            headers={"Accept": "application/json"},
        )
    except httpx.HTTPError as exc:
        raise SsoProviderUnavailable(
            f"My Government's token endpoint cannot be reached ({type(exc).__name__})."
        ) from exc
    if 400 <= response.status_code < 500:
        raise SsoCodeRefused(f"My Government refused the code: {_oauth_error(response)}.")
    body = _json(response)
    id_token = body.get("id_token") if response.status_code == 200 else None
    if not isinstance(id_token, str):
        raise SsoProviderUnavailable(
            f"My Government's token endpoint answered {response.status_code} without an id_token."
        )
    return id_token


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _oauth_error(response: httpx.Response) -> str:
    body = _json(response)
    error = body.get("error_description") or body.get("error") or f"HTTP {response.status_code}"
    return str(error)[:200]


async def _provider_key(request: Request, chosen: Provider, kid: str) -> Any:
    http: httpx.AsyncClient = identity_state(request).runtime.http
    try:
        response = await http.get(chosen.jwks_url, headers={"Accept": "application/json"})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise SsoProviderUnavailable("My Government's key set cannot be fetched.") from exc
    keys = _json(response).get("keys")
    for entry in keys if isinstance(keys, list) else []:
        if isinstance(entry, dict) and entry.get("kid") == kid and entry.get("kty") == "EC":
            try:
                return jwk.construct({k: entry.get(k) for k in ("kty", "crv", "x", "y")}, ID_TOKEN_ALGORITHM)
            except JOSEError as exc:
                raise SsoProviderUnavailable("My Government published a key that cannot be read.") from exc
    raise SsoIdTokenInvalid("The identity token is signed with a key My Government does not publish.")


async def _verify_id_token(
    request: Request, chosen: Provider, id_token: str, *, nonce: str
) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(id_token)
    except JOSEError as exc:
        raise SsoIdTokenInvalid("The identity token cannot be read.") from exc
    if header.get("alg") != ID_TOKEN_ALGORITHM or not isinstance(header.get("kid"), str):
        raise SsoIdTokenInvalid(f"The identity token must be {ID_TOKEN_ALGORITHM} and name its key.")
    key = await _provider_key(request, chosen, header["kid"])
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key,
            algorithms=[ID_TOKEN_ALGORITHM],
            audience=chosen.client_id,
            issuer=chosen.issuer,
            options={
                "require_aud": True,
                "require_iss": True,
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
                "verify_at_hash": False,
            },
        )
    except JOSEError as exc:
        raise SsoIdTokenInvalid(f"The identity token is not valid: {exc}.") from exc
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
        raise SsoIdTokenInvalid("The identity token was not issued for this login (nonce).")
    return claims


def _identity_of(claims: dict[str, Any]) -> tuple[str, str]:
    """The national code and mobile My Government vouches for, normalised."""
    try:
        return parse_national_code(str(claims.get("national_code", ""))), parse_mobile(
            str(claims.get("mobile", ""))
        )
    except InvalidIdentifier as exc:
        raise SsoIdTokenInvalid(f"The identity token's claims are not usable: {exc.message}") from exc
