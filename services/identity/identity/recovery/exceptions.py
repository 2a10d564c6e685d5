"""Failures of password recovery."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError


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
