"""The rules of order-registration files (SPEC §2). Flush, never commit: the request's session
commits after the handler, or rolls everything back on a refusal."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orders_client.files import LineCreate, LineUpdate, OrderFileCreate, OrderFileUpdate
from rules_client import RulesClient
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Principal
from kit.clock import now_utc, today_tehran
from kit.errors import field_pointer
from kit.jalali import add_months
from kit.money import decimal_string
from kit.outbox import publish
from kit.request_context import current_request_id
from orders import audit
from orders.cars import service as cars
from orders.db import outbox_events
from orders.files import charges, records, repository
from orders.files.access import (
    FOREIGN_TRADE,
    PERSONAL_CAR,
    SYSTEM_ACTOR,
    actor_of,
    ensure_applicant,
    shown_status,
)
from orders.files.exceptions import (
    CarProductRequired,
    CasePermitInquiryMissing,
    CoreFieldChange,
    CustomsOfficeUnknown,
    FirstYearCapExceeded,
    GoodsProhibited,
    InvalidField,
    InvalidState,
    LinesExceedTotal,
    LineUnitMismatch,
    NoLines,
    NotPersonalCarGoods,
    OrderExpired,
    ProductHsCodeMismatch,
    ProductUnknown,
    ProformaExpired,
    SellerUnknown,
    TariffLineUnknown,
)
from orders.files.models import OrderFile, OrderFileEvent, OrderLine
from orders.officers import MIMT_OFFICE
from orders.products import repository as products
from orders.reference import repository as reference
from orders.reference.models import TariffLine
from orders.reference.service import Catalogue

# SPEC §2: "first-year merchants have a value cap (typically USD 500,000)".
FIRST_YEAR_CAP_USD = Decimal(500_000)
# After approval only these change; any other field is a core field (cancel and register again).
AMOUNT_FIELDS = frozenset({"total_amount", "freight_amount"})
LINE_AMOUNT_FIELDS = frozenset({"quantity", "value"})
NO_TRANSFER = "no-currency-transfer"
CAR_HEADING = "8703"
TOPIC = "order-file"
# Who else reads a file's events: representatives whose grant covers foreign trade (the files'
# API rule, orders.files.access.FOREIGN_TRADE), and the ministry's officers who review files.
MIMT = ":".join(MIMT_OFFICE)


@dataclass(frozen=True)
class Context:
    """What every act needs: the session, who asks, the rules service and the reference catalogue."""

    session: AsyncSession
    principal: Principal
    rules: RulesClient
    catalogue: Catalogue
    rates: charges.ExchangeRates
    sandbox: bool


def _first_year(principal: Principal, today: dt.date) -> bool:
    """Whether the merchant's commercial card was issued less than a year ago, from the token's
    ``commercial_card_issued`` claim (when identity sends it; without it the cap cannot be
    checked and is not applied)."""
    issued = principal.claims.get("commercial_card_issued")
    if not isinstance(issued, str):
        return False
    try:
        day = dt.date.fromisoformat(issued)
    except ValueError:
        return False
    return today < add_months(day, 12)


# ------------------------------------------------------------------ history and events


async def record(
    session: AsyncSession,
    file: OrderFile,
    action: str,
    *,
    actor: str,
    principal: str,
    from_status: str | None = None,
    to_status: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        OrderFileEvent(
            file_id=file.id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            principal=principal,
            request_id=current_request_id(),
            detail=detail,
        )
    )


async def record_act(ctx: Context, file: OrderFile, action: str, **kwargs: Any) -> None:
    await record(
        ctx.session, file, action, actor=actor_of(ctx.principal), principal=ctx.principal.subject, **kwargs
    )


def _changed(file: OrderFile) -> None:
    file.version += 1
    file.updated_at = now_utc()


async def _transition(ctx: Context, file: OrderFile, action: str, to_status: str, **detail: Any) -> None:
    from_status = shown_status(file)
    file.status = to_status
    _changed(file)
    await record_act(ctx, file, action, from_status=from_status, to_status=to_status, **detail)


async def _event(session: AsyncSession, topic: str, file: OrderFile, **payload: Any) -> None:
    """The file's event (``panjereh_contract.event_types``): the owner's, read by representatives
    whose grant covers foreign trade at the file's level, and by the ministry's officers."""
    await publish(
        session,
        outbox_events,
        topic,
        f"{TOPIC}:{file.id}",
        {"file_id": str(file.id), "owner": file.owner, "status": file.status, **payload},
        kind=TOPIC,
        party=file.owner,
        url=f"/v1/order-files/{file.id}",
        access_level=file.access_level,
        scope=FOREIGN_TRADE,
        office=MIMT,
    )


def _require_status(file: OrderFile, action: str, *allowed: str) -> None:
    status = shown_status(file)
    if status not in allowed:
        if status == "expired" and file.expires_on is not None:
            raise OrderExpired(file.expires_on.isoformat())
        raise InvalidState(action, status, list(allowed))


# ------------------------------------------------------------------ fields


def check_fields(
    values: dict[str, Any],
    today: dt.date,
    *,
    principal: Principal,
    catalogue: Catalogue,
    rates: charges.ExchangeRates,
) -> dict[str, Any]:
    """The file's fields checked as no schema can, without the database: dates against today,
    the offices against the catalogue, rules across fields, the first-year cap. Answers the
    offices' ids. The seller is checked where the file is written (``seller_name``)."""
    if values["kind"] == PERSONAL_CAR:
        _check_personal_car_payment(values)
    issued, expires = values["proforma_issued_on"], values["proforma_expires_on"]
    if issued > today:
        raise InvalidField(
            f"The proforma cannot be issued after today ({today.isoformat()}).",
            "#/body/proforma_issued_on",
            "date_in_future",
        )
    if expires < issued:
        raise InvalidField(
            "The proforma cannot expire before it is issued.", "#/body/proforma_expires_on", "date_order"
        )
    if expires < today:
        raise ProformaExpired(
            f"The proforma expired on {expires.isoformat()}: ask the seller for a valid one.",
            "#/body/proforma_expires_on",
        )
    if values["freight_amount"] > values["total_amount"]:
        raise InvalidField(
            "Freight cannot exceed the proforma total.", "#/body/freight_amount", "freight_exceeds_total"
        )
    if values["transaction_type"] == "banking":
        for field in ("currency_source", "payment_method"):
            if values[field] == NO_TRANSFER:
                raise InvalidField(
                    f"A banking transaction involves a currency transfer: {field} cannot be {NO_TRANSFER}; "
                    "choose transaction_type non-banking.",
                    "#/body/transaction_type",
                    "transaction_type_conflict",
                )
    resolved: dict[str, Any] = {}
    for field in ("entry_border", "destination_customs"):
        office_id = catalogue.office_id(values[field])
        if office_id is None:
            raise CustomsOfficeUnknown(values[field], field_pointer("body", field))
        resolved[field] = office_id
    _check_cap(principal, rates, values["total_amount"], values["currency"], today)
    return resolved


