"""Representation endpoints: grant, list, read, accept, reject, revoke, history.

Every endpoint needs the user's own token (``CurrentUser``): an acting-for
token never manages grants. A user acts for themselves or, as its manager, for
a legal person; a grant is visible only to its two sides (anyone else: 404).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from identity_client.representations import (
    MAX_ACTIVE_GRANTORS,
    ActiveGrant,
    ActiveGrantList,
    DecisionReason,
    GrantorRole,
    PartyRelation,
    RepresentationCreate,
    RepresentationHistory,
    RepresentationOut,
    RepresentationPage,
    RepresentationSide,
    RepresentationStatus,
)

from identity.dependencies import CurrentUser
from identity.exceptions import NotYourAccount
from identity.pages import creation_key
from identity.representations import repository as representation_repository
from identity.representations import service as representation
from identity.representations import views
from identity.representations.exceptions import (
    GrantorNotVerified,
    GrantorRoleNotHeld,
    MerchantCardExpired,
    NotALegalManager,
    NotTheGrantor,
    NotTheRepresentative,
    RepresentationEndsBeforeStart,
    RepresentationNotFound,
    RepresentationNotPending,
    RepresentationNotRevocable,
    RepresentationOutlivesCard,
    RepresentationScopesNotAllowed,
    RepresentationStartsInThePast,
    RepresentationTooLong,
    RepresentativeNotRegistered,
    SelfRepresentation,
)
from identity.subjects import party_id_of, subject_of
from kit.auth import Principal, require_scope
from kit.clock import today_tehran
from kit.db import SessionDep
from kit.errors import Forbidden, InvalidCursor, problem_responses
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_of, page_params
from kit.signatures import SIGNATURE_HEADER, act_of, with_signature
from kit.urls import public_location

router = APIRouter(tags=["representation"], route_class=IdempotentRoute)
GRANTS_SCOPE = "grants:read"
GrantsReaderDep = Annotated[Principal, require_scope(GRANTS_SCOPE)]


@router.post(
    "/v1/representations",
    status_code=201,
    summary="Grant representation (signed)",
    response_model=RepresentationOut,
    **with_signature(
        {
            "responses": problem_responses(
                401,
                NotYourAccount,
                GrantorNotVerified,
                GrantorRoleNotHeld,
                MerchantCardExpired,
                NotALegalManager,
                RepresentationEndsBeforeStart,
                RepresentationOutlivesCard,
                RepresentationScopesNotAllowed,
                RepresentationStartsInThePast,
                RepresentationTooLong,
                RepresentativeNotRegistered,
                SelfRepresentation,
            )
        }
    ),
)
async def create_representation(
    data: RepresentationCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
) -> RepresentationOut:
    """Propose a grant of representation, signed with one of your active signature keys.

    Sign `POST /identity/v1/representations` with the body you send, a fresh
    `iat` and `jti`, and no `etag` (the grant does not exist yet); see the
    `Panjereh-Signature` header. A signature passes once.

    You grant in one of your roles, for yourself or (`legal_person_id`) for a
    legal person you manage. The representative must accept it (they see it
    in `GET /v1/representations?side=received`); it is active from
    `starts_on` through `ends_on` unless you revoke it.

    Refused (422, naming the field): a role you do not hold or a merchant
    role whose card has expired (`grantor_role`); scopes the role cannot
    grant (`scopes`); a representative who is not a registered, active person
    or is the grantor (`representative`); a start before today, Asia/Tehran
    (`starts_on`); an end before the start, or for a merchant grant on or
    after the card's expiry, or more than 100 years ahead (`ends_on`); a legal person you do not manage
    or not verified against the companies registry (`legal_person_id`). Nothing is stored on refusal.
    """
    body = await request.body()
    signature = request.headers.get(SIGNATURE_HEADER)
    created = await representation.grant(session, user, data, body, signature, act_of(request))
    response.headers["Location"] = public_location(request, f"/v1/representations/{created.id}")
    return (await views.out(session, [created]))[0]


@router.get(
    "/v1/representations",
    summary="List the grants you gave or received",
    response_model=RepresentationPage,
    responses=problem_responses(401, 422, InvalidCursor, NotYourAccount),
)
async def list_representations(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    side: Annotated[RepresentationSide, Query(description="`granted` (you are the grantor) or `received`.")],
    params: Annotated[PageParams, Depends(page_params)],
    status: Annotated[
        RepresentationStatus | None, Query(description="Only grants with this status today.")
    ] = None,
) -> RepresentationPage:
    """Grants of yours and of the legal persons you manage, oldest first, a page at a time."""
    party_ids = await representation.acting_party_ids(session, user)
    rows = await representation_repository.list_for(
        session, party_ids=party_ids, side=side, status=status, today=today_tehran(), params=params
    )
    rows, next_url = page_of(rows, params=params, request=request, key_of=creation_key)
    return RepresentationPage(items=await views.out(session, rows), next=next_url)


@router.get(
    "/v1/me/relations/{subject}",
    summary="How I stand to another party",
    response_model=PartyRelation,
    responses=problem_responses(401, 422, NotYourAccount),
)
async def my_relation(
    subject: Annotated[
        str,
        Path(
            pattern=r"^(user|legal):[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            description="The party as tokens name it: `user:<id>` or `legal:<id>`.",
        ),
    ],
    session: SessionDep,
    user: CurrentUser,
) -> PartyRelation:
    """Whether you are that party, manage it (a legal person) or represent it today (an active
    grant from it to you or to a legal person you manage). Services ask it with the token of the
    person who acts, so that an officer never approves a file of someone they represent or
    manage. It tells only about you: your own token, never an acting-for one (403)."""
    return PartyRelation(subject=subject, relations=await representation.relation(session, user, subject))  # type: ignore[arg-type]


@router.get(
    "/v1/representations/active-grants",
    summary="The grants active today of some grantors (internal: grants:read)",
    response_model=ActiveGrantList,
    responses=problem_responses(401, 422, Forbidden),
)
async def active_grants(
    session: SessionDep,
    _: GrantsReaderDep,
    grantor: Annotated[
        list[str],
        Query(
            min_length=1,
            max_length=MAX_ACTIVE_GRANTORS,
            description="A grantor as tokens name it (`user:<id>`, `legal:<id>`); repeat it, "
            f"at most {MAX_ACTIVE_GRANTORS} times.",
        ),
    ],
) -> ActiveGrantList:
    """Every grant of these grantors active today (Asia/Tehran): accepted, started and not
    ended, not revoked. For the platform's services deciding who may receive what
    (notifications), with a machine client holding `grants:read`; no person's token reads it.
    A name that is no party's is ignored."""
    ids = [party_id for party_id in (party_id_of(subject) for subject in grantor) if party_id is not None]
    rows = await representation_repository.active_of_grantors(session, ids, today_tehran())
    return ActiveGrantList(
        items=[
            ActiveGrant(
                id=grant.id,
                grantor=subject_of(grantor_party),
                representative=subject_of(representative_party),
                role=GrantorRole(grant.grantor_role),
                scopes=list(grant.scopes),
                access_level=grant.access_level,  # type: ignore[arg-type]
                starts_on=grant.starts_on,
                ends_on=grant.ends_on,
            )
            for grant, grantor_party, representative_party in rows
        ]
    )


