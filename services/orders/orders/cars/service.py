"""Business rules of the car import: receiving Mikhak cases and revocations, and the
applicant's case-permit inquiry. Flushes, never commits — except refusals, which are recorded
in a session of their own so they survive the rollback of the refused request."""

from __future__ import annotations

from typing import Any, Literal

from orders_client.cars import CaseInquiryIn, MikhakCaseIn, MikhakCaseOut, RevocationIn
from rules_client import RulesClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.auth import Principal
from kit.clock import now_utc, today_tehran
from kit.errors import ProblemError
from kit.outbox import publish
from kit.request_context import current_request_id
from orders.cars import eligibility, repository
from orders.cars.case_permits import CasePermitInquiry, CasePermits, case_permits
from orders.cars.exceptions import (
    BaseNaturalRequired,
    InvalidMikhakCase,
    MachineClientRequired,
    MikhakCaseConflict,
    MikhakCaseNotFound,
    MikhakCaseRevoked,
    OneCarPerPerson,
    PeerUnavailable,
    field_error,
)
from orders.cars.models import CaseInquiry, MikhakCase, MikhakMessage
from orders.db import outbox_events

Outcome = Literal["created", "replayed", "amended"]
# Under one case ID only the embassy's decision may follow the case as first sent.
DECISION_FIELDS = frozenset({"#/body/status", "#/body/decided_on"})


# ------------------------------------------------------------------ who may call


def ensure_mikhak_client(principal: Principal) -> None:
    """The feed is for the Mikhak machine client (``client:…`` with ``mikhak-feed``), acting for itself."""
    if not principal.subject.startswith("client:") or principal.actor is not None:
        raise MachineClientRequired(
            "Only the Mikhak machine client may use the feed; this is a person's token."
        )


def ensure_applicant(principal: Principal) -> None:
    """The inquiry is the applicant's own: a person's own token in the base-natural role."""
    if not principal.subject.startswith("user:") or principal.actor is not None:
        raise BaseNaturalRequired(
            "The case-permit inquiry is made by the applicant with their own token (no machine or "
            "acting-for token)."
        )
    if "base-natural" not in principal.roles:
        raise BaseNaturalRequired("Log in with the base-natural role (نقش پایه حقیقی) to make the inquiry.")


# ------------------------------------------------------------------ the Mikhak feed


def _check(data: MikhakCaseIn) -> None:
    """Cross-field rules no schema states."""
    today = today_tehran()
    errors: list[dict[str, str]] = []

    def refuse(pointer: str, detail: str) -> None:
        errors.append(field_error(pointer, detail, "inconsistent"))

    if data.submitted_on > today:
        refuse("#/body/submitted_on", f"The case cannot be entered after today ({today.isoformat()}).")
    if data.birth_date > data.submitted_on:
        refuse("#/body/birth_date", "The birth date is after the day the case was entered.")
    if data.residence_start_date < data.birth_date:
        refuse("#/body/residence_start_date", "The residence abroad cannot begin before the birth date.")
    if data.car.manufacture_date > data.submitted_on:
        refuse(
            "#/body/car/manufacture_date", "The car's manufacture date is after the day the case was entered."
        )
    if data.status == "submitted" and data.decided_on is not None:
        refuse("#/body/decided_on", "A case still awaiting the embassy has no decision date.")
    if data.status != "submitted":
        if data.decided_on is None:
            refuse("#/body/decided_on", f"A case {data.status} by the embassy needs its decision date.")
        elif data.decided_on < data.submitted_on or data.decided_on > today:
            refuse(
                "#/body/decided_on",
                "The decision date must fall between the day the case was entered and today.",
            )
    if errors:
        raise InvalidMikhakCase(errors)


def _differences(old: Any, new: Any, pointer: str = "#/body") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(old.keys() | new.keys()):
            out += _differences(old.get(key), new.get(key), f"{pointer}/{key}")
        return out
    return [] if old == new else [pointer]


