"""Reference-data endpoints.

Public (no token): the tariff book, permit kinds, provinces and customs
offices, Incoterms, countries, currencies, the allowed car brands and the data
sets' sources. They are public information (the tariff book is law and is
published; IRICA publishes its offices; the rest are standards) and carry no
personal data, so developers can read them before they hold credentials.
A token is needed for FIDA seller look-ups (a registry of businesses, not
published), and the `admin` scope for additions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from orders_client.reference import (
    OFFICE_REF_PATTERN,
    PROVINCE_PATTERN,
    SLUG_PATTERN,
    CarBrandCreate,
    CarBrandList,
    CarBrandOut,
    CarModelCreate,
    CarModelOut,
    CountryList,
    CurrencyList,
    CustomsOfficeList,
    CustomsOfficeOut,
    IncotermList,
    OfficeKind,
    PermitKindList,
    ProvinceList,
    ReferenceDataOverview,
    SellerCreate,
    SellerOut,
    TariffLineOut,
    TariffLinePage,
)

from kit.auth import Principal, PrincipalDep, require_scope
from kit.clock import today_tehran
from kit.db import SessionDep
from kit.errors import Forbidden, InvalidCursor, problem_responses
from kit.idempotency import IdempotentRoute
from kit.jalali import DATE_PATTERN, DateError, jalali, parse_date
from kit.pagination import PageParams, page_of, page_params
from kit.runtime import RuntimeDep
from kit.urls import public_location
from orders.reference import iso, repository, service
from orders.reference.exceptions import (
    CarBrandAlreadyListed,
    CarBrandNotFound,
    CarModelAlreadyListed,
    CustomsOfficeNotFound,
    InvalidDay,
    SellerAlreadyRegistered,
    SellerNotFound,
    TariffLineNotFound,
)
from orders.reference.service import Catalogue
from orders.state import orders_state
from panjereh_contract.identifiers import FidaSellerId, HsCode
from panjereh_contract.types import SINGLE_LINE_PATTERN

router = APIRouter(tags=["reference data"], route_class=IdempotentRoute)

AdminDep = Annotated[Principal, require_scope("admin")]
PUBLIC_CACHE = "public, max-age=300"


async def _catalogue(request: Request) -> Catalogue:
    return orders_state(request).reference_catalogue


CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]


async def _sandbox(rt: RuntimeDep) -> bool:
    return bool(rt.settings.sandbox)


SandboxDep = Annotated[bool, Depends(_sandbox)]

OnQuery = Annotated[
    str | None,
    Query(
        pattern=DATE_PATTERN,
        description="The day the data must be in force on: `2024-06-01`, or Jalali `1403-03-12` / "
        "`1403/03/12` (a year before 1700 is read as Jalali); Persian digits accepted. Default: today "
        "in Asia/Tehran.",
        examples=["2025-06-01"],
    ),
]


def _day(on: str | None) -> dt.date:
    if on is None:
        return today_tehran()
    try:
        return parse_date(on)
    except DateError as exc:
        raise InvalidDay("on", str(exc)) from exc


SearchQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        pattern=SINGLE_LINE_PATTERN,
        description="Words to find (Persian or English; Arabic ي/ك and Persian digits are accepted).",
    ),
]


# ------------------------------------------------------------------ overview


@router.get(
    "/v1/reference-data",
    summary="Reference data sets, their sources and confidence",
    response_model=ReferenceDataOverview,
)
async def reference_data(
    session: SessionDep, catalogue: CatalogueDep, response: Response
) -> ReferenceDataOverview:
    """Every reference data set: where it comes from, how sure it is (H high, M medium, L low,
    G guess), whether it was verified, the dates it is valid for, how many items it holds and the
    hash of its content as loaded by migration. Countries and currencies are built from pycountry
    and not stored. `sources` is the catalogue every row's `sources` refer to."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    sets = [service.data_set_out(row, catalogue) for row in await repository.data_sets(session)]
    return ReferenceDataOverview(sets=[*sets, *service.iso_sets()], sources=list(catalogue.sources.values()))


# ------------------------------------------------------------------ tariff lines