@router.get(
    "/v1/representations/{representation_id}",
    summary="Read a grant",
    response_model=RepresentationOut,
    responses=problem_responses(401, 422, NotYourAccount, RepresentationNotFound),
)
async def get_representation(
    representation_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> RepresentationOut:
    """A grant you gave or received (as yourself or as a legal person you manage)."""
    grant = await representation.visible(session, user, representation_id)
    return (await views.out(session, [grant]))[0]


@router.get(
    "/v1/representations/{representation_id}/history",
    summary="A grant's history",
    response_model=RepresentationHistory,
    responses=problem_responses(401, 422, NotYourAccount, RepresentationNotFound),
)
async def get_history(
    representation_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> RepresentationHistory:
    """Who granted, accepted, rejected or revoked it, for whom, when, in which request."""
    events = await representation.history(session, user, representation_id)
    return RepresentationHistory.model_validate({"items": events}, from_attributes=True)


@router.post(
    "/v1/representations/{representation_id}/accept",
    summary="Accept a grant (the representative)",
    response_model=RepresentationOut,
    responses=problem_responses(
        401,
        422,
        NotTheGrantor,
        NotTheRepresentative,
        NotYourAccount,
        RepresentationNotFound,
        RepresentationNotPending,
    ),
)
async def accept(representation_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> RepresentationOut:
    """The representative, with their own token (their base role), accepts a pending grant.
    From `starts_on` it is active and `POST /v1/token` exchanges it for acting-for tokens."""
    grant = await representation.answer(session, user, representation_id, accept=True, reason=None)
    return (await views.out(session, [grant]))[0]


@router.post(
    "/v1/representations/{representation_id}/reject",
    summary="Reject a grant (the representative)",
    response_model=RepresentationOut,
    responses=problem_responses(
        401,
        422,
        NotTheGrantor,
        NotTheRepresentative,
        NotYourAccount,
        RepresentationNotFound,
        RepresentationNotPending,
    ),
)
async def reject(
    representation_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    body: DecisionReason | None = None,
) -> RepresentationOut:
    """The representative rejects a pending grant, optionally saying why."""
    reason = body.reason if body else None
    grant = await representation.answer(session, user, representation_id, accept=False, reason=reason)
    return (await views.out(session, [grant]))[0]


@router.post(
    "/v1/representations/{representation_id}/revoke",
    summary="Revoke a grant (the grantor)",
    response_model=RepresentationOut,
    responses=problem_responses(
        401,
        422,
        NotTheGrantor,
        NotTheRepresentative,
        NotYourAccount,
        RepresentationNotFound,
        RepresentationNotRevocable,
    ),
)
async def revoke(
    representation_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    body: DecisionReason | None = None,
) -> RepresentationOut:
    """The grantor revokes a pending, scheduled or active grant. No acting-for token
    is issued for it from now; tokens already issued expire within 10 minutes.
    Services learn of it from the `representation.revoked` event."""
    reason = body.reason if body else None
    grant = await representation.revoke(session, user, representation_id, reason)
    return (await views.out(session, [grant]))[0]
