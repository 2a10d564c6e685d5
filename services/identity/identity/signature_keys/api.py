"""Signature keys: the public keys that sign final acts (`Panjereh-Signature`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from identity_client.signature_keys import (
    SignatureJwkSet,
    SignatureKeyConfirm,
    SignatureKeyCreate,
    SignatureKeyOut,
    SignatureKeyPage,
    SignatureKeyRegistered,
)

from identity.adapters.exceptions import SmsUnavailable
from identity.context import ContextDep
from identity.dependencies import CurrentUser
from identity.exceptions import (
    CodeAttemptsExhausted,
    CodeExpired,
    CodeNotFound,
    CodeSpent,
    CodeWrong,
    NotYourAccount,
    SmsRateLimited,
)
from identity.pages import creation_key
from identity.signature_keys import repository, views
from identity.signature_keys import service as signature_keys
from identity.signature_keys.exceptions import (
    MobileNotConfirmed,
    SignatureKeyExists,
    SignatureKeyLimit,
    SignatureKeyNotFound,
    SignatureKeyNotPending,
)
from kit.db import SessionDep
from kit.errors import InvalidCursor, problem_responses
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_of, page_params
from kit.signatures import SIGNATURE_DOC, InvalidJwk
from kit.urls import public_location

router = APIRouter(tags=["signature keys"], route_class=IdempotentRoute)

Kid = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_-]{43}$",
        description="The key's RFC 7638 thumbprint (SHA-256, base64url): the `kid` of its signatures.",
    ),
]
Subject = Annotated[
    str,
    Path(
        pattern=r"^(user|legal):[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="The signer as tokens name them: `user:<id>` or `legal:<id>`.",
        examples=["user:3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"],
    ),
]


@router.post(
    "/v1/me/signature-keys",
    status_code=201,
    summary="Register a signature key",
    response_model=SignatureKeyRegistered,
    responses=problem_responses(
        401,
        NotYourAccount,
        MobileNotConfirmed,
        SignatureKeyExists,
        SignatureKeyLimit,
        InvalidJwk,
        SmsRateLimited,
        SmsUnavailable,
    ),
)
async def register_key(
    data: SignatureKeyCreate, user: CurrentUser, ctx: ContextDep, request: Request, response: Response
) -> SignatureKeyRegistered:
    """Registers the public half of a key pair the user generated (the seed's
    signature "token"): an EC P-256 key (ES256) or an OKP Ed25519 key (EdDSA),
    as a JWK without private members. Its `kid` is the key's RFC 7638
    thumbprint. The key is `pending`: a code goes by SMS to the account's own
    mobile; confirm it at `POST /v1/me/signature-keys/{kid}/confirm`.

    Registering a still-pending key again sends a new code. An active or
    revoked key, or one another account registered, is refused (409); so is a
    key beyond 10 pending or active ones. Codes are rate-limited per number
    and per caller (429 with `Retry-After`). Needs the user's own token (no
    acting-for or machine token).
    """
    key, code = await signature_keys.register_key(ctx, user, data)
    response.headers["Location"] = public_location(request, f"/v1/me/signature-keys/{key.kid}")
    return SignatureKeyRegistered(kid=key.kid, name=key.name, alg=key.alg, code_expires_at=code.expires_at)  # type: ignore[arg-type]


@router.post(
    "/v1/me/signature-keys/{kid}/confirm",
    summary="Confirm a signature key with the SMS code",
    response_model=SignatureKeyOut,
    responses={
        **problem_responses(
            401,
            NotYourAccount,
            CodeNotFound,
            SignatureKeyNotFound,
            CodeSpent,
            SignatureKeyNotPending,
            CodeExpired,
            CodeWrong,
            CodeAttemptsExhausted,
            described={410: "The code has expired"},
        ),
    },
)
async def confirm_key(
    kid: Kid, data: SignatureKeyConfirm, user: CurrentUser, ctx: ContextDep
) -> SignatureKeyOut:
    """Activates the pending key: from now on it verifies the user's signatures.
    A wrong code counts against the code's 5 tries; an expired or exhausted
    code needs registering the key again for a new one."""
    return views.key_out(await signature_keys.confirm_key(ctx, user, kid, data.code))


@router.get(
    "/v1/me/signature-keys",
    summary="My signature keys",
    response_model=SignatureKeyPage,
    responses=problem_responses(401, 422, InvalidCursor, NotYourAccount),
)
async def list_keys(
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    params: Annotated[PageParams, Depends(page_params)],
) -> SignatureKeyPage:
    """Every key of the user, pending, active or revoked, oldest first."""
    rows, next_url = page_of(
        await repository.keys_page(session, user.id, params),
        params=params,
        request=request,
        key_of=creation_key,
    )
    return SignatureKeyPage(items=[views.key_out(k) for k in rows], next=next_url)


@router.get(
    "/v1/me/signature-keys/{kid}",
    summary="One of my signature keys",
    response_model=SignatureKeyOut,
    responses=problem_responses(401, 422, NotYourAccount, SignatureKeyNotFound),
)
async def get_key(kid: Kid, user: CurrentUser, session: SessionDep) -> SignatureKeyOut:
    return views.key_out(await signature_keys.key_or_404(session, user, kid))


@router.delete(
    "/v1/me/signature-keys/{kid}",
    summary="Revoke a signature key",
    response_model=SignatureKeyOut,
    responses=problem_responses(401, 422, NotYourAccount, SignatureKeyNotFound),
)
async def revoke_key(kid: Kid, user: CurrentUser, session: SessionDep) -> SignatureKeyOut:
    """Revokes the key at once: every service refuses its signatures from now on
    (they fetch the keys on each check). A revoked key cannot be registered
    again. Another user's key is not found (404)."""
    return views.key_out(await signature_keys.revoke_key(session, user, kid))


@router.get(
    "/v1/parties/{subject}/signature-keys",
    summary="A signer's active public keys (JWKS)",
    response_model=SignatureJwkSet,
    response_model_exclude_none=True,
    responses=problem_responses(422),
    description=(
        "The active signature keys of a user (`user:<id>`) or legal person (`legal:<id>`), as a "
        "JSON Web Key Set: what services verify `Panjereh-Signature` against. Public keys, so no "
        "token is needed. An unknown or inactive party has an empty set (whether a party exists "
        "is not disclosed). Not cacheable: a revoked key disappears at once.\n\n" + SIGNATURE_DOC
    ),
)
async def published_keys(subject: Subject, session: SessionDep, response: Response) -> SignatureJwkSet:
    response.headers["Cache-Control"] = "no-store"
    return await signature_keys.published_jwks(session, subject)