@router.get(
    "/v1/tariff-lines",
    summary="Search the tariff book",
    response_model=TariffLinePage,
    responses=problem_responses(InvalidCursor, InvalidDay),
)
async def search_tariff_lines(
    session: SessionDep,
    catalogue: CatalogueDep,
    request: Request,
    response: Response,
    page: Annotated[PageParams, Depends(page_params)],
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=SINGLE_LINE_PATTERN,
            description="A code prefix (`8703`, `8517 13`, Persian digits too) or words of the Persian "
            "or English description (`یخچال`, `rice`); every word must match.",
        ),
    ] = None,
    chapter: Annotated[str | None, Query(pattern=r"^[0-9]{2}$", description="Two-digit chapter.")] = None,
    heading: Annotated[str | None, Query(pattern=r"^[0-9]{4}$", description="Four-digit heading.")] = None,
    on: OnQuery = None,
) -> TariffLinePage:
    """Tariff lines in force on the day, in code order, paginated. Each line shows the permits it
    requires, whether it is prohibited and why, its 1404 duty category and its tariff-book rate
    where a source gives one. The book here is a working subset; see `GET /v1/reference-data`."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    day = _day(on)
    rows = await repository.tariff_lines_page(session, page, on=day, q=q, chapter=chapter, heading=heading)
    items, next_url = page_of(rows, params=page, request=request, key_of=lambda line: (line.hs_code,))
    return TariffLinePage(items=[service.tariff_line_out(r, day, catalogue) for r in items], next=next_url)


@router.get(
    "/v1/tariff-lines/{hs_code}",
    summary="One tariff line: permits, prohibition, duty category",
    response_model=TariffLineOut,
    responses=problem_responses(TariffLineNotFound, InvalidDay),
)
async def get_tariff_line(
    hs_code: Annotated[HsCode, Path(description="The 8-digit national line, e.g. 10011910 or 1001 19 10.")],  # type: ignore[valid-type]
    session: SessionDep,
    catalogue: CatalogueDep,
    response: Response,
    on: OnQuery = None,
) -> TariffLineOut:
    """The line in force on the day (today by default): 404 when the tariff book has no such line
    then, 422 when the code is not 8 digits."""
    day = _day(on)
    line = await repository.tariff_line(session, hs_code, on=day)
    if line is None:
        raise TariffLineNotFound(hs_code)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return service.tariff_line_out(line, day, catalogue)


@router.get(
    "/v1/permit-kinds", summary="Permit kinds and their issuing bodies", response_model=PermitKindList
)
async def list_permit_kinds(catalogue: CatalogueDep, response: Response) -> PermitKindList:
    """The permits a tariff line may require (standards, food and drug, veterinary, plant
    quarantine, environment, telecom, defence) and who issues each."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return PermitKindList(
        items=[service.permit_kind_out(k, catalogue) for k in catalogue.permit_kinds.values()]
    )


# ------------------------------------------------------------------ provinces and customs offices


@router.get(
    "/v1/provinces",
    summary="Provinces with their customs offices",
    response_model=ProvinceList,
)
async def list_provinces(session: SessionDep, response: Response) -> ProvinceList:
    """The 31 provinces (ISO 3166-2 codes) with their customs offices and entry borders, the
    province's supervisory unit first (`head_office_id`, null where not known): the hierarchy
    transit uses, where each province's head monitors the offices under it."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    provinces = await repository.provinces(session)
    offices = await repository.customs_offices(session)
    return ProvinceList(items=service.provinces_out(provinces, offices))


@router.get(
    "/v1/customs-offices",
    summary="Customs offices and entry borders",
    response_model=CustomsOfficeList,
    responses=problem_responses(422),
)
async def list_customs_offices(
    session: SessionDep,
    catalogue: CatalogueDep,
    response: Response,
    province: Annotated[
        str | None, Query(pattern=PROVINCE_PATTERN, description="ISO 3166-2 province code, e.g. IR-04.")
    ] = None,
    kind: Annotated[OfficeKind | None, Query(description="Kind of office.")] = None,
    border: Annotated[
        str | None,
        Query(pattern=r"^[A-Z]{2}$", description="Land borders with this neighbour (ISO alpha-2), e.g. TR."),
    ] = None,
    clears_cars: Annotated[
        bool | None, Query(description="Only offices known to clear (or not) cars.")
    ] = None,
    q: SearchQuery = None,
) -> CustomsOfficeList:
    """All matching offices (the list is small, not paginated), by province, head unit first.
    Codes are 5 digits where known (L–M confidence); offices without one have only their `id`."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    offices = await repository.customs_offices(
        session, province=province, kind=kind, border=border, clears_cars=clears_cars, q=q
    )
    provinces = {p.id: p for p in await repository.provinces(session)}
    return CustomsOfficeList(
        items=[service.office_out(o, provinces[o.province_id], catalogue) for o in offices]
    )


@router.get(
    "/v1/customs-offices/{office_id}",
    summary="One customs office",
    response_model=CustomsOfficeOut,
    responses=problem_responses(422, CustomsOfficeNotFound),
)
async def get_customs_office(
    office_id: Annotated[
        str,
        Path(
            max_length=60,
            pattern=OFFICE_REF_PATTERN,
            description="The office's id (`bazargan`) or 5-digit code.",
        ),
    ],
    session: SessionDep,
    catalogue: CatalogueDep,
    response: Response,
) -> CustomsOfficeOut:
    """The office by its slug id or its 5-digit customs code."""
    office = await repository.customs_office(session, office_id)
    if office is None:
        raise CustomsOfficeNotFound(office_id)
    province = next(p for p in await repository.provinces(session) if p.id == office.province_id)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return service.office_out(office, province, catalogue)


# ------------------------------------------------------------------ Incoterms, countries, currencies


