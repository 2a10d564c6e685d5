"""Identity's failures, one class each."""

from __future__ import annotations

from typing import Any

from kit.errors import NotFound, ProblemError, field_error


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


class ClientNotFound(NotFound):
    code = "client-not-found"
    title = "Machine client not found"


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


# --- Representation ------------------------------------------------------------------------------


class _RepresentationRefused(ProblemError):
    """A grant refused by one of its rules; ``errors`` names the field."""

    status = 422
    pointer = "#/body"

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail, errors=[field_error(pointer or self.pointer, detail, self.code)])


class GrantorRoleNotHeld(_RepresentationRefused):
    code = "grantor-role-not-held"
    title = "The grantor does not hold this role"
    title_fa = "اعطاکننده این نقش را ندارد"
    pointer = "#/body/grantor_role"


class MerchantCardExpired(_RepresentationRefused):
    code = "merchant-card-expired"
    title = "The grantor's commercial card has expired"
    title_fa = "کارت بازرگانی اعطاکننده منقضی شده است"
    pointer = "#/body/grantor_role"


class RepresentationScopesNotAllowed(_RepresentationRefused):
    code = "representation-scopes-not-allowed"
    title = "These scopes cannot be granted in this role"
    title_fa = "این دامنه‌ها با این نقش قابل اعطا نیستند"
    pointer = "#/body/scopes"


class NotALegalManager(_RepresentationRefused):
    code = "not-a-legal-manager"
    title = "You do not manage this legal person"
    title_fa = "شما مدیر این شخص حقوقی نیستید"
    pointer = "#/body/legal_person_id"


class GrantorNotVerified(_RepresentationRefused):
    code = "grantor-not-verified"
    title = "The legal person is not verified against the companies registry"
    title_fa = "شخص حقوقی هنوز در سامانه ثبت شرکت‌ها تایید نشده است"
    pointer = "#/body/legal_person_id"


class RepresentativeNotRegistered(_RepresentationRefused):
    code = "representative-not-registered"
    title = "The representative is not a registered, active person"
    title_fa = "نماینده در سامانه ثبت‌نام نکرده یا فعال نیست"
    pointer = "#/body/representative"


class SelfRepresentation(_RepresentationRefused):
    code = "self-representation"
    title = "The grantor cannot be their own representative"
    title_fa = "اعطاکننده نمی‌تواند نماینده خود باشد"
    pointer = "#/body/representative"


class RepresentationStartsInThePast(_RepresentationRefused):
    code = "representation-starts-in-the-past"
    title = "The start date is before today"
    title_fa = "تاریخ شروع نمایندگی نمی‌تواند قبل از امروز باشد"
    pointer = "#/body/starts_on"


class RepresentationEndsBeforeStart(_RepresentationRefused):
    code = "representation-ends-before-start"
    title = "The end date is before the start date"
    title_fa = "تاریخ پایان نمایندگی قبل از تاریخ شروع است"
    pointer = "#/body/ends_on"


class RepresentationOutlivesCard(_RepresentationRefused):
    code = "representation-outlives-card"
    title = "A merchant grant must end before the commercial card expires"
    title_fa = "تاریخ پایان نمایندگی باید قبل از انقضای کارت بازرگانی باشد"
    pointer = "#/body/ends_on"


class RepresentationNotFound(NotFound):
    code = "representation-not-found"
    title = "Representation not found"
    title_fa = "نمایندگی یافت نشد"


class NotTheRepresentative(ProblemError):
    status = 403
    code = "not-the-representative"
    title = "Only the representative may do this"
    title_fa = "فقط نماینده می‌تواند این کار را انجام دهد"


class NotTheGrantor(ProblemError):
    status = 403
    code = "not-the-grantor"
    title = "Only the grantor may do this"
    title_fa = "فقط اعطاکننده می‌تواند این کار را انجام دهد"


