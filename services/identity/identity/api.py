"""Identity HTTP API: tokens, the JWKS and machine clients."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from identity_client.models import ClientCreate, ClientCreated, ClientOut, ClientPage, JwkSet, TokenResponse

from identity import keys, repository, service
from identity.exceptions import ClientNotFound, InvalidClient, InvalidTokenRequest, UnsupportedGrantType
from identity.tokens import sign_access_token
from kit.auth import Principal, require_scope
from kit.db import SessionDep
from kit.errors import PROBLEM_RESPONSES
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_params
from kit.urls import public_location

router = APIRouter()
clients_router = APIRouter(route_class=IdempotentRoute, tags=["machine clients"])
GRANT_TYPES = ["client_credentials"]
# Documented precisely here; parsed leniently below so that a bad request gets
# OAuth's 400 ``invalid_request`` (RFC 6749 §5.2) rather than a 422.
TOKEN_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["grant_type"],
                "properties": {
                    "grant_type": {"type": "string", "enum": GRANT_TYPES},
                    "scope": {
                        "type": "string",
                        "description": "Space-separated scopes; omit for all the client holds.",
                    },
                    "client_id": {"type": "string", "description": "Or use HTTP Basic authentication."},
                    "client_secret": {"type": "string"},
                },
            }
        }
    },
}
AdminDep = Annotated[Principal, require_scope("admin")]
JWKS_MAX_AGE = 60


@router.get(
    "/.well-known/jwks.json",
    tags=["tokens"],
    summary="Public keys that verify Panjereh access tokens",
    response_model=JwkSet,
)
async def get_jwks(session: SessionDep, response: Response) -> dict[str, Any]:
    """The JSON Web Key Set (RFC 7517). A retired key stays here until every token
    it signed has expired. Cache it for up to a minute; refetch on an unknown `kid`."""
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return await keys.jwks(session)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        client_id, _, secret = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("The Basic credentials cannot be decoded.") from exc
    return client_id, secret


@router.post(
    "/v1/token",
    tags=["tokens"],
    summary="Get an access token (OAuth 2.0 token endpoint)",
    response_model=TokenResponse,
    responses={400: PROBLEM_RESPONSES[400], 401: PROBLEM_RESPONSES[401]},
    openapi_extra={"requestBody": TOKEN_REQUEST_BODY},
)
async def token(
    request: Request,
    response: Response,
    session: SessionDep,
    grant_type: Annotated[
        str | None,
        Form(description="`client_credentials`.", json_schema_extra={"enum": GRANT_TYPES}),
    ] = None,
    scope: Annotated[
        str | None, Form(description="Space-separated scopes; omit for all the client holds.")
    ] = None,
    client_id: Annotated[str | None, Form(description="Or use HTTP Basic authentication.")] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> TokenResponse:
    """RFC 6749 token endpoint, form-encoded.

    **client_credentials** (machine clients: clearance-agent software, the
    Mikhak feed, admin tools): authenticate with HTTP Basic (preferred) or
    `client_id`/`client_secret` in the form, never both. The token is an ES256
    JWT valid for 10 minutes whose `sub` is `client:<client_id>`.

    Errors are problem+json that also carry OAuth's `error` and
    `error_description`.
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    if not grant_type:
        raise InvalidTokenRequest("grant_type is required.")
    if grant_type not in GRANT_TYPES:
        raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported; use client_credentials.")
    basic = _basic_credentials(request)
    if basic and (client_id or client_secret):
        raise InvalidTokenRequest("Authenticate with HTTP Basic or with form fields, not both.")
    if basic:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise InvalidClient("Client credentials are missing.")

    client = await service.authenticate_client(session, client_id, client_secret)
    scopes = service.granted_scopes(client, scope)
    settings = request.app.state.settings
    kid, pem = await request.app.state.signer.current()
    access_token = sign_access_token(
        kid=kid,
        private_pem=pem,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        subject=f"client:{client.client_id}",
        ttl_seconds=settings.access_token_ttl_seconds,
        extra_claims={"client_id": client.client_id, "scope": " ".join(scopes)},
    )
    return TokenResponse(
        access_token=access_token, expires_in=settings.access_token_ttl_seconds, scope=" ".join(scopes)
    )


@clients_router.post(
    "/v1/clients",
    status_code=201,
    summary="Register a machine client (admin)",
    response_model=ClientCreated,
)
async def create_client(
    data: ClientCreate, session: SessionDep, admin: AdminDep, request: Request, response: Response
) -> ClientCreated:
    """Creates a client-credentials client. The secret is in this answer only."""
    created = await service.create_client(session, data, created_by=admin.rate_limit_key)
    response.headers["Location"] = public_location(request, f"/v1/clients/{created.client_id}")
    return created


@clients_router.get(
    "/v1/clients",
    summary="List machine clients (admin)",
    response_model=ClientPage,
)
async def list_clients(
    request: Request,
    session: SessionDep,
    _: AdminDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> ClientPage:
    rows, next_url = await repository.list_clients(session, params, request)
    return ClientPage(items=[service.client_out(c) for c in rows], next=next_url)


@clients_router.get(
    "/v1/clients/{client_id}",
    summary="Read one machine client (admin)",
    response_model=ClientOut,
)
async def get_client(client_id: str, session: SessionDep, _: AdminDep) -> ClientOut:
    client = await repository.client_by_client_id(session, client_id)
    if client is None:
        raise ClientNotFound(f"No machine client {client_id!r}.")
    return service.client_out(client)
