"""Identity's failures shared by several domains, one class each: OAuth errors of the token
endpoint, one-time codes, passwords. Each domain keeps its own in its ``exceptions`` module."""

from __future__ import annotations

from typing import Any

from kit.errors import ProblemError, field_error


class OAuthError(ProblemError):
    """An RFC 6749 §5.2 error. The body is problem+json and also carries the
    ``error``/``error_description`` members OAuth client libraries read."""

    oauth_error = "invalid_request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(
            detail,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
            error=self.oauth_error,
            error_description=detail,
            **extra,
        )


class InvalidTokenRequest(OAuthError):
    status = 400
    code = "oauth-invalid-request"
    title = "The token request is not valid"
    oauth_error = "invalid_request"


class UnsupportedGrantType(OAuthError):
    status = 400
    code = "oauth-unsupported-grant-type"
    title = "This grant type is not supported"
    oauth_error = "unsupported_grant_type"


class InvalidClient(OAuthError):
    status = 401
    code = "oauth-invalid-client"
    title = "Client authentication failed"
    title_fa = "احراز هویت کلاینت ناموفق بود"
    oauth_error = "invalid_client"

    def __init__(self, detail: str = "Unknown client or wrong secret.") -> None:
        super().__init__(detail)
        self.headers["WWW-Authenticate"] = 'Basic realm="panjereh"'


class InvalidGrant(OAuthError):
    """The refresh token, subject or actor token is invalid, expired, spent or
    revoked, or no active grant allows what was asked (RFC 6749 §5.2)."""

    status = 400
    code = "oauth-invalid-grant"
    title = "The grant is not valid"
    title_fa = "مجوز دریافت توکن معتبر نیست"
    oauth_error = "invalid_grant"


class InvalidScope(OAuthError):
    status = 400
    code = "oauth-invalid-scope"
    title = "The requested scope is not allowed"
    oauth_error = "invalid_scope"


class NotYourAccount(ProblemError):
    status = 403
    code = "user-token-required"
    title = "This needs a user's own token"
    title_fa = "این کار توکن خود کاربر را لازم دارد"


class CodeNotFound(ProblemError):
    status = 404
    code = "code-not-found"
    title = "No such verification code"
    title_fa = "کد تایید یافت نشد"


class CodeSpent(ProblemError):
    status = 409
    code = "code-spent"
    title = "The verification code was already used"
    title_fa = "کد تایید قبلا استفاده شده است"


class CodeExpired(ProblemError):
    status = 410
    code = "code-expired"
    title = "The verification code has expired"
    title_fa = "کد تایید منقضی شده است"


class CodeAttemptsExhausted(ProblemError):
    status = 429
    code = "code-attempts-exhausted"
    title = "Too many wrong codes"
    title_fa = "تعداد تلاش‌های ناموفق بیش از حد مجاز است"


class CodeWrong(ProblemError):
    status = 422
    code = "code-wrong"
    title = "The verification code is wrong"
    title_fa = "کد تایید نادرست است"


class FieldProblem(ProblemError):
    """A refusal about one field of the request: ``errors`` points at it."""

    def __init__(self, detail: str, *, pointer: str, **extra: Any) -> None:
        super().__init__(detail, errors=[field_error(pointer, detail, self.code)], **extra)


class PasswordRejected(ProblemError):
    """The password breaks the policy; ``errors`` names each reason (``#/body/password``)."""

    status = 422
    code = "password-rejected"
    title = "The password does not meet the policy"
    title_fa = "گذرواژه با سیاست گذرواژه سازگار نیست"


class SmsRateLimited(ProblemError):
    """Too many codes sent to this number or by this requester (paid SMS, OWASP API4)."""

    status = 429
    code = "sms-rate-limited"
    title = "Too many SMS codes; try again later"
    title_fa = "تعداد پیامک‌های ارسالی بیش از حد مجاز است؛ بعدا تلاش کنید"

    def __init__(self, detail: str, *, retry_after: int, limit: str) -> None:
        super().__init__(
            detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after, limit=limit
        )