async def seller_name(ctx: Context, fida_id: str) -> str:
    seller = await reference.seller(ctx.session, fida_id, include_sandbox=ctx.sandbox)
    if seller is None:
        raise SellerUnknown(fida_id)
    return seller.name


def _check_personal_car_payment(values: dict[str, Any]) -> None:
    """Seed 001: the car of an Iranian living abroad is registered "no currency transfer"."""
    for field in ("transaction_type", "currency_source", "payment_method"):
        wanted = "non-banking" if field == "transaction_type" else NO_TRANSFER
        if values[field] != wanted:
            raise InvalidField(
                f"A personal car import (kind personal-car) is registered without a currency transfer: "
                f"{field} must be {wanted}.",
                field_pointer("body", field),
                "transaction_type_conflict",
            )


def _check_cap(
    principal: Principal, rates: charges.ExchangeRates, total: Decimal, currency: str, today: dt.date
) -> None:
    if not _first_year(principal, today):
        return
    usd = charges.usd_equivalent(rates, total, currency, today)
    if usd > FIRST_YEAR_CAP_USD:
        raise FirstYearCapExceeded(
            f"In their first year a merchant may register orders of at most USD {FIRST_YEAR_CAP_USD:,}; this file is "
            f"worth about USD {usd:,.2f} at the stored rate.",
            "#/body/total_amount",
            usd_equivalent=decimal_string(usd.quantize(Decimal("0.01"))),
        )


def _values(file: OrderFile) -> dict[str, Any]:
    return {name: getattr(file, name) for name in records.GIVEN_FIELDS}


# ------------------------------------------------------------------ drafts


