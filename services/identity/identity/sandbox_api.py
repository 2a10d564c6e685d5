"""Sandbox-only endpoints (mounted only with ``PANJEREH_SANDBOX=1``): the SMS outbox,
and what the sandbox mobile-ownership inquiry answers.

They let tests, the demo and client developers complete flows that need an SMS
code, and make an ownership mismatch on purpose. Without the sandbox they do not
exist (404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from identity_client.accounts import SandboxMobileOwner, SandboxMobileOwnerSet, SandboxSms, SandboxSmsList

from identity import accounts_repository as repository
from kit.db import SessionDep
from kit.errors import PROBLEM_RESPONSES
from kit.identifiers import IranianMobile

router = APIRouter(tags=["sandbox"])

MobileQuery = Annotated[IranianMobile, Query(description="The number (any accepted form: 09…, +989…).")]
MobilePath = Annotated[IranianMobile, Path(description="The number (any accepted form: 09…, +989…).")]


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
