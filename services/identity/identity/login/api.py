"""Login: password and second factor, "My Government" SSO, logout, and the user's second-factor settings."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Response
from identity_client.login import (
    LoginChallenge,
    LoginRequest,
    LoginVerify,
    PasswordConfirm,
    SecondFactorCodeConfirm,
    SmsCodeSent,
    SsoStart,
    TotpEnrolment,
    TwoFactorDisable,
    TwoFactorStatus,
)
from identity_client.models import TokenResponse

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
from identity.login import service as login
from identity.login import sessions, two_factor
from identity.login.exceptions import (
    AccountNotActive,
    LoginChallengeAttemptsExhausted,
    LoginChallengeExpired,
    LoginChallengeNotFound,
    LoginChallengeSpent,
    LoginFailed,
    PasswordWrong,
    TwoFactorAlreadyOn,
    TwoFactorNothingPending,
    TwoFactorOff,
)
from identity.sso import service as sso
from identity.sso.exceptions import SsoNotConfigured, SsoRedirectUriNotAllowed
from identity.sso.params import CALLBACK_RESPONSES, SsoCode, SsoError, SsoRedirectUri, SsoState
from identity.subjects import subject_of
from kit.auth import PrincipalDep
from kit.db import SessionDep
from kit.errors import problem_responses
from kit.responses import no_store

router = APIRouter(tags=["login"])


@router.post(
    "/v1/login",
    summary="Log in with national code and password",
    response_model=TokenResponse | LoginChallenge,
    response_model_exclude_none=True,
    responses=problem_responses(401, 422, LoginFailed, AccountNotActive, SmsRateLimited, SmsUnavailable),
)
async def post_login(
    data: LoginRequest, response: Response, ctx: ContextDep
) -> TokenResponse | LoginChallenge:
    """Checks the password. Without two-step login, answers the tokens: an
    access token (ES256, 10 minutes, `amr: ["pwd"]`) and a refresh token to
    spend at `POST /v1/token` (`grant_type=refresh_token`). With two-step login
    on, answers a challenge instead (`challenge_id`, `method`, `expires_at`):
    for `sms` a 4-digit code was sent to the account's mobile; for `totp` use
    the authenticator app. Send the code to `POST /v1/login/{challenge_id}/verify`.

    An unknown national code, a wrong password and a refused login get the
    same 401. No account is ever locked: after 5 failures for one national
    code from one address, that address backs off for 1 minute, then 2, 4, 8
    ... (at most 60), answering the same 401 even to the right password; an
    address failing 50 times (any national code) backs off too. The owner
    logging in from elsewhere gets in. When 20 failures come against one
    national code from anywhere, a right password answers an `sms` challenge
    even without two-step login (429 if no SMS may be sent now). A success
    clears its address's count. Forgot the password: `POST
    /v1/password-recovery`. A pending account (mobile not confirmed) or a
    disabled one gets 403 once the password is right.
    """
    no_store(response)
    return await login.login(ctx, data)


@router.post(
    "/v1/login/{challenge_id}/verify",
    summary="Complete a login with the SMS or TOTP code",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses=problem_responses(
        AccountNotActive,
        CodeNotFound,
        LoginChallengeNotFound,
        CodeSpent,
        LoginChallengeSpent,
        CodeExpired,
        LoginChallengeExpired,
        CodeWrong,
        CodeAttemptsExhausted,
        LoginChallengeAttemptsExhausted,
    ),
)
async def verify_login(
    challenge_id: uuid.UUID, data: LoginVerify, response: Response, ctx: ContextDep
) -> TokenResponse:
    """Answers the tokens (`amr: ["pwd", "sms"]` or `["pwd", "otp"]`) when the
    code is right. A challenge lives 2 to 5 minutes (an SMS code 2), takes at
    most 5 tries and completes once. A wrong code counts as a failed login for
    the login back-off. A TOTP code is accepted 30 seconds either side of now, and
    only once."""
    no_store(response)
    return await login.verify(ctx, challenge_id, data.code)


@router.post(
    "/v1/logout",
    summary="Log out: end this login's session",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, NotYourAccount),
)
async def logout(user: CurrentUser, principal: PrincipalDep, session: SessionDep) -> Response:
    """Revokes every refresh token of the login the access token belongs to
    (its `sid`). The access token itself expires within 10 minutes."""
    sid = principal.claims.get("sid")
    try:
        family_id = uuid.UUID(str(sid)) if sid else None
    except ValueError:
        family_id = None
    if family_id is not None:
        await sessions.revoke_family(
            session, family_id, party_id=user.id, actor=subject_of(user), reason="logout"
        )
    return Response(status_code=204)


@router.post(
    "/v1/token/revoke",
    tags=["tokens"],
    summary="Revoke a refresh token (RFC 7009)",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Revoked, or not a token we know (RFC 7009 §2.2)."}}
    | problem_responses(422),
)
async def revoke_token(
    session: SessionDep,
    token: Annotated[str, Form(min_length=1, max_length=512, description="The refresh token.")],
    token_type_hint: Annotated[
        str | None, Form(max_length=40, description="`refresh_token`; other hints are ignored.")
    ] = None,
) -> Response:
    """Form-encoded. Revokes the refresh token's whole login (its family). An
    unknown or already revoked token also gets 200, as RFC 7009 asks; access
    tokens are not revocable (they expire within 10 minutes)."""
    await sessions.revoke_by_token(session, token, actor="revocation")
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


# --- The user's second factor ----------------------------------------------------------------


@router.get(
    "/v1/me/two-factor",
    summary="Which second factor is on",
    response_model=TwoFactorStatus,
    responses=problem_responses(401, NotYourAccount),
)
async def get_two_factor(user: CurrentUser, session: SessionDep) -> TwoFactorStatus:
    """`none`, `sms` or `totp`."""
    return await two_factor.status(session, user)


@router.post(
    "/v1/me/two-factor/totp",
    summary="Start setting up an authenticator app (TOTP), the stronger choice",
    response_model=TotpEnrolment,
    responses=problem_responses(401, NotYourAccount, TwoFactorAlreadyOn, PasswordWrong),
)
async def start_totp(
    data: PasswordConfirm, user: CurrentUser, response: Response, ctx: ContextDep
) -> TotpEnrolment:
    """Needs the current password (422 `password-wrong` otherwise, counted as a
    failed login): an access token alone cannot change the second factor.
    Answers a new secret and its `otpauth://` URI (show it as a QR code;
    issuer "Panjereh", the national code masked). The secret is stored
    encrypted and stays pending until `POST /v1/me/two-factor/totp/confirm`.
    Calling again replaces a pending secret.

    An authenticator app is safer than SMS: an SMS code can be intercepted, or
    the number taken over by a SIM swap. 409 when a second factor is already
    on: turn it off first."""
    no_store(response)
    return await two_factor.start_totp(ctx, user, data.password)


@router.post(
    "/v1/me/two-factor/totp/confirm",
    summary="Turn TOTP on with a code from the app",
    response_model=TwoFactorStatus,
    responses=problem_responses(401, NotYourAccount, TwoFactorAlreadyOn, TwoFactorNothingPending, CodeWrong),
)
async def confirm_totp(data: SecondFactorCodeConfirm, user: CurrentUser, ctx: ContextDep) -> TwoFactorStatus:
    """From now on every password login asks for a code from the app."""
    return await two_factor.confirm_totp(ctx, user, data.code)


@router.post(
    "/v1/me/two-factor/sms",
    summary="Send a code to your mobile (to turn SMS on, or off)",
    response_model=SmsCodeSent,
    responses=problem_responses(
        401, NotYourAccount, TwoFactorAlreadyOn, PasswordWrong, SmsRateLimited, SmsUnavailable
    ),
)
async def send_sms_code(data: PasswordConfirm, user: CurrentUser, ctx: ContextDep) -> SmsCodeSent:
    """Needs the current password (422 `password-wrong` otherwise, counted as a
    failed login): an access token alone cannot change the second factor.
    Sends a 4-digit code (valid 2 minutes) to the account's mobile. Confirm
    it at `POST /v1/me/two-factor/sms/confirm` to turn SMS on, or give it to
    `DELETE /v1/me/two-factor` to turn SMS off. Prefer an authenticator app
    (`POST /v1/me/two-factor/totp`): SMS can be intercepted."""
    return await two_factor.send_sms_code(ctx, user, data.password)


@router.post(
    "/v1/me/two-factor/sms/confirm",
    summary="Turn SMS on with the code sent",
    response_model=TwoFactorStatus,
    responses=problem_responses(
        401,
        NotYourAccount,
        CodeNotFound,
        CodeSpent,
        TwoFactorAlreadyOn,
        CodeExpired,
        CodeWrong,
        CodeAttemptsExhausted,
    ),
)
async def confirm_sms(data: SecondFactorCodeConfirm, user: CurrentUser, ctx: ContextDep) -> TwoFactorStatus:
    """From now on every password login sends a code to the mobile."""
    return await two_factor.confirm_sms(ctx, user, data.code)


@router.delete(
    "/v1/me/two-factor",
    summary="Turn the second factor off",
    status_code=204,
    response_class=Response,
    responses=problem_responses(
        401,
        NotYourAccount,
        CodeNotFound,
        CodeSpent,
        TwoFactorOff,
        CodeExpired,
        CodeWrong,
        PasswordWrong,
        CodeAttemptsExhausted,
    ),
)
async def disable_two_factor(data: TwoFactorDisable, user: CurrentUser, ctx: ContextDep) -> Response:
    """Needs the password and a code of the current method: from the app
    (TOTP) or from `POST /v1/me/two-factor/sms` (SMS). A wrong password counts
    as a failed login (422 `password-wrong`, also while the login back-off
    refuses this address)."""
    await two_factor.disable(ctx, user, data)
    return Response(status_code=204)


# --- "My Government" SSO ---------------------------------------------------------------------


@router.get(
    "/v1/sso/my-government/start",
    summary="Start a login through My Government (دولت من)",
    response_model=SsoStart,
    responses=problem_responses(SsoNotConfigured, SsoRedirectUriNotAllowed),
)
async def sso_start(
    response: Response,
    ctx: ContextDep,
    redirect_uri: SsoRedirectUri = None,
) -> SsoStart:
    """Answers (200, not a redirect) the URL to send the user's browser to,
    with a fresh `state`, `nonce` and PKCE challenge (S256), valid 10 minutes
    and once. 404 where this deployment has no My Government set up."""
    no_store(response)
    return await sso.start(ctx, redirect_uri)


@router.get(
    "/v1/sso/my-government/callback",
    summary="Finish a login through My Government",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses=CALLBACK_RESPONSES,
)
async def sso_callback(
    response: Response,
    ctx: ContextDep,
    state: SsoState,
    code: SsoCode = None,
    error: SsoError = None,
) -> TokenResponse:
    """Exchanges the code at My Government, verifies its identity token
    (signature, issuer, audience, expiry, nonce), requires the ownership
    inquiry to confirm the mobile belongs to the national code (else 403) and
    an active Panjereh account with that national code (else 404: register
    first). Answers the tokens with `amr: ["sso"]`. Each `state` works once."""
    no_store(response)
    return await sso.complete(ctx, state=state, code=code, error=error)