def new_draft(
    principal: Principal, data: OrderFileCreate, *, catalogue: Catalogue, rates: charges.ExchangeRates
) -> tuple[dict[str, Any], list[records.Event]]:
    """The row of a draft for the caller's principal (the merchant; a representative creates it
    for them), every field checked but the seller (checked as it is written:
    ``records.insert_draft``), and the history it begins with."""
    ensure_applicant(principal, data.kind)
    values = data.model_dump()
    values.update(
        check_fields(values, today_tehran(), principal=principal, catalogue=catalogue, rates=rates),
        id=uuid.uuid4(),
        owner=principal.subject,
        status="draft",
        version=1,
        created_by=actor_of(principal),
    )
    events = [
        records.Event("created", to_status="draft"),
        records.Event("access-level-changed", detail={"from_level": None, "to_level": data.access_level}),
    ]
    return values, events


async def update_file(ctx: Context, file: OrderFile, data: OrderFileUpdate) -> OrderFile:
    """Draft: any field. Approved: only the amounts, and the file goes back to review (with the
    amendment fee on any increase). Other states: refused."""
    changes = data.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None and getattr(file, k) != v}
    _require_status(file, "edited", "draft", "approved")
    if not changes:
        return file
    today = today_tehran()
    approved = file.status == "approved"
    if approved:
        core = sorted(set(changes) - AMOUNT_FIELDS)
        if core:
            raise CoreFieldChange(core)
    before = await charges.fee_base(ctx.session, file)
    values = {**_values(file), **changes}
    if approved:
        values.update(await _check_amounts(ctx, values, today))
        if values["total_amount"] < await repository.lines_total(ctx.session, file.id):
            raise LinesExceedTotal(
                decimal_string(await repository.lines_total(ctx.session, file.id)),
                decimal_string(values["total_amount"]),
            )
    else:
        values.update(
            check_fields(values, today, principal=ctx.principal, catalogue=ctx.catalogue, rates=ctx.rates),
            seller_name=await seller_name(ctx, values["seller_fida_id"]),
        )
    for name, value in values.items():
        setattr(file, name, value)
    _changed(file)
    await ctx.session.flush()
    await record_act(ctx, file, "edited", fields=sorted(changes))
    if approved:
        await charges.register_fee(ctx.session, ctx.rules, ctx.rates, file, today, previous=before)
        await _back_to_review(ctx, file, sorted(changes))
    return file


async def _check_amounts(ctx: Context, values: dict[str, Any], today: dt.date) -> dict[str, Any]:
    if values["freight_amount"] > values["total_amount"]:
        raise InvalidField(
            "Freight cannot exceed the proforma total.", "#/body/freight_amount", "freight_exceeds_total"
        )
    _check_cap(ctx.principal, ctx.rates, values["total_amount"], values["currency"], today)
    return {}


async def _back_to_review(ctx: Context, file: OrderFile, fields: list[str]) -> None:
    await _transition(ctx, file, "amended", "under-review", fields=fields)


async def set_access_level(ctx: Context, file: OrderFile, level: str) -> OrderFile:
    if level == file.access_level:
        return file
    before = file.access_level
    file.access_level = level
    _changed(file)
    await record_act(ctx, file, "access-level-changed", from_level=before, to_level=level)
    return file


# ------------------------------------------------------------------ lines


async def _tariff_line(ctx: Context, hs_code: str, today: dt.date) -> Any:
    tariff = await reference.tariff_line(ctx.session, hs_code, on=today)
    if tariff is None:
        raise TariffLineUnknown(hs_code)
    if tariff.prohibited:
        raise GoodsProhibited(
            hs_code,
            tariff.prohibition_reason_en or "",
            tariff.prohibition_reason_fa or "",
            tariff.prohibition_group or "",
        )
    return tariff


def _check_unit(tariff: TariffLine, unit: str) -> None:
    """A line's quantity is declared in its tariff line's unit (kg, units, litres…), the unit
    customs counts the goods in: a mismatch is the "HS code not matching the goods" that SPEC
    §2 asks to catch up front."""
    if unit != tariff.unit:
        raise LineUnitMismatch(tariff.hs_code, unit, tariff.unit)


async def _check_goods(ctx: Context, file: OrderFile, hs_code: str, product_id: str | None) -> dict[str, Any]:
    """The line's product ID, when given, is an issued one of the line's HS code. On a
    personal-car file the line is the car (heading 8703), given by its product ID (which carries
    the VIN), and the applicant's successful case-permit inquiry for that VIN stands. Answers
    what the history records of it."""
    product = None
    if product_id is not None:
        product = await products.product(ctx.session, product_id)
        if product is None:
            raise ProductUnknown(product_id)
        if product.hs_code != hs_code:
            raise ProductHsCodeMismatch(product_id, product.hs_code, hs_code)
    if file.kind != PERSONAL_CAR:
        return {}
    if not hs_code.startswith(CAR_HEADING):
        raise NotPersonalCarGoods(hs_code)
    if product is None or product.vin is None:
        raise CarProductRequired()
    inquiry = await cars.successful_inquiry(ctx.session, file.owner, product.vin)
    if inquiry is None:
        raise CasePermitInquiryMissing(product.vin)
    return {"vin": inquiry.vin, "mikhak_case_id": inquiry.case_id, "case_permit_inquiry": str(inquiry.id)}


