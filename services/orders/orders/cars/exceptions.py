"""Failures of the car import: the Mikhak feed and the case-permit inquiry, one class each."""

from __future__ import annotations

from typing import Any

from kit.errors import Forbidden, NotFound, ProblemError, field_error


class InvalidMikhakCase(ProblemError):
    """A case whose fields are each well formed but do not fit together."""

    status = 422
    code = "invalid-mikhak-case"
    title = "The Mikhak case is not valid"
    title_fa = "پرونده میخک نامعتبر است"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        detail = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors)
        super().__init__(detail, errors=errors)


class MikhakCaseConflict(ProblemError):
    status = 409
    code = "mikhak-case-conflict"
    title = "A different case was already received under this Mikhak case ID"
    title_fa = "پرونده دیگری با همین شناسه میخک قبلاً دریافت شده است"

    def __init__(self, case_id: str, pointers: list[str]) -> None:
        detail = (
            f"Case {case_id} was received with other content ({', '.join(pointers)}). Under one case ID only "
            "the embassy's decision may follow (status from submitted to approved or rejected, with "
            "decided_on); send a corrected case under a new ID, or revoke this one."
        )
        super().__init__(
            detail,
            case_id=case_id,
            errors=[field_error(p, "differs from the case already received", "changed") for p in pointers],
        )


class MikhakCaseRevoked(ProblemError):
    status = 409
    code = "mikhak-case-revoked"
    title = "The Mikhak case was revoked"
    title_fa = "پرونده میخک لغو شده است"

    def __init__(self, case_id: str, reason: str | None, pointer: str) -> None:
        detail = f"Mikhak revoked case {case_id}" + (f": {reason}." if reason else ".")
        super().__init__(detail, case_id=case_id, errors=[field_error(pointer, detail, "revoked")])


class OneCarPerPerson(ProblemError):
    status = 409
    code = "one-car-per-person"
    title = "This person already has a car-import case"
    title_fa = "برای این شخص قبلاً پرونده واردات خودرو ثبت شده است"

    def __init__(self, other_case_id: str) -> None:
        detail = (
            f"One car per person: case {other_case_id} of the same national code is eligible and not "
            "revoked or rejected. Revoke it first."
        )
        super().__init__(
            detail,
            other_case_id=other_case_id,
            errors=[field_error("#/body/national_code", detail, "one_car_per_person")],
        )


class MikhakCaseNotFound(NotFound):
    code = "mikhak-case-not-found"
    title = "No such Mikhak case"
    title_fa = "پرونده میخک یافت نشد"

    def __init__(self, case_id: str, pointer: str, detail: str | None = None) -> None:
        detail = detail or f"No case {case_id} has arrived from Mikhak."
        super().__init__(detail, errors=[field_error(pointer, detail, "unknown_mikhak_case")])


class ApprovalNotReceived(ProblemError):
    status = 409
    code = "case-approval-not-received"
    title = "The embassy's approval has not arrived from Mikhak"
    title_fa = "تأیید سفارت هنوز از سامانه میخک نرسیده است"

    def __init__(self, case_id: str) -> None:
        detail = (
            f"Case {case_id} has arrived from Mikhak but the embassy or consulate has not approved it yet. "
            "Ask again once Mikhak sends the approval."
        )
        super().__init__(detail, errors=[field_error("#/body/mikhak_case_id", detail, "not_approved")])


class MikhakCaseRejected(ProblemError):
    status = 409
    code = "mikhak-case-rejected"
    title = "The embassy rejected the Mikhak case"
    title_fa = "سفارت پرونده میخک را رد کرده است"

    def __init__(self, case_id: str) -> None:
        detail = f"The embassy or consulate rejected case {case_id}."
        super().__init__(detail, errors=[field_error("#/body/mikhak_case_id", detail, "rejected")])


class NotEligible(ProblemError):
    status = 409
    code = "car-import-not-eligible"
    title = "The case does not meet the conditions of the car import"
    title_fa = "پرونده شرایط واردات خودرو را ندارد"

    def __init__(self, case_id: str, reasons: list[dict[str, Any]]) -> None:
        detail = f"Case {case_id} fails {len(reasons)} condition(s): " + " ".join(
            r["detail"] for r in reasons
        )
        super().__init__(
            detail,
            reasons=reasons,
            errors=[field_error("#/body/mikhak_case_id", r["detail"], r["rule_id"]) for r in reasons],
        )


class BaseNaturalRequired(Forbidden):
    code = "base-natural-role-required"
    title = "The applicant's own token in the base-natural role is needed"
    title_fa = "ورود با نقش پایه حقیقی لازم است"


class MachineClientRequired(Forbidden):
    code = "mikhak-feed-client-required"
    title = "Only the Mikhak feed client may send cases"
    title_fa = "فقط سامانه میخک مجاز است"


class PeerUnavailable(ProblemError):
    status = 503
    code = "peer-unavailable"
    title = "A service this answer needs is unavailable"
    title_fa = "سرویس مورد نیاز در دسترس نیست"

    def __init__(self, peer: str) -> None:
        super().__init__(
            f"The {peer} service did not answer; nothing was stored. Try again.", headers={"Retry-After": "5"}
        )
