"""Identity HTTP API: tokens, the JWKS and machine clients."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from identity_client.models import (
    ClientCreate,
    ClientCreated,
    ClientOut,
    ClientPage,
    ClientSecretRotate,
    ClientSecretRotated,
    JwkSet,
    TokenResponse,
)
from identity_client.representations import (
    ACCESS_TOKEN_TYPE,
    LEGAL_PERSON_TOKEN_TYPE,
    REPRESENTATION_TOKEN_TYPE,
)

from identity import keys
from identity.clients import repository, service, views
from identity.clients.exceptions import ClientDisabled, ClientNotFound
from identity.clients.grants import GRANTS, token_exchange
from identity.clients.grants import audit as grants_audit
from identity.clients.grants.form import TokenForm
from identity.context import ContextDep
from identity.exceptions import (
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    InvalidTokenRequest,
    UnsupportedGrantType,
)
from identity.pages import creation_key
from kit.auth import Principal, require_scope
from kit.db import SessionDep
from kit.errors import Forbidden, InvalidCursor, ProblemError, problem_responses
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_of, page_params
from kit.responses import no_store
from kit.urls import public_location

router = APIRouter()
clients_router = APIRouter(route_class=IdempotentRoute, tags=["machine clients"])
GRANT_TYPES = list(GRANTS)
_TEXT = {"type": "string", "minLength": 1}
FORM_SCHEMAS: dict[str, dict[str, Any]] = {
    "client_credentials": {
        "title": "ClientCredentialsGrant",
        "required": ["grant_type"],
        "properties": {
            "scope": {
                "type": "string",
                "description": "Space-separated scopes; omit for all the client holds.",
            },
            "client_id": {**_TEXT, "description": "Or use HTTP Basic authentication (preferred)."},
            "client_secret": _TEXT,
        },
    },
    "refresh_token": {
        "title": "RefreshTokenGrant",
        "required": ["grant_type", "refresh_token"],
        "properties": {"refresh_token": {**_TEXT, "description": "The refresh token last issued."}},
    },
    token_exchange.GRANT_TYPE: {
        "title": "TokenExchangeGrant",
        "required": ["grant_type", "subject_token", "subject_token_type", "actor_token", "actor_token_type"],
        "properties": {
            "subject_token": {
                **_TEXT,
                "description": "Whom to act for: a representation ID, or a legal person's ID.",
            },
            "subject_token_type": {"enum": [REPRESENTATION_TOKEN_TYPE, LEGAL_PERSON_TOKEN_TYPE]},
            "actor_token": {**_TEXT, "description": "The acting user's own access token."},
            "actor_token_type": {"const": ACCESS_TOKEN_TYPE},
            "requested_token_type": {
                "const": ACCESS_TOKEN_TYPE,
                "description": "Optional: access tokens only.",
            },
        },
    },
}
FORM_FIELDS = {"grant_type", *(name for schema in FORM_SCHEMAS.values() for name in schema["properties"])}
# Documented precisely here, one schema per grant type (each a component named by its
# title: kit.openapi lifts titled oneOf members); parsed leniently below so
# that a bad request gets OAuth's 400 ``invalid_request`` (RFC 6749 §5.2), not a 422.
TOKEN_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "oneOf": [
                    {
                        "type": "object",
                        "title": schema["title"],
                        "required": schema["required"],
                        "properties": {"grant_type": {"const": grant}, **schema["properties"]},
                    }
                    for grant, schema in FORM_SCHEMAS.items()
                ]
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


async def _form(request: Request) -> dict[str, str]:
    """The form's known fields; a field given twice is refused (RFC 6749 §3.2)."""
    try:
        form = await request.form()
    except (AssertionError, ValueError) as exc:  # not a form at all
        raise InvalidTokenRequest("Send the token request as application/x-www-form-urlencoded.") from exc
    fields: dict[str, str] = {}
    for name in sorted(FORM_FIELDS):
        values = form.getlist(name)
        if len(values) > 1:
            raise InvalidTokenRequest(f"{name} is given more than once.")
        if values and isinstance(values[0], str) and values[0]:
            fields[name] = values[0]
    return fields


