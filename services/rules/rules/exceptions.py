"""The rules service's failures, one class each."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError


class RuleNotFound(NotFound):
    code = "rule-not-found"
    title = "No such rule"
    title_fa = "چنین قاعده‌ای وجود ندارد"


class NotInForce(NotFound):
    code = "rule-not-in-force"
    title = "The rule did not apply on that date"
    title_fa = "این قاعده در آن تاریخ حاکم نبود"


class InvalidDate(ProblemError):
    status = 422
    code = "invalid-date"
    title = "The date is not valid"
    title_fa = "تاریخ نامعتبر است"


class CalculationInputInvalid(ProblemError):
    status = 422
    code = "calculation-input-invalid"
    title = "The calculation's input is not valid"
    title_fa = "ورودی محاسبه نامعتبر است"
