"""Reference data as the API shows it, and the admin additions. Flush, never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from orders_client.reference import (
    CarBrandCreate,
    CarBrandOut,
    CarModelCreate,
    CarModelOut,
    CustomsOfficeOut,
    DutyRateOut,
    IncotermOut,
    IssuingBody,
    OfficeSummary,
    PermitKindOut,
    ProhibitionOut,
    ProvinceOut,
    ProvinceRef,
    ReferenceDataSetOut,
    RequiredPermit,
    SellerCreate,
    SellerOut,
    SourceRef,
    TariffLineOut,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Principal
from kit.jalali import jalali
from kit.money import decimal_string
from orders.reference import iso, repository
from orders.reference.exceptions import (
    CarBrandAlreadyListed,
    CarBrandNotFound,
    CarModelAlreadyListed,
    SellerAlreadyRegistered,
)
from orders.reference.models import (
    CarBrand,
    CarModel,
    CustomsOffice,
    ForeignSeller,
    Incoterm,
    PermitKind,
    Province,
    ReferenceDataSet,
    TariffLine,
    TariffRate,
)
from orders.reference.text import hs_display


@dataclass(frozen=True)
class Catalogue:
    """Sources, permit kinds and customs offices, read once at start-up (they change only with a
    migration)."""

    sources: dict[str, SourceRef]
    permit_kinds: dict[str, PermitKind]
    offices: dict[str, str]  # slug id or 5-digit code -> slug id

    def office_id(self, ref: str) -> str | None:
        """A customs office by slug id (``bazargan``) or 5-digit code (``30300``)."""
        return self.offices.get(ref)

    def refs(self, ids: list[str] | None) -> list[SourceRef]:
        return [self.sources[i] for i in ids or [] if i in self.sources]


async def load_catalogue(session: AsyncSession) -> Catalogue:
    sources = {
        s.id: SourceRef(id=s.id, title=s.title, url=s.url, confidence=s.confidence)  # type: ignore[arg-type]
        for s in await repository.sources(session)
    }
    offices: dict[str, str] = {}
    for office in await repository.customs_offices(session):
        offices[office.id] = office.id
        if office.code:
            offices[office.code] = office.id
    return Catalogue(
        sources=sources,
        permit_kinds={p.id: p for p in await repository.permit_kinds(session)},
        offices=offices,
    )


def _dates(valid_from: dt.date | None, valid_to: dt.date | None) -> dict[str, Any]:
    return {
        "valid_from": valid_from,
        "valid_from_jalali": jalali(valid_from),
        "valid_to": valid_to,
        "valid_to_jalali": jalali(valid_to),
    }


# ------------------------------------------------------------------ tariff lines


def _in_force(rate: TariffRate, day: dt.date) -> bool:
    return (rate.valid_from is None or rate.valid_from <= day) and (
        rate.valid_to is None or rate.valid_to >= day
    )


def rate_on(rates: list[TariffRate], day: dt.date) -> TariffRate | None:
    """The rate in force on ``day``: a dated rate wins over an undated one, the latest start first."""
    candidates = [r for r in rates if _in_force(r, day)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.valid_from is not None, r.valid_from or dt.date.min, -r.seq))


def _rate_out(rate: TariffRate, catalogue: Catalogue) -> DutyRateOut:
    return DutyRateOut(
        rate_percent=decimal_string(rate.rate_percent),
        confidence=rate.confidence,  # type: ignore[arg-type]
        verified=rate.verified,
        sources=catalogue.refs(rate.sources),
        note=rate.note,
        **_dates(rate.valid_from, rate.valid_to),
    )


def issuing_body(kind: PermitKind) -> IssuingBody:
    return IssuingBody(id=kind.issuing_body_id, name_en=kind.issuing_body_en, name_fa=kind.issuing_body_fa)


def required_permits(line: TariffLine, catalogue: Catalogue) -> list[RequiredPermit]:
    """The permits the line needs, with their issuing bodies (for an order line's answer too)."""
    permits = []
    for kind_id in line.permits:
        kind = catalogue.permit_kinds[kind_id]
        permits.append(
            RequiredPermit(
                kind=kind.id, name_en=kind.name_en, name_fa=kind.name_fa, issuing_body=issuing_body(kind)
            )
        )
    return permits


def prohibition(line: TariffLine, catalogue: Catalogue) -> ProhibitionOut | None:
    if not line.prohibited:
        return None
    return ProhibitionOut(
        group=line.prohibition_group,  # type: ignore[arg-type]
        reason_en=line.prohibition_reason_en or "",
        reason_fa=line.prohibition_reason_fa or "",
        confidence=line.prohibition_confidence,  # type: ignore[arg-type]
        verified=False,
        sources=catalogue.refs(line.prohibition_sources),
    )


def tariff_line_out(line: TariffLine, day: dt.date, catalogue: Catalogue) -> TariffLineOut:
    current = rate_on(line.rates, day)
    return TariffLineOut(
        hs_code=line.hs_code,
        hs_code_display=hs_display(line.hs_code),
        chapter=line.chapter,
        heading=line.heading,
        subheading=line.subheading,
        description_fa=line.description_fa,
        description_en=line.description_en,
        unit=line.unit,  # type: ignore[arg-type]
        duty_rate=_rate_out(current, catalogue) if current else None,
        duty_rates=[_rate_out(r, catalogue) for r in line.rates],
        duty_category=line.duty_category,  # type: ignore[arg-type]
        duty_category_confidence=line.duty_category_confidence,  # type: ignore[arg-type]
        permits=required_permits(line, catalogue),
        permits_confidence=line.permits_confidence,  # type: ignore[arg-type]
        prohibited=line.prohibited,
        prohibition=prohibition(line, catalogue),
        currency_group=line.currency_group,  # type: ignore[arg-type]
        note=line.note,
        confidence=line.confidence,  # type: ignore[arg-type]
        verified=line.verified,
        sources=catalogue.refs(line.sources),
        **_dates(line.valid_from, line.valid_to),
    )


# ------------------------------------------------------------------ catalogues


def permit_kind_out(kind: PermitKind, catalogue: Catalogue) -> PermitKindOut:
    return PermitKindOut(
        id=kind.id,
        name_en=kind.name_en,
        name_fa=kind.name_fa,
        issuing_body=issuing_body(kind),
        legal_basis=kind.legal_basis,
        confidence=kind.confidence,  # type: ignore[arg-type]
        sources=catalogue.refs(kind.sources),
    )


def data_set_out(row: ReferenceDataSet, catalogue: Catalogue) -> ReferenceDataSetOut:
    return ReferenceDataSetOut(
        id=row.id,
        title=row.title,
        title_fa=row.title_fa,
        stored=True,
        item_count=row.item_count,
        note=row.note,
        content_hash=row.content_hash,
        loaded_at=row.loaded_at,
        confidence=row.confidence,  # type: ignore[arg-type]
        verified=row.verified,
        sources=catalogue.refs(row.sources),
        **_dates(row.valid_from, row.valid_to),
    )


def iso_sets() -> list[ReferenceDataSetOut]:
    """Countries and currencies: built from pycountry, not stored."""
    source = SourceRef(
        id="pycountry", title=iso.source(), url="https://pypi.org/project/pycountry/", confidence="H"
    )
    return [
        ReferenceDataSetOut(
            id="countries",
            title="Countries (ISO 3166-1)",
            title_fa="کشورها (ایزو ۳۱۶۶-۱)",
            stored=False,
            item_count=len(iso.countries()),
            confidence="H",
            verified=True,
            sources=[source],
        ),
        ReferenceDataSetOut(
            id="currencies",
            title="Currencies (ISO 4217)",
            title_fa="ارزها (ایزو ۴۲۱۷)",
            stored=False,
            item_count=len(iso.currencies()),
            confidence="H",
            verified=True,
            sources=[source],
        ),
    ]


def incoterm_out(row: Incoterm) -> IncotermOut:
    return IncotermOut(
        code=row.code,
        name_en=row.name_en,
        name_fa=row.name_fa,
        mode_group=row.mode_group,  # type: ignore[arg-type]
        seller_pays_main_carriage=row.seller_pays_main_carriage,
        seller_insures=row.seller_insures,
        seller_clears_import=row.seller_clears_import,
        place=row.place,
    )


# ------------------------------------------------------------------ provinces and offices


def province_ref(province: Province) -> ProvinceRef:
    return ProvinceRef(id=province.id, name_fa=province.name_fa, name_en=province.name_en)


def office_out(office: CustomsOffice, province: Province, catalogue: Catalogue) -> CustomsOfficeOut:
    return CustomsOfficeOut(
        id=office.id,
        code=office.code,
        name_fa=office.name_fa,
        name_en=office.name_en,
        province=province_ref(province),
        kind=office.kind,  # type: ignore[arg-type]
        head=office.head,
        parent_id=office.parent_id,
        neighbour=office.neighbour,
        neighbour_name=iso.country_name(office.neighbour),
        modes=office.modes,  # type: ignore[arg-type]
        main_transit=office.main_transit,
        clears_cars=office.clears_cars,
        note=office.note,
        confidence=office.confidence,  # type: ignore[arg-type]
        verified=office.verified,
        sources=catalogue.refs(office.sources),
    )


def provinces_out(provinces: list[Province], offices: list[CustomsOffice]) -> list[ProvinceOut]:
    by_province: dict[str, list[CustomsOffice]] = {}
    for office in offices:
        by_province.setdefault(office.province_id, []).append(office)
    result = []
    for province in provinces:
        members = by_province.get(province.id, [])
        head = next((o.id for o in members if o.head), None)
        result.append(
            ProvinceOut(
                **province_ref(province).model_dump(),
                head_office_id=head,
                offices=[
                    OfficeSummary(
                        id=o.id,
                        code=o.code,
                        name_fa=o.name_fa,
                        name_en=o.name_en,
                        kind=o.kind,  # type: ignore[arg-type]
                        head=o.head,
                        neighbour=o.neighbour,
                    )
                    for o in members
                ],
            )
        )
    return result


# ------------------------------------------------------------------ sellers


def seller_out(row: ForeignSeller) -> SellerOut:
    return SellerOut(
        fida_id=row.fida_id,
        name=row.name,
        name_fa=row.name_fa,
        country=row.country,
        country_name=iso.country_name(row.country),
        sandbox=row.sandbox,
        confidence=row.confidence,  # type: ignore[arg-type]
        created_at=row.created_at,
    )


def _admin_entry(principal: Principal) -> dict[str, Any]:
    """What every admin addition records: a real, verified entry, by whom."""
    return {
        "origin": "admin",
        "sandbox": False,
        "sources": [],
        "confidence": "H",
        "created_by": principal.rate_limit_key,
    }


async def register_seller(session: AsyncSession, data: SellerCreate, principal: Principal) -> ForeignSeller:
    entry = _admin_entry(principal)
    values = {
        "fida_id": data.fida_id,
        "name": data.name,
        "name_fa": data.name_fa,
        "country": data.country,
        **entry,
    }
    row = await repository.add_seller(session, values)
    if row is None:
        raise SellerAlreadyRegistered(data.fida_id)
    return row


# ------------------------------------------------------------------ car brands


def car_model_out(row: CarModel) -> CarModelOut:
    return CarModelOut(
        brand_id=row.brand_id,
        id=row.id,
        name=row.name,
        name_fa=row.name_fa,
        sandbox=row.sandbox,
        verified=row.verified,
        confidence=row.confidence,  # type: ignore[arg-type]
    )


def car_brand_out(row: CarBrand, models: list[CarModel]) -> CarBrandOut:
    return CarBrandOut(
        id=row.id,
        name=row.name,
        name_fa=row.name_fa,
        sandbox=row.sandbox,
        verified=row.verified,
        confidence=row.confidence,  # type: ignore[arg-type]
        models=[car_model_out(m) for m in models],
    )


async def add_car_brand(session: AsyncSession, data: CarBrandCreate, principal: Principal) -> CarBrand:
    values = {
        "id": data.id,
        "name": data.name,
        "name_fa": data.name_fa,
        "verified": True,
        **_admin_entry(principal),
    }
    row = await repository.add_car_brand(session, values)
    if row is None:
        raise CarBrandAlreadyListed(data.id)
    return row


async def add_car_model(
    session: AsyncSession, brand_id: str, data: CarModelCreate, principal: Principal, *, include_sandbox: bool
) -> CarModel:
    if await repository.car_brand(session, brand_id, include_sandbox=include_sandbox) is None:
        raise CarBrandNotFound(brand_id)
    values = {
        "brand_id": brand_id,
        "id": data.id,
        "name": data.name,
        "name_fa": data.name_fa,
        "verified": True,
        **_admin_entry(principal),
    }
    row = await repository.add_car_model(session, values)
    if row is None:
        raise CarModelAlreadyListed(brand_id, data.id)
    return row
