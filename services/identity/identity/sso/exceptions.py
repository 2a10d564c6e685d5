"""Failures of login through My Government."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError


class SsoNotConfigured(NotFound):
    """This deployment offers no login through My Government (no provider set up)."""

    code = "sso-not-configured"
    title = "Login with My Government is not configured"
    title_fa = "ورود با دولت من پیکربندی نشده است"


class SsoRedirectUriNotAllowed(ProblemError):
    status = 422
    code = "sso-redirect-uri-not-allowed"
    title = "This redirect URI is not registered"
    title_fa = "این نشانی بازگشت ثبت نشده است"


class SsoStateUnknown(NotFound):
    code = "sso-state-unknown"
    title = "Unknown SSO state; start the login again"
    title_fa = "وضعیت ورود نامعتبر است؛ دوباره آغاز کنید"


class SsoStateUsed(ProblemError):
    status = 409
    code = "sso-state-used"
    title = "This SSO login was already used; start again"
    title_fa = "این ورود قبلا استفاده شده است"


class SsoStateExpired(ProblemError):
    status = 410
    code = "sso-state-expired"
    title = "The SSO login has expired; start again"
    title_fa = "مهلت ورود تمام شده است"


class SsoDenied(ProblemError):
    status = 400
    code = "sso-denied"
    title = "My Government did not log the user in"
    title_fa = "ورود در دولت من انجام نشد"


class SsoCodeRefused(ProblemError):
    status = 400
    code = "sso-code-refused"
    title = "My Government refused the authorization code"
    title_fa = "دولت من کد ورود را نپذیرفت"


class SsoIdTokenInvalid(ProblemError):
    status = 401
    code = "sso-id-token-invalid"
    title = "The identity token from My Government is not valid"
    title_fa = "توکن هویت دولت من معتبر نیست"


class SsoProviderUnavailable(ProblemError):
    status = 502
    code = "sso-provider-unavailable"
    title = "My Government cannot be reached or answered wrongly"
    title_fa = "دسترسی به دولت من ممکن نیست"


class SsoMobileNotOwned(ProblemError):
    status = 403
    code = "sso-mobile-not-owned"
    title = "The mobile number is not registered to this national code"
    title_fa = "شماره همراه به نام این کد ملی نیست"


class SsoAccountNotFound(NotFound):
    code = "sso-account-not-found"
    title = "No Panjereh account for this national code; register first"
    title_fa = "حسابی با این کد ملی در پنجره وجود ندارد؛ ابتدا ثبت‌نام کنید"