class RepresentationNotPending(ProblemError):
    status = 409
    code = "representation-not-pending"
    title = "The representation is no longer waiting for an answer"
    title_fa = "پیشنهاد نمایندگی دیگر در انتظار پاسخ نیست"


class RepresentationNotRevocable(ProblemError):
    status = 409
    code = "representation-not-revocable"
    title = "The representation was rejected, revoked or has expired"
    title_fa = "نمایندگی رد، لغو یا منقضی شده است"


# --- Login, second factor, SSO (identity.login, identity.two_factor, identity.sso) ---------------


class LoginFailed(ProblemError):
    """Unknown national code or wrong password: one answer for both."""

    status = 401
    code = "login-failed"
    title = "The national code or the password is wrong"
    title_fa = "کد ملی یا گذرواژه نادرست است"


class AccountNotActive(ProblemError):
    status = 403
    code = "account-not-active"
    title = "The account is not active"
    title_fa = "حساب کاربری فعال نیست"


class LoginChallengeNotFound(NotFound):
    code = "login-challenge-not-found"
    title = "No such login in progress"
    title_fa = "ورود در جریانی با این شناسه یافت نشد"


class LoginChallengeSpent(ProblemError):
    status = 409
    code = "login-challenge-spent"
    title = "This login was already completed"
    title_fa = "این ورود قبلا تکمیل شده است"


class LoginChallengeExpired(ProblemError):
    status = 410
    code = "login-challenge-expired"
    title = "The login has expired; log in again"
    title_fa = "مهلت ورود تمام شده است؛ دوباره وارد شوید"


class LoginChallengeAttemptsExhausted(ProblemError):
    status = 429
    code = "login-challenge-attempts-exhausted"
    title = "Too many wrong codes; log in again"
    title_fa = "تعداد کدهای نادرست بیش از حد مجاز است؛ دوباره وارد شوید"


class TwoFactorAlreadyOn(ProblemError):
    status = 409
    code = "two-factor-already-on"
    title = "A second factor is already on; turn it off first"
    title_fa = "ورود دومرحله‌ای فعال است؛ ابتدا آن را غیرفعال کنید"


class TwoFactorOff(ProblemError):
    status = 409
    code = "two-factor-off"
    title = "No second factor is on"
    title_fa = "ورود دومرحله‌ای فعال نیست"


class TwoFactorNothingPending(ProblemError):
    status = 409
    code = "two-factor-nothing-pending"
    title = "Nothing to confirm: start the set-up first"
    title_fa = "موردی برای تایید وجود ندارد"


class PasswordWrong(ProblemError):
    status = 422
    code = "password-wrong"
    title = "The password is wrong"
    title_fa = "گذرواژه نادرست است"


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


# --- Roles, signature keys, machine clients (identity.roles_service, identity.signature_keys) ---


class _FieldProblem(ProblemError):
    """A refusal about one field of the request: ``errors`` points at it."""

    def __init__(self, detail: str, *, pointer: str, **extra: Any) -> None:
        super().__init__(detail, errors=[field_error(pointer, detail, self.code)], **extra)


class PartyNotFound(NotFound):
    code = "party-not-found"
    title = "No such person"
    title_fa = "شخص یافت نشد"


class RoleAlreadyAssigned(ProblemError):
    status = 409
    code = "role-already-assigned"
    title = "The party already holds this role"
    title_fa = "این نقش قبلا به این شخص داده شده است"


class RoleNotAssigned(NotFound):
    code = "role-not-assigned"
    title = "The party does not hold this role"
    title_fa = "این شخص این نقش را ندارد"


class RoleNotForPartyKind(_FieldProblem):
    status = 422
    code = "role-not-for-party-kind"
    title = "This role cannot be given to this kind of person"
    title_fa = "این نقش به این نوع شخص داده نمی‌شود"


class CommercialCardDatesInvalid(_FieldProblem):
    status = 422
    code = "commercial-card-dates-invalid"
    title = "The commercial card's dates are not valid"
    title_fa = "تاریخ‌های کارت بازرگانی نامعتبر است"


