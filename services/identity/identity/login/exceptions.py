"""Failures of login and of the second factor."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError


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
