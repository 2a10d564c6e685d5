"""Failures of assigning and revoking roles."""

from __future__ import annotations

from identity.exceptions import FieldProblem
from kit.errors import NotFound, ProblemError


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


class RoleNotForPartyKind(FieldProblem):
    status = 422
    code = "role-not-for-party-kind"
    title = "This role cannot be given to this kind of person"
    title_fa = "این نقش به این نوع شخص داده نمی‌شود"


class CommercialCardDatesInvalid(FieldProblem):
    status = 422
    code = "commercial-card-dates-invalid"
    title = "The commercial card's dates are not valid"
    title_fa = "تاریخ‌های کارت بازرگانی نامعتبر است"


class CommercialCardAlreadyExpired(FieldProblem):
    status = 422
    code = "commercial-card-expired"
    title = "The commercial card has already expired"
    title_fa = "کارت بازرگانی منقضی شده است"
