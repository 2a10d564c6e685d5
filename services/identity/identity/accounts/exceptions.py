"""Failures of registration, legal persons and their managers, and change of mobile."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError, field_error


class MobileNotOwned(ProblemError):
    """The ownership inquiry (Shahkar) says the mobile is not registered to the national code."""

    status = 422
    code = "mobile-not-owned"
    title = "The mobile number is not registered to this national code"
    title_fa = "شماره همراه به نام این کد ملی ثبت نشده است"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[field_error("#/body/mobile", detail, "mobile_not_owned")])


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
