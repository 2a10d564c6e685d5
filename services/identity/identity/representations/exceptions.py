"""Failures of representation: a grant refused by one of its rules, or acted on by the wrong party or in the wrong state."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError, field_error


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


class RepresentationTooLong(_RepresentationRefused):
    code = "representation-too-long"
    title = "The end date is too far in the future"
    title_fa = "تاریخ پایان نمایندگی بیش از حد دور است"
    pointer = "#/body/ends_on"
