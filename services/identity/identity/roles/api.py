"""Roles: merchant (with a commercial card), trader and officer (with an office),
assigned by an admin client; base roles come with registration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from identity_client.roles import AssignableRole, PartyLookup, PartySummary, RoleCreate, RoleList, RoleOut

from identity.accounts.exceptions import LegalPersonNotVerified
from identity.dependencies import AdminDep, CurrentUser
from identity.exceptions import NotYourAccount
from identity.roles import service as roles_service
from identity.roles import views
from identity.roles.exceptions import (
    CommercialCardAlreadyExpired,
    CommercialCardDatesInvalid,
    PartyNotFound,
    RoleAlreadyAssigned,
    RoleNotAssigned,
    RoleNotForPartyKind,
)
from identity.roles.repository import live_roles, parties_by_identifier
from identity.subjects import subject_of
from kit.clock import today_tehran
from kit.db import SessionDep
from kit.errors import Forbidden, problem_responses
from kit.idempotency import IdempotentRoute
from kit.urls import public_location
from panjereh_contract.identifiers import LegalNationalId, NationalCode

router = APIRouter(tags=["roles"], route_class=IdempotentRoute)


@router.post(
    "/v1/parties/{party_id}/roles",
    status_code=201,
    summary="Assign a merchant, trader or officer role (admin)",
    response_model=RoleOut,
    responses=problem_responses(
        401,
        Forbidden,
        PartyNotFound,
        LegalPersonNotVerified,
        RoleAlreadyAssigned,
        CommercialCardAlreadyExpired,
        CommercialCardDatesInvalid,
        RoleNotForPartyKind,
    ),
)
async def assign_role(
    party_id: uuid.UUID,
    data: Annotated[RoleCreate, Body()],
    session: SessionDep,
    admin: AdminDep,
    request: Request,
    response: Response,
) -> RoleOut:
    """Gives the party a role; needs a machine client with the `admin` scope.

    - `merchant` (بازرگان): with the `commercial_card` (number, issue and expiry
      dates). The card must expire after it was issued and not be expired
      already (Asia/Tehran). Merchant acts are refused once it expires, and the
      role leaves the user's token.
    - `trader` (تاجر): domestic trade.
    - `officer`: a natural person of a customs office (5-digit customs code) or
      an issuing authority, named in `office`.

    One live assignment per party and role (409); revoke it first to replace
    it, e.g. with a renewed card. A legal person not verified against the
    companies registry gets no role (409 `legal-person-not-verified`). Base roles come with registration and are
    not assigned here. The party sees the role in tokens issued from now on.
    """
    party = await roles_service.party_or_404(session, party_id)
    assignment = await roles_service.assign_role(session, party, data, actor=admin.rate_limit_key)
    response.headers["Location"] = public_location(request, f"/v1/parties/{party_id}/roles")
    return views.role_out(assignment, party, today_tehran())


@router.get(
    "/v1/parties/{party_id}/roles",
    summary="A party's live roles (admin)",
    response_model=RoleList,
    responses=problem_responses(401, 422, Forbidden, PartyNotFound),
)
async def party_roles(party_id: uuid.UUID, session: SessionDep, _: AdminDep) -> RoleList:
    """Every unrevoked role of the party, base roles included."""
    party = await roles_service.party_or_404(session, party_id)
    today = today_tehran()
    return RoleList(items=[views.role_out(a, party, today) for a in await live_roles(session, party.id)])


@router.delete(
    "/v1/parties/{party_id}/roles/{role}",
    summary="Revoke a merchant, trader or officer role (admin)",
    response_model=RoleOut,
    responses=problem_responses(401, 422, Forbidden, PartyNotFound, RoleNotAssigned),
)
async def revoke_role(
    party_id: uuid.UUID, role: AssignableRole, session: SessionDep, admin: AdminDep
) -> RoleOut:
    """Ends the party's live assignment of the role (404 when there is none).
    Tokens already issued keep the role until they expire (10 minutes)."""
    party = await roles_service.party_or_404(session, party_id)
    assignment = await roles_service.revoke_role(session, party, role, actor=admin.rate_limit_key)
    return views.role_out(assignment, party, today_tehran())


@router.get(
    "/v1/parties",
    summary="Find a party by national code or national ID (admin)",
    response_model=PartyLookup,
    responses=problem_responses(401, 422, Forbidden),
)
async def find_party(
    session: SessionDep,
    _: AdminDep,
    national_code: Annotated[
        NationalCode | None, Query(description="A natural person's national code.")
    ] = None,
    national_id: Annotated[LegalNationalId | None, Query(description="A legal person's national ID.")] = None,
) -> PartyLookup:
    """The party with this national code (a natural person) or national ID (a
    legal person): its ID, token subject, kind and status, nothing more. A
    legal person is found only once verified against the companies registry. With
    both, the parties matching either; with neither, no item (this lookup never
    lists everyone). Admin only: national codes are personal data."""
    parties = await parties_by_identifier(session, national_code=national_code, national_id=national_id)
    return PartyLookup(
        items=[PartySummary(id=p.id, subject=subject_of(p), kind=p.kind, status=p.status) for p in parties]  # type: ignore[arg-type]
    )


@router.get(
    "/v1/me/roles",
    summary="My roles",
    response_model=RoleList,
    responses=problem_responses(401, NotYourAccount),
)
async def my_roles(user: CurrentUser, session: SessionDep) -> RoleList:
    """The logged-in user's live roles, with the commercial card (and whether it
    is valid today) for a merchant and the office for an officer. An expired
    card keeps the assignment but not the merchant role in the token."""
    today = today_tehran()
    return RoleList(items=[views.role_out(a, user, today) for a in await live_roles(session, user.id)])
