"""Every reference-data query.

``tariff_line(session, hs_code)`` is the function the rest of the orders
service uses to look a line up (permits, prohibition, duty category).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kit.clock import today_tehran
from kit.pagination import PageParams, fetch_page
from orders.reference.models import (
    CarBrand,
    CarModel,
    CustomsOffice,
    ForeignSeller,
    Incoterm,
    PermitKind,
    Province,
    ReferenceDataSet,
    ReferenceSource,
    TariffLine,
)
from orders.reference.text import normalise
from panjereh_contract.identifiers import InvalidIdentifier, parse_hs_code


def in_force(model: Any, day: dt.date) -> ColumnElement[bool]:
    """Rows whose ``valid_from``/``valid_to`` (null: not known / open) include ``day``."""
    return and_(
        or_(model.valid_from.is_(None), model.valid_from <= day),
        or_(model.valid_to.is_(None), model.valid_to >= day),
    )


def _like_terms(column: Any, text: str) -> list[ColumnElement[bool]]:
    """One ILIKE per word of ``text`` (normalised; wildcards escaped)."""
    terms = normalise(text).split()
    escaped = (t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for t in terms)
    return [column.ilike(f"%{t}%", escape="\\") for t in escaped]


# ------------------------------------------------------------------ tariff lines


async def tariff_line(session: AsyncSession, hs_code: str, *, on: dt.date | None = None) -> TariffLine | None:
    """The tariff line ``hs_code`` in force on ``on`` (today in Asia/Tehran by default), with its
    rates loaded; None when the code is malformed or no such line is in force.

    ``hs_code`` is 8 digits (``10011910``), also accepted as ``1001 19 10``/``1001.19.10`` or in
    Persian digits. ``line.permits`` lists permit kinds (``standards``, ``food-and-drug``…);
    ``line.prohibited`` with ``line.prohibition_group``/``prohibition_reason_en``/``_fa`` says
    why it may not be imported; ``line.duty_category`` is the 1404 duty-table row.
    """
    try:
        code = parse_hs_code(hs_code)
    except InvalidIdentifier:
        return None
    day = on or today_tehran()
    stmt = (
        select(TariffLine)
        .options(selectinload(TariffLine.rates))
        .where(TariffLine.hs_code == code, in_force(TariffLine, day))
    )
    return await session.scalar(stmt)


def _hs_prefix(prefix: str) -> ColumnElement[bool]:
    """Codes starting with ``prefix``, as a range on the primary key (indexed)."""
    condition = TariffLine.hs_code >= prefix
    if set(prefix) != {"9"}:
        upper = str(int(prefix) + 1).zfill(len(prefix))
        condition = and_(condition, TariffLine.hs_code < upper)
    return condition


async def tariff_lines_page(
    session: AsyncSession,
    params: PageParams,
    *,
    on: dt.date,
    q: str | None = None,
    chapter: str | None = None,
    heading: str | None = None,
) -> list[TariffLine]:
    stmt: Select[Any] = (
        select(TariffLine).options(selectinload(TariffLine.rates)).where(in_force(TariffLine, on))
    )
    if chapter:
        stmt = stmt.where(TariffLine.chapter == chapter)
    if heading:
        stmt = stmt.where(TariffLine.heading == heading)
    if q:
        digits = normalise(q).replace(" ", "").replace(".", "")
        if digits.isascii() and digits.isdigit():
            stmt = stmt.where(_hs_prefix(digits[:8]) if len(digits) <= 8 else false())
        else:
            stmt = stmt.where(*_like_terms(TariffLine.search_text, q))
    return await fetch_page(session, stmt, order_by=[TariffLine.hs_code], params=params)


# ------------------------------------------------------------------ catalogues


async def sources(session: AsyncSession) -> list[ReferenceSource]:
    return list((await session.scalars(select(ReferenceSource).order_by(ReferenceSource.id))).all())


async def data_sets(session: AsyncSession) -> list[ReferenceDataSet]:
    return list((await session.scalars(select(ReferenceDataSet).order_by(ReferenceDataSet.id))).all())


async def permit_kinds(session: AsyncSession) -> list[PermitKind]:
    return list((await session.scalars(select(PermitKind).order_by(PermitKind.id))).all())


async def incoterms(session: AsyncSession) -> list[Incoterm]:
    return list((await session.scalars(select(Incoterm).order_by(Incoterm.position))).all())


# ------------------------------------------------------------------ provinces and customs offices


async def provinces(session: AsyncSession) -> list[Province]:
    return list((await session.scalars(select(Province).order_by(Province.id))).all())


_OFFICE_ORDER = (CustomsOffice.province_id, CustomsOffice.head.desc(), CustomsOffice.id)


async def customs_offices(
    session: AsyncSession,
    *,
    province: str | None = None,
    kind: str | None = None,
    border: str | None = None,
    clears_cars: bool | None = None,
    q: str | None = None,
) -> list[CustomsOffice]:
    stmt = select(CustomsOffice)
    if province:
        stmt = stmt.where(CustomsOffice.province_id == province)
    if kind:
        stmt = stmt.where(CustomsOffice.kind == kind)
    if border:
        stmt = stmt.where(CustomsOffice.neighbour == border)
    if clears_cars is not None:
        stmt = stmt.where(CustomsOffice.clears_cars.is_(clears_cars))
    if q:
        stmt = stmt.where(*_like_terms(CustomsOffice.search_text, q))
    return list((await session.scalars(stmt.order_by(*_OFFICE_ORDER))).all())


async def customs_office(session: AsyncSession, ref: str) -> CustomsOffice | None:
    """By slug id (``bazargan``) or 5-digit code (``30300``)."""
    column = CustomsOffice.code if ref.isdigit() else CustomsOffice.id
    return await session.scalar(select(CustomsOffice).where(column == ref))


# ------------------------------------------------------------------ FIDA sellers


async def seller(session: AsyncSession, fida_id: str, *, include_sandbox: bool) -> ForeignSeller | None:
    stmt = select(ForeignSeller).where(ForeignSeller.fida_id == fida_id)
    if not include_sandbox:
        stmt = stmt.where(ForeignSeller.sandbox.is_(False))
    return await session.scalar(stmt)


def _insert_taking_over_sandbox(model: Any, values: dict[str, Any], key: list[str]) -> Any:
    """INSERT, or take over a sandbox demo row with the same key (never a real one); RETURNING the row."""
    stmt = insert(model).values(**values)
    table = model.__table__
    changed = {name: stmt.excluded[name] for name in values if name not in key}
    return stmt.on_conflict_do_update(
        index_elements=key,
        set_=changed,
        where=and_(table.c.origin == "file", table.c.sandbox.is_(True)),
    ).returning(model)


async def add_seller(session: AsyncSession, values: dict[str, Any]) -> ForeignSeller | None:
    """The new seller, or None when a real seller holds the FIDA ID."""
    stmt = _insert_taking_over_sandbox(ForeignSeller, values, ["fida_id"])
    return await session.scalar(stmt, execution_options={"populate_existing": True})


# ------------------------------------------------------------------ car brands and models


async def car_brands(
    session: AsyncSession, *, include_sandbox: bool
) -> list[tuple[CarBrand, list[CarModel]]]:
    brand_stmt = select(CarBrand).order_by(CarBrand.id)
    model_stmt = select(CarModel).order_by(CarModel.brand_id, CarModel.id)
    if not include_sandbox:
        brand_stmt = brand_stmt.where(CarBrand.sandbox.is_(False))
        model_stmt = model_stmt.where(CarModel.sandbox.is_(False))
    brands = list((await session.scalars(brand_stmt)).all())
    models: dict[str, list[CarModel]] = {}
    for model in (await session.scalars(model_stmt)).all():
        models.setdefault(model.brand_id, []).append(model)
    return [(brand, models.get(brand.id, [])) for brand in brands]


async def car_brand(session: AsyncSession, brand_id: str, *, include_sandbox: bool) -> CarBrand | None:
    stmt = select(CarBrand).where(CarBrand.id == brand_id)
    if not include_sandbox:
        stmt = stmt.where(CarBrand.sandbox.is_(False))
    return await session.scalar(stmt)


async def add_car_brand(session: AsyncSession, values: dict[str, Any]) -> CarBrand | None:
    """The new brand, or None when a real brand holds the id."""
    stmt = _insert_taking_over_sandbox(CarBrand, values, ["id"])
    return await session.scalar(stmt, execution_options={"populate_existing": True})


async def add_car_model(session: AsyncSession, values: dict[str, Any]) -> CarModel | None:
    """The new model, or None when a real model of the brand holds the id."""
    stmt = _insert_taking_over_sandbox(CarModel, values, ["brand_id", "id"])
    return await session.scalar(stmt, execution_options={"populate_existing": True})


async def car_model_on_list(
    session: AsyncSession, brand_id: str, model_id: str, *, include_sandbox: bool
) -> bool:
    """Whether the brand and model are on the allowed list (for the car-import eligibility check)."""
    stmt = (
        select(CarModel.id)
        .join(CarBrand, CarBrand.id == CarModel.brand_id)
        .where(CarModel.brand_id == brand_id, CarModel.id == model_id)
    )
    if not include_sandbox:
        stmt = stmt.where(CarBrand.sandbox.is_(False), CarModel.sandbox.is_(False))
    return await session.scalar(stmt) is not None
