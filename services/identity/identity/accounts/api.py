"""Accounts: registration, legal persons and their managers, the profile, change of mobile."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from identity_client.accounts import (
    LegalPerson,
    LegalPersonCreate,
    LegalPersonPage,
    Manager,
    ManagerAdd,
    Me,
    MobileChange,
    MobileChangeCreate,
    Registration,
    RegistrationCreate,
    SmsCodeConfirm,
)

from identity.accounts import repository, views
from identity.accounts import service as accounts
from identity.accounts.exceptions import (
    AlreadyManager,
    LegalPersonNotActiveInRegistry,
    LegalPersonNotFound,
    LegalPersonNotInRegistry,
    LegalPersonNotVerified,
    ManagerNotRegistered,
    MobileChangeNotFound,
    MobileNotOwned,
    MobileUnchanged,
    NationalCodeRegistered,
    NotARegistryManager,
    RegistrationNotFound,
    RegistrationSuperseded,
)
from identity.adapters.exceptions import (
    CompanyRegistryUnavailable,
    OwnershipInquiryUnavailable,
    SmsUnavailable,
)
from identity.context import ContextDep
from identity.dependencies import CurrentUser
from identity.exceptions import (
    CodeAttemptsExhausted,
    CodeExpired,
    CodeNotFound,
    CodeSpent,
    CodeWrong,
    NotYourAccount,
    PasswordRejected,
    SmsRateLimited,
)
from identity.pages import creation_key
from kit.db import SessionDep
from kit.errors import InvalidCursor, Refusal, problem_responses
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_of, page_params
from kit.urls import public_location

router = APIRouter(tags=["accounts"], route_class=IdempotentRoute)


_DESCRIBED = {
    410: "The code has expired",
    503: "The SMS provider or the mobile-ownership inquiry cannot be reached",
}
_REGISTRY_DESCRIBED = {**_DESCRIBED, 503: "The companies registry cannot be asked now"}


def _responses(
    *refusals: Refusal, described: Mapping[int, str] = _DESCRIBED
) -> dict[int | str, dict[str, Any]]:
    return problem_responses(*refusals, described=described)


@router.post(
    "/v1/registrations",
    status_code=201,
    summary="Register a natural person",
    response_model=Registration,
    responses=_responses(
        NationalCodeRegistered,
        MobileNotOwned,
        PasswordRejected,
        SmsRateLimited,
        SmsUnavailable,
        OwnershipInquiryUnavailable,
    ),
)
async def register(data: RegistrationCreate, ctx: ContextDep) -> Registration:
    """Starts the registration of an Iranian natural person (seed 001) and sends a
    code by SMS to the mobile; confirm it at `POST /v1/registrations/{id}/confirm`.

    - `national_code`: 10 digits with a valid check digit.
    - `mobile`: an Iranian mobile (`09…`, `+989…`; Persian or Arabic digits are
      fine). The mobile-ownership inquiry (Shahkar) must say it is registered to
      the national code, else 422 `mobile-not-owned` naming `#/body/mobile`.
    - `postal_code`: an Iranian 10-digit postal code.
    - `password`: see its schema; each broken rule is named under `#/body/password`
      (422 `password-rejected`).

    A national code that already has an account is 409. Each call is a
    registration of its own, with its own ID, details and code: another one
    pending for the same national code is left as it is (neither replaced nor
    revealed), each is confirmed only with its own code, and once one is
    confirmed the others end. Codes are 4 digits, valid 2 minutes, 5 tries. Sending is limited per
    number (one a minute, five an hour) and per caller (429 with `Retry-After`).
    In the sandbox, read the code at `GET /v1/sandbox/sms?mobile=…`.
    """
    return await accounts.register(ctx, data)


@router.post(
    "/v1/registrations/{registration_id}/code",
    summary="Send a new registration code",
    response_model=Registration,
    responses=_responses(422, RegistrationNotFound, SmsRateLimited, SmsUnavailable),
)
async def resend_registration_code(registration_id: uuid.UUID, ctx: ContextDep) -> Registration:
    """Sends a new code to the pending registration's mobile (within the sending
    limits); only this registration's newest code confirms it."""
    return await accounts.resend_registration_code(ctx, registration_id)


@router.post(
    "/v1/registrations/{registration_id}/confirm",
    summary="Confirm a registration with the SMS code",
    response_model=Registration,
    responses=_responses(
        CodeNotFound,
        RegistrationNotFound,
        CodeSpent,
        RegistrationSuperseded,
        CodeExpired,
        CodeWrong,
        CodeAttemptsExhausted,
    ),
)
async def confirm_registration(
    registration_id: uuid.UUID, data: SmsCodeConfirm, ctx: ContextDep
) -> Registration:
    """With the newest code sent for this registration, the person becomes active
    with this registration's details and password and the base natural role (پایه
    حقیقی), and can log in; other registrations pending for the national code end
    (404 from then on). A wrong code is 422 and counts as a try even though
    nothing else changes; after 5 tries, or after 2 minutes, ask for a new code.
    If the national code got an account meanwhile, 409 `registration-superseded`."""
    return await accounts.confirm_registration(ctx, registration_id, data.code)


@router.get(
    "/v1/me",
    summary="My profile",
    response_model=Me,
    responses=_responses(401, NotYourAccount),
)
async def get_me(user: CurrentUser, session: SessionDep) -> Me:
    """The logged-in person's profile, live roles and second-factor method. Needs
    the user's own token (not a machine or acting-for token)."""
    return await accounts.me(session, user)


