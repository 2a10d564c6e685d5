"""Failures of users' signature keys."""

from __future__ import annotations

from identity.exceptions import FieldProblem
from kit.errors import NotFound, ProblemError


class SignatureKeyNotFound(NotFound):
    code = "signature-key-not-found"
    title = "No such signature key"
    title_fa = "کلید امضا یافت نشد"


class SignatureKeyExists(FieldProblem):
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