async def add_line(ctx: Context, file: OrderFile, data: LineCreate) -> OrderLine:
    """A line on a draft; the answer shows the permits the code requires."""
    _require_status(file, "given new lines", "draft")
    today = today_tehran()
    tariff = await _tariff_line(ctx, data.hs_code, today)
    _check_unit(tariff, data.unit)
    car = await _check_goods(ctx, file, data.hs_code, data.product_id)
    line = OrderLine(
        id=uuid.uuid4(),
        file_id=file.id,
        duty_category=tariff.duty_category,
        permits=list(tariff.permits or []),
        **data.model_dump(),
    )
    ctx.session.add(line)
    _changed(file)
    await ctx.session.flush()
    await record_act(ctx, file, "line-added", line_id=str(line.id), hs_code=line.hs_code, **car)
    await ctx.session.refresh(line)
    return line


async def update_line(ctx: Context, file: OrderFile, line: OrderLine, data: LineUpdate) -> OrderLine:
    """Draft: any field. Approved: quantity and value only (back to review); changing the HS
    code or the kind of goods is refused: cancel and register again."""
    changes = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None and getattr(line, k) != v
    }
    _require_status(file, "edited", "draft", "approved")
    if not changes:
        return line
    approved = file.status == "approved"
    if approved:
        core = sorted(set(changes) - LINE_AMOUNT_FIELDS)
        if core:
            raise CoreFieldChange(core)
    if {"hs_code", "unit"} & set(changes):
        tariff = await _tariff_line(ctx, changes.get("hs_code", line.hs_code), today_tehran())
        _check_unit(tariff, changes.get("unit", line.unit))
        line.duty_category = tariff.duty_category
        line.permits = list(tariff.permits or [])
    if {"hs_code", "product_id"} & set(changes):
        await _check_goods(
            ctx, file, changes.get("hs_code", line.hs_code), changes.get("product_id", line.product_id)
        )
    for name, value in changes.items():
        setattr(line, name, value)
    _changed(file)
    await ctx.session.flush()
    if approved:
        total = await repository.lines_total(ctx.session, file.id)
        if total > file.total_amount:
            raise LinesExceedTotal(decimal_string(total), decimal_string(file.total_amount))
    await record_act(ctx, file, "line-edited", line_id=str(line.id), fields=sorted(changes))
    if approved:
        await _back_to_review(ctx, file, [f"lines/{line.id}/{name}" for name in sorted(changes)])
    return line


async def remove_line(ctx: Context, file: OrderFile, line: OrderLine) -> None:
    _require_status(file, "stripped of lines", "draft")
    await repository.delete_line(ctx.session, line)
    _changed(file)
    await record_act(ctx, file, "line-removed", line_id=str(line.id), hs_code=line.hs_code)


# ------------------------------------------------------------------ states


async def submit(ctx: Context, file: OrderFile) -> OrderFile:
    """Draft → submitted: the lines are checked against the total and the fee is computed by the
    rules service and stored with its trace."""
    _require_status(file, "submitted", "draft")
    today = today_tehran()
    lines = await repository.lines(ctx.session, file.id)
    if not lines:
        raise NoLines()
    total = sum((line.value for line in lines), Decimal(0))
    if total > file.total_amount:
        raise LinesExceedTotal(decimal_string(total), decimal_string(file.total_amount))
    if file.proforma_expires_on < today:
        raise ProformaExpired(
            f"The proforma expired on {file.proforma_expires_on.isoformat()}.", "#/body/proforma_expires_on"
        )
    _check_cap(ctx.principal, ctx.rates, file.total_amount, file.currency, today)
    for line in lines:  # a case revoked since the line was added
        await _check_goods(ctx, file, line.hs_code, line.product_id)
    fee = await charges.register_fee(ctx.session, ctx.rules, ctx.rates, file, today)
    await _transition(ctx, file, "submitted", "submitted", fee_rials=fee.amount_rials)
    await _event(ctx.session, "order.submitted", file)
    return file