@router.get("/v1/incoterms", summary="Incoterms 2020", response_model=IncotermList)
async def list_incoterms(session: SessionDep, response: Response) -> IncotermList:
    """The 11 rules of Incoterms 2020: the mode of transport they suit (`any`, or `sea` and inland
    waterway), and whether the seller pays the main carriage and insures (what an FOB value must
    take out of the price)."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    start = dt.date(2020, 1, 1)
    return IncotermList(
        valid_from=start,
        valid_from_jalali=jalali(start),
        items=[service.incoterm_out(row) for row in await repository.incoterms(session)],
    )


@router.get("/v1/countries", summary="Countries (ISO 3166-1)", response_model=CountryList)
async def list_countries(response: Response) -> CountryList:
    """Every ISO 3166-1 country: alpha-2, alpha-3, numeric code, English and Persian names
    (pycountry; built at start-up, not stored)."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return CountryList(source=iso.source(), items=list(iso.countries()))


@router.get("/v1/currencies", summary="Currencies (ISO 4217)", response_model=CurrencyList)
async def list_currencies(response: Response) -> CurrencyList:
    """Every ISO 4217 code (pycountry; not stored). `tradable` is false for precious metals, funds,
    units of account and the testing and no-currency codes: a proforma is priced in a tradable one."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return CurrencyList(source=iso.source(), items=list(iso.currencies()))


# ------------------------------------------------------------------ FIDA sellers


@router.get(
    "/v1/sellers/{fida_id}",
    summary="Resolve a FIDA seller ID to the seller",
    response_model=SellerOut,
    responses=problem_responses(401, 422, SellerNotFound),
)
async def get_seller(
    fida_id: Annotated[FidaSellerId, Path(description="The seller's FIDA ID: 10 to 12 digits.")],  # type: ignore[valid-type]
    session: SessionDep,
    _: PrincipalDep,
    sandbox: SandboxDep,
) -> SellerOut:
    """The foreign seller registered with this FIDA ID (شناسه فروشنده خارجی): name and country.
    Any authenticated caller. Demo sellers (`sandbox: true`, IDs starting 9999) exist only when
    the sandbox is on."""
    row = await repository.seller(session, fida_id, include_sandbox=sandbox)
    if row is None:
        raise SellerNotFound(fida_id)
    return service.seller_out(row)


@router.post(
    "/v1/sellers",
    status_code=201,
    summary="Register a foreign seller (admin)",
    response_model=SellerOut,
    responses=problem_responses(401, 422, Forbidden, SellerAlreadyRegistered),
)
async def register_seller(
    data: Annotated[SellerCreate, Body()],
    session: SessionDep,
    admin: AdminDep,
    request: Request,
    response: Response,
) -> SellerOut:
    """Adds a seller to the FIDA registry; needs the `admin` scope. The ID is 10 to 12 digits
    (Persian digits accepted); a registered ID is 409. Accepts `Idempotency-Key`."""
    row = await service.register_seller(session, data, admin)
    response.headers["Location"] = public_location(request, f"/v1/sellers/{row.fida_id}")
    return service.seller_out(row)


# ------------------------------------------------------------------ car brands


@router.get(
    "/v1/car-brands",
    summary="Car brands and models allowed for the Iranians-abroad car import",
    response_model=CarBrandList,
)
async def list_car_brands(session: SessionDep, sandbox: SandboxDep, response: Response) -> CarBrandList:
    """The brands and models on the ministry's allowed list (seed 001). The list itself was not
    found: an admin enters it. With the sandbox on, a demo list (`sandbox: true`, unverified) is
    shown too."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    brands = await repository.car_brands(session, include_sandbox=sandbox)
    return CarBrandList(items=[service.car_brand_out(brand, models) for brand, models in brands])


@router.post(
    "/v1/car-brands",
    status_code=201,
    summary="Add a car brand to the allowed list (admin)",
    response_model=CarBrandOut,
    responses=problem_responses(401, 422, Forbidden, CarBrandAlreadyListed),
)
async def add_car_brand(
    data: Annotated[CarBrandCreate, Body()],
    session: SessionDep,
    admin: AdminDep,
    request: Request,
    response: Response,
) -> CarBrandOut:
    """Adds a brand (without models: add them one by one); needs the `admin` scope. A listed id is
    409; an id held by a demo (sandbox) entry is taken over. Accepts `Idempotency-Key`."""
    row = await service.add_car_brand(session, data, admin)
    response.headers["Location"] = public_location(request, "/v1/car-brands")
    return service.car_brand_out(row, [])


@router.post(
    "/v1/car-brands/{brand_id}/models",
    status_code=201,
    summary="Add a model of an allowed brand (admin)",
    response_model=CarModelOut,
    responses=problem_responses(401, 422, Forbidden, CarBrandNotFound, CarModelAlreadyListed),
)
async def add_car_model(
    brand_id: Annotated[str, Path(max_length=60, pattern=SLUG_PATTERN, description="The brand's id.")],
    data: Annotated[CarModelCreate, Body()],
    session: SessionDep,
    admin: AdminDep,
    sandbox: SandboxDep,
    request: Request,
    response: Response,
) -> CarModelOut:
    """Adds a model under a brand on the list (404 when the brand is not); needs the `admin` scope.
    A listed model is 409. Accepts `Idempotency-Key`."""
    row = await service.add_car_model(session, brand_id, data, admin, include_sandbox=sandbox)
    response.headers["Location"] = public_location(request, "/v1/car-brands")
    return service.car_model_out(row)
