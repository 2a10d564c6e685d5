"""Sandbox-only endpoints (mounted only with ``PANJEREH_SANDBOX=1``): the SMS outbox,
and what the sandbox mobile-ownership inquiry and companies registry answer.

They let tests, the demo and client developers complete flows that need an SMS
code, and make an ownership mismatch on purpose. Without the sandbox they do not
exist (404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from identity_client.accounts import (
    SandboxCompany,
    SandboxCompanySet,
    SandboxMobileOwner,
    SandboxMobileOwnerSet,
    SandboxSms,
    SandboxSmsList,
)

from identity import accounts_repository as repository
from identity import models
from kit.db import SessionDep
from kit.errors import PROBLEM_RESPONSES
from panjereh_contract.identifiers import IranianMobile, LegalNationalId

router = APIRouter(tags=["sandbox"])

MobileQuery = Annotated[IranianMobile, Query(description="The number (any accepted form: 09…, +989…).")]
MobilePath = Annotated[IranianMobile, Path(description="The number (any accepted form: 09…, +989…).")]
NationalIdPath = Annotated[LegalNationalId, Path(description="The legal person's 11-digit national ID.")]


@router.get(
    "/v1/sandbox/sms",
    summary="SMS sent to a number (sandbox)",
    response_model=SandboxSmsList,
    responses={422: PROBLEM_RESPONSES[422]},
)
async def sms_sent(
    mobile: MobileQuery,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100, description="How many, newest first.")] = 20,
) -> SandboxSmsList:
    """The messages sent to `mobile`, newest first: the codes of registration,
    login, change of mobile and key registration are in their bodies."""
    rows = await repository.sms_sent_to(session, mobile, limit)
    return SandboxSmsList(
        items=[
            SandboxSms(id=m.id, mobile=m.mobile, body=m.body, purpose=m.purpose, created_at=m.created_at)
            for m in rows
        ]
    )


@router.put(
    "/v1/sandbox/mobile-owners/{mobile}",
    summary="Set who owns a number (sandbox ownership inquiry)",
    response_model=SandboxMobileOwner,
    responses={422: PROBLEM_RESPONSES[422]},
)
async def set_mobile_owner(
    mobile: MobilePath, data: SandboxMobileOwnerSet, session: SessionDep
) -> SandboxMobileOwner:
    """From now on the sandbox inquiry says `mobile` belongs to `national_code`
    only. A number without an owner set belongs to whoever asks."""
    await repository.set_sandbox_owner(session, mobile, data.national_code)
    return SandboxMobileOwner(mobile=mobile, national_code=data.national_code)


@router.delete(
    "/v1/sandbox/mobile-owners/{mobile}",
    status_code=204,
    summary="Forget who owns a number (sandbox ownership inquiry)",
    response_class=Response,
    responses={422: PROBLEM_RESPONSES[422]},
)
async def clear_mobile_owner(mobile: MobilePath, session: SessionDep) -> Response:
    """The number belongs to whoever asks again."""
    await repository.clear_sandbox_owner(session, mobile)
    return Response(status_code=204)


@router.put(
    "/v1/sandbox/companies/{national_id}",
    summary="Set what the registry says of a legal person (sandbox companies registry)",
    response_model=SandboxCompany,
    responses={422: PROBLEM_RESPONSES[422]},
)
async def set_company(
    national_id: NationalIdPath, data: SandboxCompanySet, session: SessionDep
) -> SandboxCompany:
    """From now on the sandbox companies registry knows `national_id` with this
    name, registration number, status and managers' national codes. Only those
    managers can register it (`POST /v1/legal-persons`) or be added as managers.
    A national ID not set here is not in the registry."""
    await repository.set_sandbox_company(
        session,
        models.SandboxCompany(
            national_id=national_id,
            name=data.name,
            registration_number=data.registration_number,
            status=data.status,
            manager_national_codes=sorted(set(data.managers)),
        ),
    )
    return SandboxCompany(national_id=national_id, **data.model_dump())


@router.delete(
    "/v1/sandbox/companies/{national_id}",
    status_code=204,
    summary="Forget a legal person (sandbox companies registry)",
    response_class=Response,
    responses={422: PROBLEM_RESPONSES[422]},
)
async def clear_company(national_id: NationalIdPath, session: SessionDep) -> Response:
    """The national ID is not in the sandbox registry any more."""
    await repository.clear_sandbox_company(session, national_id)
    return Response(status_code=204)
