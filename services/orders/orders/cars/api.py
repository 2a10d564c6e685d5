"""Personal cars of Iranians living abroad (seed 001): the Mikhak feed and the case-permit inquiry.

Mikhak (the foreign ministry's consular system) pushes each car-import case, then the embassy's
decision, and may revoke a case. The applicant then asks, in the base-natural role, whether the
case permit has arrived; the car's product ID and the order registration follow.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from orders_client.cars import (
    MIKHAK_CASE_ID_PATTERN,
    CaseInquiryIn,
    CaseInquiryOut,
    MikhakCaseIn,
    MikhakCaseOut,
    RevocationIn,
)
from rules_client import RulesClient

from kit.auth import Principal, PrincipalDep, require_scope
from kit.db import SessionDep
from kit.errors import Forbidden, NotFound, Refusal, problem_responses
from kit.runtime import RuntimeDep
from kit.urls import public_location
from orders.cars import service
from orders.cars.case_permits import CasePermitInquiry, case_permits
from orders.cars.exceptions import (
    ApprovalNotReceived,
    BaseNaturalRequired,
    InvalidMikhakCase,
    MachineClientRequired,
    MikhakCaseConflict,
    MikhakCaseNotFound,
    MikhakCaseRejected,
    MikhakCaseRevoked,
    NotEligible,
    OneCarPerPerson,
    PeerUnavailable,
)
from orders.identity_peer import identity_client, identity_refusals

router = APIRouter(tags=["cars of Iranians abroad"])

MikhakFeedDep = Annotated[Principal, require_scope("mikhak-feed")]
CaseIdPath = Annotated[
    str, Path(min_length=1, max_length=40, pattern=MIKHAK_CASE_ID_PATTERN, description="The Mikhak case ID.")
]
_UNAVAILABLE = "The rules or identity service did not answer; nothing was stored (Retry-After)."


def _responses(*refusals: Refusal) -> dict[int | str, dict]:
    return problem_responses(*refusals, described={503: _UNAVAILABLE})


# ------------------------------------------------------------------ the Mikhak feed


@router.post(
    "/v1/mikhak/cases",
    summary="Receive a car-import case from Mikhak",
    status_code=status.HTTP_201_CREATED,
    response_model=MikhakCaseOut,
    responses={
        200: {
            "description": "A replay of a case already received, or the embassy's decision on it.",
            "model": MikhakCaseOut,
        },
        **_responses(
            401,
            Forbidden,
            MachineClientRequired,
            MikhakCaseConflict,
            MikhakCaseRevoked,
            OneCarPerPerson,
            InvalidMikhakCase,
            PeerUnavailable,
        ),
    },
)
async def receive_case(
    data: MikhakCaseIn,
    principal: MikhakFeedDep,
    session: SessionDep,
    rt: RuntimeDep,
    request: Request,
    response: Response,
) -> MikhakCaseOut:
    """For the Mikhak machine client only (`mikhak-feed` scope). Idempotent by `case_id`:

    - a new case → 201, stored with its eligibility from the rules service
      (`car-import-eligibility`, judged on `submitted_on`, with the brand and model checked
      against the allowed list) and its trace; an ineligible case is stored too, with the reasons;
    - the same case ID with the same content → 200, the stored case, nothing new stored;
    - the embassy's decision on a `submitted` case (only `status` → `approved`/`rejected` and
      `decided_on` change) → 200, the case updated;
    - any other change under the same ID → 409 `mikhak-case-conflict` naming the fields; a
      revoked case → 409 `mikhak-case-revoked`;
    - one car per person: a second eligible case (not rejected) of a national code whose earlier
      eligible case is not revoked or rejected → 409 `one-car-per-person`.

    Fields that do not fit together (a decision without its date, a birth date after the case
    was entered...) → 422 naming them. Every message is recorded in the case's `messages`."""
    service.ensure_mikhak_client(principal)
    rules = RulesClient(rt.settings.url_of("rules"), rt.http)
    row, outcome = await service.receive_case(
        session, rt.sessionmaker, rules, data, principal, include_sandbox=bool(rt.settings.sandbox)
    )
    if outcome != "created":
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = public_location(request, f"/v1/mikhak/cases/{row.case_id}")
    return await service.case_out(session, row)