@router.post(
    "/v1/token",
    tags=["tokens"],
    summary="Get an access token (OAuth 2.0 token endpoint)",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses=problem_responses(
        InvalidGrant,
        InvalidTokenRequest,
        InvalidScope,
        UnsupportedGrantType,
        InvalidClient,
        described={401: "The client is not known, is disabled, or its secret is wrong"},
    ),
    openapi_extra={"requestBody": TOKEN_REQUEST_BODY},
)
async def token(request: Request, response: Response, ctx: ContextDep) -> TokenResponse:
    """RFC 6749 token endpoint, form-encoded. Access tokens are ES256 JWTs valid
    for 10 minutes.

    - **client_credentials** (machine clients: clearance-agent software, the
      Mikhak feed, admin tools): HTTP Basic (preferred) or
      `client_id`/`client_secret` in the form, never both; `sub` is
      `client:<client_id>`.
    - **refresh_token**: a user's refresh token from login; each is spent on
      use and replaced, and a spent one presented again revokes its family.
    - **urn:ietf:params:oauth:grant-type:token-exchange** (RFC 8693): an
      agent's token for a principal who granted them representation; `sub` is
      the principal and `act.sub` the agent.

    Errors are problem+json that also carry OAuth's `error` and
    `error_description`.
    """
    no_store(response)
    form = TokenForm(await _form(request), request.headers.get("authorization", ""))
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidTokenRequest("grant_type is required.")
    handler = GRANTS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantType(
            f"grant_type {grant_type!r} is not supported; use one of: {', '.join(GRANT_TYPES)}."
        )
    try:
        return await handler(ctx, form)
    except ProblemError as exc:
        await grants_audit.refused(ctx, grant_type, form, exc)
        raise


@clients_router.post(
    "/v1/clients",
    status_code=201,
    summary="Register a machine client (admin)",
    response_model=ClientCreated,
    responses=problem_responses(401, 422, Forbidden),
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
    responses=problem_responses(401, 422, InvalidCursor, Forbidden),
)
async def list_clients(
    request: Request,
    session: SessionDep,
    _: AdminDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> ClientPage:
    rows, next_url = page_of(
        await repository.list_clients(session, params), params=params, request=request, key_of=creation_key
    )
    return ClientPage(items=[views.client_out(c) for c in rows], next=next_url)


@clients_router.get(
    "/v1/clients/{client_id}",
    summary="Read one machine client (admin)",
    response_model=ClientOut,
    responses=problem_responses(401, 422, Forbidden, ClientNotFound),
)
async def get_client(client_id: str, session: SessionDep, _: AdminDep) -> ClientOut:
    client = await repository.client_by_client_id(session, client_id)
    if client is None:
        raise ClientNotFound(f"No machine client {client_id!r}.")
    return views.client_out(client)


@clients_router.post(
    "/v1/clients/{client_id}/secret",
    summary="Rotate a machine client's secret (admin)",
    response_model=ClientSecretRotated,
    responses=problem_responses(401, 422, Forbidden, ClientNotFound, ClientDisabled),
)
async def rotate_client_secret(
    client_id: str,
    session: SessionDep,
    admin: AdminDep,
    response: Response,
    data: ClientSecretRotate | None = None,
) -> ClientSecretRotated:
    """Issues a new secret, shown in this answer only. The previous secret keeps
    working for `grace_seconds` (default 0: it stops at once; at most 7 days),
    so the client's operator can deploy the new one without downtime. Only one
    previous secret is kept: a secret replaced by an earlier rotation stops now.
    A disabled client is refused (409)."""
    no_store(response)
    grace = data.grace_seconds if data is not None else 0
    return await service.rotate_client_secret(session, client_id, grace, actor=admin.rate_limit_key)


@clients_router.post(
    "/v1/clients/{client_id}/disable",
    summary="Disable a machine client (admin)",
    response_model=ClientOut,
    responses=problem_responses(401, 422, Forbidden, ClientNotFound),
)
async def disable_client(client_id: str, session: SessionDep, admin: AdminDep) -> ClientOut:
    """The client gets no new token, with any of its secrets (`invalid_client`
    at `POST /v1/token`). Tokens already issued run out within 10 minutes.
    Disabling a disabled client changes nothing."""
    return await service.disable_client(session, client_id, actor=admin.rate_limit_key)