class CommercialCardAlreadyExpired(_FieldProblem):
    status = 422
    code = "commercial-card-expired"
    title = "The commercial card has already expired"
    title_fa = "کارت بازرگانی منقضی شده است"


class SignatureKeyNotFound(NotFound):
    code = "signature-key-not-found"
    title = "No such signature key"
    title_fa = "کلید امضا یافت نشد"


class SignatureKeyExists(_FieldProblem):
    status = 409
    code = "signature-key-exists"
    title = "This key is already registered"
    title_fa = "این کلید قبلا ثبت شده است"


class SignatureKeyLimit(ProblemError):
    status = 409
    code = "signature-key-limit"
    title = "Too many signature keys"
    title_fa = "تعداد کلیدهای امضا بیش از حد مجاز است"


class SignatureKeyNotPending(ProblemError):
    status = 409
    code = "signature-key-not-pending"
    title = "The key is not waiting for confirmation"
    title_fa = "این کلید منتظر تایید نیست"


class MobileNotConfirmed(ProblemError):
    status = 409
    code = "mobile-not-confirmed"
    title = "The account has no confirmed mobile number"
    title_fa = "حساب شماره همراه تاییدشده ندارد"


class ClientDisabled(ProblemError):
    status = 409
    code = "client-disabled"
    title = "The machine client is disabled"
    title_fa = "کلاینت غیرفعال است"


# --- Accounts, passwords, SMS sending limits, adapters (identity.accounts, identity.passwords,
# identity.codes, identity.adapters) -------------------------------------------------------------


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


class MobileNotOwned(ProblemError):
    """The ownership inquiry (Shahkar) says the mobile is not registered to the national code."""

    status = 422
    code = "mobile-not-owned"
    title = "The mobile number is not registered to this national code"
    title_fa = "شماره همراه به نام این کد ملی ثبت نشده است"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[field_error("#/body/mobile", detail, "mobile_not_owned")])


class OwnershipInquiryUnavailable(ProblemError):
    status = 503
    code = "ownership-inquiry-unavailable"
    title = "The mobile-ownership inquiry cannot be made now"
    title_fa = "استعلام مالکیت شماره همراه اکنون ممکن نیست"


class SmsUnavailable(ProblemError):
    status = 503
    code = "sms-unavailable"
    title = "The SMS cannot be sent now"
    title_fa = "ارسال پیامک اکنون ممکن نیست"


class NationalCodeRegistered(ProblemError):
    status = 409
    code = "national-code-registered"
    title = "This national code already has an account"
    title_fa = "برای این کد ملی قبلا حساب ایجاد شده است"


class RegistrationNotFound(NotFound):
    code = "registration-not-found"
    title = "No pending registration with this ID"
    title_fa = "ثبت‌نام در انتظاری با این شناسه یافت نشد"


class RegistrationSuperseded(ProblemError):
    status = 409
    code = "registration-superseded"
    title = "Another registration of this national code was confirmed"
    title_fa = "ثبت‌نام دیگری برای این کد ملی تایید شده است"


class CompanyRegistryUnavailable(ProblemError):
    status = 503
    code = "company-registry-unavailable"
    title = "The companies registry cannot be asked now"
    title_fa = "استعلام از سامانه ثبت شرکت‌ها اکنون ممکن نیست"


class _NationalIdProblem(ProblemError):
    status = 422
    type_ = "national_id"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[field_error("#/body/national_id", detail, self.type_)])


class LegalPersonNotInRegistry(_NationalIdProblem):
    code = "legal-person-not-in-registry"
    title = "The companies registry has no legal person with this national ID"
    title_fa = "شخص حقوقی با این شناسه ملی در سامانه ثبت شرکت‌ها یافت نشد"
    type_ = "national_id_not_in_registry"


class LegalPersonNotActiveInRegistry(_NationalIdProblem):
    code = "legal-person-not-active-in-registry"
    title = "The companies registry says this legal person is not active"
    title_fa = "شخص حقوقی در سامانه ثبت شرکت‌ها فعال نیست"
    type_ = "national_id_not_active"