@router.get(
    "/v1/mikhak/cases/{case_id}",
    summary="A Mikhak case as received, its eligibility and its messages",
    response_model=MikhakCaseOut,
    responses=_responses(401, 422, Forbidden, MachineClientRequired, MikhakCaseNotFound),
)
async def get_case(case_id: CaseIdPath, principal: MikhakFeedDep, session: SessionDep) -> MikhakCaseOut:
    """For the Mikhak machine client (`mikhak-feed` scope)."""
    service.ensure_mikhak_client(principal)
    return await service.case_out(session, await service.get_case(session, case_id))


@router.post(
    "/v1/mikhak/cases/{case_id}/revocation",
    summary="Mikhak revokes a case",
    response_model=MikhakCaseOut,
    responses=_responses(401, 422, Forbidden, MachineClientRequired, MikhakCaseNotFound),
)
async def revoke_case(
    case_id: CaseIdPath, data: RevocationIn, principal: MikhakFeedDep, session: SessionDep, rt: RuntimeDep
) -> MikhakCaseOut:
    """For the Mikhak machine client (`mikhak-feed` scope). Records the reason and the time; the
    case-permit inquiry is refused from then on and the person may have another case. Revoking a
    revoked case changes nothing (200, recorded)."""
    service.ensure_mikhak_client(principal)
    row = await service.revoke(session, rt.sessionmaker, case_id, data, principal)
    return await service.case_out(session, row)


# ------------------------------------------------------------------ the case-permit inquiry


def _inquiry_out(inquiry: CasePermitInquiry) -> CaseInquiryOut:
    return CaseInquiryOut(
        id=inquiry.id,
        mikhak_case_id=inquiry.case_id,
        result="succeeded",
        car={
            "brand": inquiry.brand,
            "model": inquiry.model,
            "vin": inquiry.vin,
            "manufacture_date": inquiry.manufacture_date,
        },
        payment_method="no-currency-transfer",
        registration_open_until=inquiry.registration_open_until,
        created_at=inquiry.created_at,
    )


@router.post(
    "/v1/car-case-permits/inquiries",
    summary="Inquire the case permit of my car (Iranians living abroad)",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseInquiryOut,
    responses=_responses(
        401,
        422,
        BaseNaturalRequired,
        Forbidden,
        MikhakCaseNotFound,
        ApprovalNotReceived,
        MikhakCaseRejected,
        MikhakCaseRevoked,
        NotEligible,
        PeerUnavailable,
    ),
)
async def inquire(
    data: CaseInquiryIn,
    principal: PrincipalDep,
    session: SessionDep,
    rt: RuntimeDep,
    request: Request,
    response: Response,
) -> CaseInquiryOut:
    """The applicant, with their own token in the base-natural role (پایه حقیقی), asks for the
    case permit of the car Mikhak approved. The national code is the caller's own, asked from
    identity: a case of another national code is not found (404). Succeeds (201) only for an
    approved, eligible, unrevoked case; otherwise 409 saying why: `case-approval-not-received`,
    `mikhak-case-rejected`, `mikhak-case-revoked`, `car-import-not-eligible` (with each failed
    condition). Every result is
    recorded. The order that follows is registered "no currency transfer" until
    `registration_open_until` (1404/12/29)."""
    service.ensure_applicant(principal)
    async with identity_refusals("identity does not show this token's profile: use your own token."):
        me = await identity_client(rt).me(request.headers["authorization"])
    inquiry = await service.inquire(session, rt.sessionmaker, data, principal, me.national_code)
    response.headers["Location"] = public_location(request, f"/v1/car-case-permits/inquiries/{inquiry.id}")
    return _inquiry_out(inquiry)


@router.get(
    "/v1/car-case-permits/inquiries/{inquiry_id}",
    summary="One of my successful case-permit inquiries",
    response_model=CaseInquiryOut,
    responses=_responses(401, 422, BaseNaturalRequired, NotFound),
)
async def get_inquiry(inquiry_id: uuid.UUID, principal: PrincipalDep, session: SessionDep) -> CaseInquiryOut:
    """The caller's own successful inquiry, while its case still stands (approved, eligible, not
    revoked); 404 otherwise, and for anyone else's."""
    service.ensure_applicant(principal)
    inquiry = await case_permits.inquiry(session, subject=principal.subject, inquiry_id=inquiry_id)
    if inquiry is None:
        raise NotFound("You have no standing successful case-permit inquiry with this ID.")
    return _inquiry_out(inquiry)