@router.post(
    "/v1/me/mobile-change",
    status_code=202,
    summary="Start changing my mobile number",
    response_model=MobileChange,
    responses=_responses(
        401,
        NotYourAccount,
        MobileNotOwned,
        MobileUnchanged,
        SmsRateLimited,
        SmsUnavailable,
        OwnershipInquiryUnavailable,
    ),
)
async def start_mobile_change(data: MobileChangeCreate, user: CurrentUser, ctx: ContextDep) -> MobileChange:
    """The new number must be registered to your national code (mobile-ownership
    inquiry), else 422 `mobile-not-owned` naming `#/body/mobile`. A code is sent
    to the NEW number; confirm it at `POST /v1/me/mobile-change/{id}/confirm`."""
    return await accounts.start_mobile_change(ctx, user, data.mobile)


@router.post(
    "/v1/me/mobile-change/{change_id}/confirm",
    summary="Confirm my new mobile number with the SMS code",
    response_model=Me,
    responses=_responses(
        401,
        NotYourAccount,
        CodeNotFound,
        MobileChangeNotFound,
        CodeSpent,
        CodeExpired,
        CodeWrong,
        CodeAttemptsExhausted,
    ),
)
async def confirm_mobile_change(
    change_id: uuid.UUID, data: SmsCodeConfirm, user: CurrentUser, ctx: ContextDep
) -> Me:
    """The code sent to the new number makes it the account's mobile; the old
    number receives a notice. Only the user who started the change can confirm it."""
    return await accounts.confirm_mobile_change(ctx, user, change_id, data.code)


@router.post(
    "/v1/legal-persons",
    status_code=201,
    summary="Register a legal person that I manage",
    response_model=LegalPerson,
    responses={
        **_responses(
            401,
            NotYourAccount,
            LegalPersonNotActiveInRegistry,
            LegalPersonNotInRegistry,
            NotARegistryManager,
            CompanyRegistryUnavailable,
            described=_REGISTRY_DESCRIBED,
        ),
        200: {"model": LegalPerson, "description": "It existed: verified again, and you manage it"},
    },
)
async def create_legal_person(
    data: LegalPersonCreate, user: CurrentUser, request: Request, response: Response, ctx: ContextDep
) -> LegalPerson:
    """Registers a company or other legal person by its 11-digit national ID (with
    its check digit), verified against the companies registry:

    - the registry must know the national ID (else 422 `legal-person-not-in-registry`)
      and say it is active (else 422 `legal-person-not-active-in-registry`);
    - it must name you among its managers, by your national code (else 422
      `not-a-registry-manager`; nothing is stored, so nobody can hold a national
      ID its real managers need).

    The name and registration number are the registry's (a `name` sent is
    ignored). A new legal person is active with the base legal role (پایه حقوقی)
    and you as its manager (201). One already registered is verified again and
    you become (or stay) one of its managers (200): a pending one becomes active,
    and managers the registry does not name are removed. 503 when the registry
    cannot be asked."""
    legal, created = await accounts.create_legal_person(ctx, user, data)
    response.headers["Location"] = public_location(request, f"/v1/legal-persons/{legal.id}")
    if not created:
        response.status_code = 200
    return legal


@router.get(
    "/v1/legal-persons",
    summary="The legal persons I manage",
    response_model=LegalPersonPage,
    responses=_responses(401, 422, InvalidCursor, NotYourAccount),
)
async def list_legal_persons(
    user: CurrentUser,
    request: Request,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> LegalPersonPage:
    """Oldest first, paginated."""
    rows, next_url = page_of(
        await repository.list_managed_legal_persons(session, user.id, params),
        params=params,
        request=request,
        key_of=creation_key,
    )
    return LegalPersonPage(items=[views.legal_summary(p) for p in rows], next=next_url)


@router.get(
    "/v1/legal-persons/{legal_id}",
    summary="A legal person I manage",
    response_model=LegalPerson,
    responses=_responses(401, 422, NotYourAccount, LegalPersonNotFound),
)
async def get_legal_person(legal_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> LegalPerson:
    """With its managers and live roles. Anyone but a manager gets 404."""
    return await views.legal_person_out(session, await accounts.managed_or_404(session, user, legal_id))


@router.post(
    "/v1/legal-persons/{legal_id}/managers",
    status_code=201,
    summary="Add a manager to a legal person I manage",
    response_model=Manager,
    responses={
        **_responses(
            401,
            NotYourAccount,
            LegalPersonNotFound,
            AlreadyManager,
            LegalPersonNotVerified,
            LegalPersonNotActiveInRegistry,
            LegalPersonNotInRegistry,
            ManagerNotRegistered,
            NotARegistryManager,
            CompanyRegistryUnavailable,
            described=_REGISTRY_DESCRIBED,
        ),
    },
)
async def add_manager(legal_id: uuid.UUID, data: ManagerAdd, user: CurrentUser, ctx: ContextDep) -> Manager:
    """The person must have an active account (else 422 naming
    `#/body/national_code`) and be named among the managers by the companies
    registry (else 422 `not-a-registry-manager`); one already a manager is 409.
    The legal person must be verified (else 409 `legal-person-not-verified`).
    Only a manager may add one; anyone else gets 404."""
    return await accounts.add_manager(ctx, user, legal_id, data.national_code)