class NotARegistryManager(ProblemError):
    """The registry does not name the person among the legal person's managers."""

    status = 422
    code = "not-a-registry-manager"
    title = "The companies registry does not name this person as a manager"
    title_fa = "این شخص در سامانه ثبت شرکت‌ها مدیر این شخص حقوقی نیست"

    def __init__(self, detail: str, *, pointer: str) -> None:
        super().__init__(detail, errors=[field_error(pointer, detail, "not_a_registry_manager")])


class LegalPersonNotVerified(ProblemError):
    """A legal person not (yet) confirmed by the companies registry: it holds no rights."""

    status = 409
    code = "legal-person-not-verified"
    title = "The legal person is not verified against the companies registry"
    title_fa = "شخص حقوقی هنوز در سامانه ثبت شرکت‌ها تایید نشده است"


class LegalPersonNotFound(NotFound):
    code = "legal-person-not-found"
    title = "No legal person you manage has this ID"
    title_fa = "شخص حقوقی با این شناسه در مدیریت شما یافت نشد"


class ManagerNotRegistered(ProblemError):
    status = 422
    code = "manager-not-registered"
    title = "No active natural person has this national code"
    title_fa = "شخص حقیقی فعالی با این کد ملی ثبت نشده است"

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail,
            errors=[field_error("#/body/national_code", detail, "person_not_registered")],
        )


class AlreadyManager(ProblemError):
    status = 409
    code = "already-manager"
    title = "This person already manages the legal person"
    title_fa = "این شخص هم‌اکنون مدیر این شخص حقوقی است"


class MobileUnchanged(ProblemError):
    status = 422
    code = "mobile-unchanged"
    title = "This is already the account's mobile number"
    title_fa = "این شماره هم‌اکنون شماره همراه حساب است"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[field_error("#/body/mobile", detail, "mobile_unchanged")])


class MobileChangeNotFound(NotFound):
    code = "mobile-change-not-found"
    title = "No change of mobile with this ID for your account"
    title_fa = "درخواست تغییر شماره همراه با این شناسه برای حساب شما یافت نشد"


class RepresentationTooLong(_RepresentationRefused):
    code = "representation-too-long"
    title = "The end date is too far in the future"
    title_fa = "تاریخ پایان نمایندگی بیش از حد دور است"
    pointer = "#/body/ends_on"


# --- Password recovery (identity.recovery) ------------------------------------------------------


class RecoveryNotFound(NotFound):
    code = "password-recovery-not-found"
    title = "No password recovery with this ID"
    title_fa = "بازیابی گذرواژه‌ای با این شناسه نیست"


class RecoverySpent(ProblemError):
    status = 409
    code = "password-recovery-spent"
    title = "This password recovery was already used"
    title_fa = "این بازیابی گذرواژه پیش‌تر به کار رفته است"


class RecoveryExpired(ProblemError):
    status = 410
    code = "password-recovery-expired"
    title = "The time for this password recovery is over"
    title_fa = "مهلت این بازیابی گذرواژه تمام شده است"


class RecoveryAttemptsExhausted(ProblemError):
    status = 429
    code = "password-recovery-attempts-exhausted"
    title = "Too many wrong codes for this password recovery"
    title_fa = "کدهای نادرست بیش از حد مجاز؛ بازیابی را از نو آغاز کنید"


class RecoveryRateLimited(ProblemError):
    """Too many recoveries for one national code or from one requester, known or not."""

    status = 429
    code = "password-recovery-rate-limited"
    title = "Too many password recoveries; try again later"
    title_fa = "درخواست‌های بازیابی گذرواژه بیش از حد مجاز است؛ بعدا تلاش کنید"

    def __init__(self, detail: str, *, retry_after: int, limit: str) -> None:
        super().__init__(
            detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after, limit=limit
        )