def _message(
    case_id: str, kind: str, outcome: str, payload: dict[str, Any], principal: Principal
) -> MikhakMessage:
    return MikhakMessage(
        case_id=case_id,
        kind=kind,
        outcome=outcome,
        payload=payload,
        received_from=principal.subject,
        request_id=current_request_id(),
        received_at=now_utc(),
    )


async def _record_apart(sessionmaker: async_sessionmaker[AsyncSession], row: object) -> None:
    """Record a refusal in its own transaction: the request's own rolls back."""
    async with sessionmaker() as session, session.begin():
        session.add(row)


def _case_audience(row: MikhakCase) -> dict[str, str]:
    """Who reads a case (``ensure_mikhak_client``): the Mikhak machine client, which sent it; no
    representative (scope) and no office."""
    return {"party": row.received_from, "url": f"/v1/mikhak/cases/{row.case_id}"}


async def _announce_if_approved(session: AsyncSession, row: MikhakCase) -> None:
    if row.status == "approved" and row.eligible:
        await publish(
            session,
            outbox_events,
            "mikhak-case.approved",
            row.case_id,
            {"case_id": row.case_id, "vin": row.vin},
            **_case_audience(row),
        )


async def receive_case(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    rules: RulesClient,
    data: MikhakCaseIn,
    principal: Principal,
    *,
    include_sandbox: bool,
) -> tuple[MikhakCase, Outcome]:
    """Store a new case with its eligibility, answer a replay with the stored case, take the
    embassy's decision on a submitted case, and refuse anything else under the same ID (409).
    Every message is recorded, refused ones included (not those the rules service's absence
    turned away: Mikhak sends them again)."""
    content = data.model_dump(mode="json")
    try:
        return await _receive_case(session, rules, data, content, principal, include_sandbox=include_sandbox)
    except PeerUnavailable:
        raise
    except ProblemError as exc:
        await _record_apart(sessionmaker, _message(data.case_id, "case", exc.code, content, principal))
        raise