async def register(ctx: Context, file: OrderFile, validity_months: int, signer: str, kid: str) -> OrderFile:
    """Submitted → under review, signed by the merchant or their representative."""
    _require_status(file, "registered", "submitted")
    if file.proforma_expires_on < today_tehran():
        raise ProformaExpired(
            f"The proforma expired on {file.proforma_expires_on.isoformat()}.", "#/body/proforma_expires_on"
        )
    file.validity_months = validity_months
    file.signer = signer
    file.signature_kid = kid
    file.registered_at = now_utc()
    await _transition(
        ctx,
        file,
        "final-registration",
        "under-review",
        signer=signer,
        kid=kid,
        validity_months=validity_months,
    )
    await audit.record(
        ctx.session, ctx.principal, "order-file.final-registration", "order-file", file.id, kid=kid
    )
    await _event(ctx.session, "order.registered", file, validity_months=validity_months)
    return file


async def approve(ctx: Context, file: OrderFile) -> OrderFile:
    """Under review → approved, valid for the months asked at registration (from the first
    approval; an amendment's approval keeps the validity)."""
    _require_status(file, "approved", "under-review")
    today = today_tehran()
    file.reviewed_by = ctx.principal.subject
    file.reviewed_at = now_utc()
    file.rejection_reason = None
    if file.expires_on is None:
        file.approved_on = today
        file.expires_on = add_months(today, file.validity_months or 6)
    await _transition(ctx, file, "approved", "approved", expires_on=file.expires_on.isoformat())
    await audit.record(ctx.session, ctx.principal, "order-file.approved", "order-file", file.id)
    await _event(
        ctx.session,
        "order.approved",
        file,
        approved_on=file.approved_on.isoformat() if file.approved_on else None,
        expires_on=file.expires_on.isoformat(),
        total_amount=decimal_string(file.total_amount),
        currency=file.currency,
        hs_codes=[line.hs_code for line in await repository.lines(ctx.session, file.id)],
    )
    return file


async def reject(ctx: Context, file: OrderFile, reason: str) -> OrderFile:
    _require_status(file, "rejected", "under-review")
    file.reviewed_by = ctx.principal.subject
    file.reviewed_at = now_utc()
    file.rejection_reason = reason
    await _transition(ctx, file, "rejected", "rejected", reason=reason)
    await audit.record(
        ctx.session, ctx.principal, "order-file.rejected", "order-file", file.id, reason=reason
    )
    await _event(ctx.session, "order.rejected", file, reason=reason)
    return file


async def extend(ctx: Context, file: OrderFile, months: int) -> OrderFile:
    """An approved order, before its expiry: the validity grows by 3 or 6 months."""
    _require_status(file, "extended", "approved")
    assert file.expires_on is not None
    before = file.expires_on
    file.expires_on = add_months(before, months)
    _changed(file)
    await record_act(
        ctx,
        file,
        "extended",
        months=months,
        expires_on_before=before.isoformat(),
        expires_on=file.expires_on.isoformat(),
    )
    await _event(
        ctx.session,
        "order.extended",
        file,
        months=months,
        expires_on_before=before.isoformat(),
        expires_on=file.expires_on.isoformat(),
    )
    return file


async def cancel(ctx: Context, file: OrderFile) -> OrderFile:
    _require_status(file, "cancelled", "draft", "submitted", "under-review", "approved")
    from_status = shown_status(file)
    await _transition(ctx, file, "cancelled", "cancelled")
    if from_status != "draft":  # a draft was never sent: nobody else learnt of it
        await _event(ctx.session, "order.cancelled", file, from_status=from_status)
    return file


async def expire_due(session: AsyncSession, today: dt.date | None = None) -> int:
    """Mark approved files past their validity ``expired`` (history by the system, an
    ``order.expired`` event each); answers how many. Run periodically and callable in tests."""
    day = today or today_tehran()
    count = 0
    for file in await repository.lapsed_files(session, day):
        file.status = "expired"
        _changed(file)
        await record(
            session,
            file,
            "expired",
            actor=SYSTEM_ACTOR,
            principal=file.owner,
            from_status="approved",
            to_status="expired",
            expires_on=file.expires_on.isoformat() if file.expires_on else None,
        )
        await _event(
            session,
            "order.expired",
            file,
            expires_on=file.expires_on.isoformat() if file.expires_on else None,
        )
        count += 1
    await session.flush()
    return count
