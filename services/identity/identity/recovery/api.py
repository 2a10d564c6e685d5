"""Password recovery: by an SMS code to the registered mobile, or through My Government."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from identity_client.login import SsoStart
from identity_client.recovery import Recovery, RecoveryCreate, RecoveryReset

from identity.adapters.exceptions import SmsUnavailable
from identity.context import ContextDep
from identity.exceptions import (
    CodeAttemptsExhausted,
    CodeExpired,
    CodeNotFound,
    CodeSpent,
    CodeWrong,
    PasswordRejected,
)
from identity.recovery import service as recovery
from identity.recovery.exceptions import (
    RecoveryAttemptsExhausted,
    RecoveryExpired,
    RecoveryNotFound,
    RecoveryRateLimited,
    RecoverySpent,
)
from identity.sso.exceptions import SsoNotConfigured, SsoRedirectUriNotAllowed
from identity.sso.params import CALLBACK_RESPONSES, SsoCode, SsoError, SsoRedirectUri, SsoState
from kit.errors import problem_responses
from kit.idempotency import IdempotentRoute
from kit.responses import no_store

router = APIRouter(tags=["password recovery"], route_class=IdempotentRoute)


@router.post(
    "/v1/password-recovery",
    summary="Forgot the password: start a recovery by SMS",
    status_code=202,
    response_model=Recovery,
    response_model_exclude_none=True,
    responses=problem_responses(422, RecoveryRateLimited, SmsUnavailable),
)
async def start_recovery(data: RecoveryCreate, response: Response, ctx: ContextDep) -> Recovery:
    """Answers 202 with a `recovery_id` for every well-formed national code,
    registered or not: whether a code was sent is not told. When the national
    code has an active account and the ownership inquiry (Shahkar) confirms its
    registered mobile still belongs to it, a code goes to that mobile by SMS
    (valid 2 minutes, 5 tries). Then set the new password at
    `POST /v1/password-recovery/{recovery_id}/reset`.

    At most 3 recoveries an hour for one national code and 10 from one
    requester (429 `password-recovery-rate-limited` with `Retry-After`).
    Honours `Idempotency-Key`."""
    no_store(response)
    return await recovery.start_sms(ctx, data.national_code)


@router.post(
    "/v1/password-recovery/{recovery_id}/reset",
    summary="Set a new password with the recovery's code",
    status_code=204,
    response_class=Response,
    responses=problem_responses(
        CodeNotFound,
        RecoveryNotFound,
        CodeSpent,
        RecoverySpent,
        CodeExpired,
        RecoveryExpired,
        CodeWrong,
        PasswordRejected,
        CodeAttemptsExhausted,
        RecoveryAttemptsExhausted,
    ),
)
async def reset_password(recovery_id: uuid.UUID, data: RecoveryReset, ctx: ContextDep) -> Response:
    """`code` is the SMS code (recovery by SMS) or the `reset_code` of My
    Government's callback. A wrong code is 422 `code-wrong` with
    `attempts_left`; after 5 tries, 429. The new password follows the
    registration's policy (422 `password-rejected`, every reason named; the
    code stays usable). On success every refresh token of the account is
    revoked (log in again everywhere), the login back-off is cleared and the
    second factor stays as it was. Each recovery works once."""
    await recovery.reset(ctx, recovery_id, data)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


@router.get(
    "/v1/password-recovery/my-government/start",
    summary="Forgot the password: prove who you are at My Government (دولت من)",
    response_model=SsoStart,
    responses=problem_responses(SsoNotConfigured, SsoRedirectUriNotAllowed),
)
async def start_sso_recovery(
    response: Response,
    ctx: ContextDep,
    redirect_uri: SsoRedirectUri = None,
) -> SsoStart:
    """Like `GET /v1/sso/my-government/start`, for a password recovery: the
    URL to send the user's browser to (valid 10 minutes, once)."""
    no_store(response)
    return await recovery.start_sso(ctx, redirect_uri)


@router.get(
    "/v1/password-recovery/my-government/callback",
    summary="Back from My Government: a recovery with its reset code",
    response_model=Recovery,
    responses=CALLBACK_RESPONSES,
)
async def sso_recovery_callback(
    response: Response,
    ctx: ContextDep,
    state: SsoState,
    code: SsoCode = None,
    error: SsoError = None,
) -> Recovery:
    """Verifies the person as `GET /v1/sso/my-government/callback` does (token,
    identity token, ownership inquiry; 403 when the mobile is not theirs, 404
    without an active account). Answers a recovery (10 minutes) with a
    one-time `reset_code`: give it with the new password to
    `POST /v1/password-recovery/{recovery_id}/reset`. Each `state` works once."""
    no_store(response)
    return await recovery.complete_sso(ctx, state=state, code=code, error=error)