async def _receive_case(
    session: AsyncSession,
    rules: RulesClient,
    data: MikhakCaseIn,
    content: dict[str, Any],
    principal: Principal,
    *,
    include_sandbox: bool,
) -> tuple[MikhakCase, Outcome]:
    _check(data)
    existing = await repository.case(session, data.case_id, for_update=True)
    if existing is not None:
        return await _again(session, existing, data, content, principal)
    judged = await eligibility.judge(session, rules, data, include_sandbox=include_sandbox)
    if judged["eligible"] and data.status != "rejected":
        blocking = await repository.blocking_case(session, data.national_code, other_than=data.case_id)
        if blocking is not None:
            raise OneCarPerPerson(blocking.case_id)
    now = now_utc()
    row = MikhakCase(
        case_id=data.case_id,
        national_code=data.national_code,
        vin=data.car.vin,
        status=data.status,
        content=content,
        eligible=judged["eligible"],
        eligibility=judged,
        received_from=principal.subject,
        received_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        if "one_car_per_person" in str(exc.orig):
            raise OneCarPerPerson("(received at the same moment)") from exc
        raise MikhakCaseConflict(data.case_id, ["#/body/case_id"]) from exc
    session.add(_message(data.case_id, "case", "created", content, principal))
    await _announce_if_approved(session, row)
    await session.flush()
    return row, "created"


async def _again(
    session: AsyncSession, row: MikhakCase, data: MikhakCaseIn, content: dict[str, Any], principal: Principal
) -> tuple[MikhakCase, Outcome]:
    """A case ID already received: a replay, the embassy's decision, or a conflict."""
    differences = _differences(row.content, content)
    if not differences:
        session.add(_message(row.case_id, "case", "replayed", content, principal))
        await session.flush()
        return row, "replayed"
    if row.revoked_at is not None:
        raise MikhakCaseRevoked(row.case_id, row.revocation_reason, "#/body/case_id")
    if set(differences) <= DECISION_FIELDS and row.status == "submitted" and data.status != "submitted":
        row.content = content
        row.status = data.status
        row.updated_at = now_utc()
        session.add(_message(row.case_id, "case", "amended", content, principal))
        await _announce_if_approved(session, row)
        await session.flush()
        return row, "amended"
    raise MikhakCaseConflict(row.case_id, differences)


async def revoke(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    case_id: str,
    data: RevocationIn,
    principal: Principal,
) -> MikhakCase:
    """Mikhak withdraws a case: recorded with its reason and time; the inquiry stops succeeding
    and the person may have another case. A second revocation changes nothing (recorded)."""
    payload = data.model_dump(mode="json")
    row = await repository.case(session, case_id, for_update=True)
    if row is None:
        await _record_apart(
            sessionmaker, _message(case_id, "revocation", "mikhak-case-not-found", payload, principal)
        )
        raise MikhakCaseNotFound(case_id, "#/path/case_id")
    if row.revoked_at is not None:
        session.add(_message(case_id, "revocation", "revocation-replayed", payload, principal))
        await session.flush()
        return row
    row.revoked_at = row.updated_at = now_utc()
    row.revocation_reason = data.reason
    session.add(_message(case_id, "revocation", "revoked", payload, principal))
    await publish(
        session,
        outbox_events,
        "mikhak-case.revoked",
        case_id,
        {"case_id": case_id, "vin": row.vin},
        **_case_audience(row),
    )
    await session.flush()
    return row


async def case_out(session: AsyncSession, row: MikhakCase) -> MikhakCaseOut:
    messages = await repository.messages(session, row.case_id)
    return MikhakCaseOut.model_validate(
        {
            "case": row.content,
            "eligibility": row.eligibility,
            "revocation": None
            if row.revoked_at is None
            else {"reason": row.revocation_reason, "revoked_at": row.revoked_at},
            "received_at": row.received_at,
            "updated_at": row.updated_at,
            "messages": [
                {
                    "kind": m.kind,
                    "outcome": m.outcome,
                    "received_at": m.received_at,
                    "request_id": m.request_id,
                }
                for m in messages
            ],
        }
    )


async def get_case(session: AsyncSession, case_id: str) -> MikhakCase:
    row = await repository.case(session, case_id)
    if row is None:
        raise MikhakCaseNotFound(case_id, "#/path/case_id")
    return row


# ------------------------------------------------------------------ the case-permit inquiry


async def inquire(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    data: CaseInquiryIn,
    principal: Principal,
    national_code: str,
    *,
    permits: CasePermits = case_permits,
) -> CasePermitInquiry:
    """The applicant's inquiry: succeeds only for their own approved, eligible, unrevoked case.
    Every result is recorded, refusals with their reason."""
    try:
        inquiry = await permits.inquire(
            session, case_id=data.mikhak_case_id, subject=principal.subject, national_code=national_code
        )
    except ProblemError as exc:
        await _record_apart(
            sessionmaker,
            CaseInquiry(
                case_id=data.mikhak_case_id,
                subject=principal.subject,
                national_code=national_code,
                result="refused",
                refusal_code=exc.code,
                detail=exc.detail,
                request_id=current_request_id(),
                created_at=now_utc(),
            ),
        )
        raise
    await publish(
        session,
        outbox_events,
        "car-case-permit.inquiry-succeeded",
        inquiry.case_id,
        {
            "case_id": inquiry.case_id,
            "vin": inquiry.vin,
            "subject": inquiry.subject,
            "inquiry_id": str(inquiry.id),
        },
        # The applicant's own (``ensure_applicant``): no representative, no office reads it.
        party=inquiry.subject,
        url=f"/v1/car-case-permits/inquiries/{inquiry.id}",
    )
    return inquiry


async def successful_inquiry(
    session: AsyncSession,
    principal_subject: str,
    vin: str | None = None,
    *,
    case_id: str | None = None,
    permits: CasePermits = case_permits,
) -> CasePermitInquiry | None:
    """For the car order: the subject's successful case-permit inquiry for the car (by VIN) or
    case, while the case is still approved, eligible and unrevoked; None otherwise. The order
    shows the 100% car duty (rules `car-abroad-import-duty`, seed 003, unverified) and is
    registered "no currency transfer" until ``registration_open_until`` (1404/12/29)."""
    return await permits.successful_inquiry(session, subject=principal_subject, vin=vin, case_id=case_id)
