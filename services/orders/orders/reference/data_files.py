"""The reference data files (``data/*.yaml``), read and validated.

The files are the source of truth; ``loading.sync`` writes them into the
``orders`` schema. Each file has a ``set`` header (title, sources, confidence,
verified, valid_from/valid_to, note) and its rows; every row names its sources
by id (``sources.yaml``) and says how sure it is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pycountry
from orders_client.reference import (
    SLUG_PATTERN,
    Confidence,
    CurrencyGroup,
    DutyCategory,
    ModeGroup,
    OfficeKind,
    ProhibitionGroup,
    SupplementaryUnit,
    TransportMode,
)
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from kit import data_files
from kit.data_files import DataFileError
from orders.reference.text import search_text

DATA_DIR = Path(__file__).resolve().parent / "data"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
HsCode8 = Annotated[str, StringConstraints(pattern=r"^(?:0[1-9]|[1-9][0-9])[0-9]{6}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SetHeader(_Strict):
    id: Slug
    title: Text
    title_fa: Text
    sources: list[Slug]
    confidence: Confidence
    verified: bool
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: Text | None = None


class SourceEntry(_Strict):
    id: Slug
    title: Text
    url: Text | None = None
    confidence: Confidence
    note: Text | None = None


class PermitKindEntry(_Strict):
    id: Slug
    name_en: Text
    name_fa: Text
    issuing_body_id: Slug
    issuing_body_en: Text
    issuing_body_fa: Text
    legal_basis: Text
    sources: list[Slug]
    confidence: Confidence


class RateEntry(_Strict):
    rate_percent: Decimal
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sources: list[Slug]
    confidence: Confidence
    verified: bool = False
    note: Text | None = None

    @model_validator(mode="after")
    def _dates(self) -> RateEntry:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.rate_percent < 0:
            raise ValueError("a rate is not negative")
        return self


class ProhibitionEntry(_Strict):
    group: ProhibitionGroup
    reason_en: Text
    reason_fa: Text
    sources: list[Slug]
    confidence: Confidence


class TariffLineEntry(_Strict):
    hs_code: HsCode8
    description_fa: Text
    description_en: Text
    unit: SupplementaryUnit
    duty_category: DutyCategory | None = None
    duty_category_confidence: Confidence | None = None
    permits: list[Slug] = []
    permits_confidence: Confidence | None = None
    prohibition: ProhibitionEntry | None = None
    currency_group: CurrencyGroup | None = None
    rates: list[RateEntry] = []
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sources: list[Slug]
    confidence: Confidence
    verified: bool = False
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TariffLineEntry:
        if (self.duty_category is None) != (self.duty_category_confidence is None):
            raise ValueError("duty_category and duty_category_confidence go together")
        if bool(self.permits) != (self.permits_confidence is not None):
            raise ValueError("permits and permits_confidence go together")
        if len(set(self.permits)) != len(self.permits):
            raise ValueError("a permit is listed twice")
        return self


class ProvinceEntry(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^IR-[0-9]{2}$")]
    name_fa: Text
    name_en: Text


class OfficeEntry(_Strict):
    id: Slug
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")] | None
    name_fa: Text
    name_en: Text
    province: str
    kind: OfficeKind
    head: bool = False
    neighbour: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    modes: list[TransportMode] = []
    main_transit: bool = False
    clears_cars: bool | None = None
    sources: list[Slug] | None = None  # the set's sources when omitted
    confidence: Confidence
    verified: bool = False
    note: Text | None = None


class IncotermEntry(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    name_en: Text
    name_fa: Text
    mode_group: ModeGroup
    seller_pays_main_carriage: bool
    seller_insures: bool
    seller_clears_import: bool
    place: Text


class SellerEntry(_Strict):
    fida_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{10,12}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    name_fa: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class CarModelEntry(_Strict):
    id: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    name_fa: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class CarBrandEntry(_Strict):
    id: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    name_fa: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    models: list[CarModelEntry] = []


class SourcesFile(_Strict):
    set: SetHeader
    sources: list[SourceEntry]


class PermitKindsFile(_Strict):
    set: SetHeader
    permit_kinds: list[PermitKindEntry]


class TariffLinesFile(_Strict):
    set: SetHeader
    prohibitions: dict[str, ProhibitionEntry] = {}  # YAML anchors, used by the lines
    lines: list[TariffLineEntry]


class CustomsOfficesFile(_Strict):
    set: SetHeader
    provinces: list[ProvinceEntry]
    offices: list[OfficeEntry]


class IncotermsFile(_Strict):
    set: SetHeader
    incoterms: list[IncotermEntry]


class SellersFile(_Strict):
    set: SetHeader
    sellers: list[SellerEntry]


class CarBrandsFile(_Strict):
    set: SetHeader
    brands: list[CarBrandEntry]


# file name -> its model; the order is the order sets are loaded in.
FILES: dict[str, type[_Strict]] = {
    "sources.yaml": SourcesFile,
    "permit-kinds.yaml": PermitKindsFile,
    "customs-offices.yaml": CustomsOfficesFile,
    "tariff-lines.yaml": TariffLinesFile,
    "incoterms-2020.yaml": IncotermsFile,
    "sellers-sandbox.yaml": SellersFile,
    "car-brands.yaml": CarBrandsFile,
}


@dataclass(frozen=True)
class DataSet:
    """One file's set, with the rows it puts in each table."""

    file_name: str
    header: SetHeader
    rows: dict[str, list[dict[str, Any]]]
    item_count: int
    content_hash: str = field(default="")


@dataclass(frozen=True)
class ReferenceData:
    sets: dict[str, DataSet]

    def rows(self, table: str) -> list[dict[str, Any]]:
        return [row for s in self.sets.values() for row in s.rows.get(table, [])]

    def set_rows(self) -> list[dict[str, Any]]:
        """The rows of ``reference_data_sets``."""
        return [
            {
                "id": s.header.id,
                "file_name": s.file_name,
                "title": s.header.title,
                "title_fa": s.header.title_fa,
                "sources": list(s.header.sources),
                "confidence": s.header.confidence,
                "verified": s.header.verified,
                "valid_from": s.header.valid_from,
                "valid_to": s.header.valid_to,
                "note": s.header.note,
                "item_count": s.item_count,
                "content_hash": s.content_hash,
            }
            for s in self.sets.values()
        ]


def content_hash(rows: dict[str, list[dict[str, Any]]], header: SetHeader) -> str:
    return data_files.content_hash({"set": header.model_dump(mode="json"), "rows": rows})


def _read(path: Path, model: type[_Strict]) -> Any:
    return data_files.validate(model, data_files.read(path), file=path)


def _duplicates(values: list[Any]) -> list[Any]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def load(directory: Path = DATA_DIR) -> ReferenceData:
    """Every data file, validated, cross-checked and turned into table rows."""
    parsed = {name: _read(directory / name, model) for name, model in FILES.items()}
    sources_file: SourcesFile = parsed["sources.yaml"]
    permits_file: PermitKindsFile = parsed["permit-kinds.yaml"]
    offices_file: CustomsOfficesFile = parsed["customs-offices.yaml"]
    tariff_file: TariffLinesFile = parsed["tariff-lines.yaml"]
    incoterms_file: IncotermsFile = parsed["incoterms-2020.yaml"]
    sellers_file: SellersFile = parsed["sellers-sandbox.yaml"]
    brands_file: CarBrandsFile = parsed["car-brands.yaml"]

    known_sources = {s.id for s in sources_file.sources}
    known_permits = {p.id for p in permits_file.permit_kinds}
    known_provinces = {p.id for p in offices_file.provinces}
    countries = {c.alpha_2 for c in pycountry.countries}
    problems: list[str] = []

    def check_sources(where: str, ids: list[str] | None) -> None:
        if ids is not None and not ids:
            problems.append(f"{where}: names no source")
        for source in ids or []:
            if source not in known_sources:
                problems.append(f"{where}: unknown source {source!r}")

    for name, file in parsed.items():
        check_sources(f"{name} set", file.set.sources)
    for p in permits_file.permit_kinds:
        check_sources(f"permit kind {p.id}", p.sources)
    for line in tariff_file.lines:
        where = f"tariff line {line.hs_code}"
        check_sources(where, line.sources)
        for rate in line.rates:
            check_sources(f"{where} rate", rate.sources)
        if line.prohibition:
            check_sources(f"{where} prohibition", line.prohibition.sources)
        problems.extend(f"{where}: unknown permit {k!r}" for k in line.permits if k not in known_permits)
    for office in offices_file.offices:
        where = f"office {office.id}"
        check_sources(where, office.sources)
        if office.province not in known_provinces:
            problems.append(f"{where}: unknown province {office.province!r}")
        if office.neighbour and office.neighbour not in countries:
            problems.append(f"{where}: unknown country {office.neighbour!r}")
    for seller in sellers_file.sellers:
        if seller.country not in countries or seller.country == "IR":
            problems.append(f"seller {seller.fida_id}: country {seller.country!r} is not a foreign country")

    for what, values in (
        ("source id", [s.id for s in sources_file.sources]),
        ("permit kind", [p.id for p in permits_file.permit_kinds]),
        ("HS code", [line.hs_code for line in tariff_file.lines]),
        ("province", [p.id for p in offices_file.provinces]),
        ("office id", [o.id for o in offices_file.offices]),
        ("office code", [o.code for o in offices_file.offices if o.code]),
        ("head office of province", [o.province for o in offices_file.offices if o.head]),
        ("Incoterm", [i.code for i in incoterms_file.incoterms]),
        ("FIDA ID", [s.fida_id for s in sellers_file.sellers]),
        ("car brand", [b.id for b in brands_file.brands]),
        *((f"model of {b.id}", [m.id for m in b.models]) for b in brands_file.brands),
    ):
        problems.extend(f"duplicate {what}: {value}" for value in _duplicates(values))
    set_ids = [file.set.id for file in parsed.values()]
    problems.extend(f"duplicate set id: {value}" for value in _duplicates(set_ids))
    if problems:
        raise DataFileError("reference data: " + "; ".join(problems))

    rows = {
        "sources.yaml": {"reference_sources": [s.model_dump() for s in sources_file.sources]},
        "permit-kinds.yaml": {"permit_kinds": [p.model_dump() for p in permits_file.permit_kinds]},
        "customs-offices.yaml": _office_rows(offices_file),
        "tariff-lines.yaml": _tariff_rows(tariff_file),
        "incoterms-2020.yaml": {
            "incoterms": [{**i.model_dump(), "position": n} for n, i in enumerate(incoterms_file.incoterms)]
        },
        "sellers-sandbox.yaml": {
            "foreign_sellers": [
                {
                    **s.model_dump(),
                    "sandbox": True,
                    "origin": "file",
                    "sources": list(sellers_file.set.sources),
                    "confidence": sellers_file.set.confidence,
                }
                for s in sellers_file.sellers
            ]
        },
        "car-brands.yaml": _car_rows(brands_file),
    }
    counts = {
        "sources.yaml": len(sources_file.sources),
        "permit-kinds.yaml": len(permits_file.permit_kinds),
        "customs-offices.yaml": len(offices_file.offices),
        "tariff-lines.yaml": len(tariff_file.lines),
        "incoterms-2020.yaml": len(incoterms_file.incoterms),
        "sellers-sandbox.yaml": len(sellers_file.sellers),
        "car-brands.yaml": sum(1 + len(b.models) for b in brands_file.brands),
    }
    sets = {}
    for name, file in parsed.items():
        sets[file.set.id] = DataSet(
            file_name=name,
            header=file.set,
            rows=rows[name],
            item_count=counts[name],
            content_hash=content_hash(rows[name], file.set),
        )
    return ReferenceData(sets=sets)


def _tariff_rows(file: TariffLinesFile) -> dict[str, list[dict[str, Any]]]:
    lines, rates = [], []
    for line in file.lines:
        p = line.prohibition
        lines.append(
            {
                "hs_code": line.hs_code,
                "chapter": line.hs_code[:2],
                "heading": line.hs_code[:4],
                "subheading": line.hs_code[:6],
                "description_fa": line.description_fa,
                "description_en": line.description_en,
                "unit": line.unit,
                "duty_category": line.duty_category,
                "duty_category_confidence": line.duty_category_confidence,
                "permits": list(line.permits),
                "permits_confidence": line.permits_confidence,
                "prohibited": p is not None,
                "prohibition_group": p.group if p else None,
                "prohibition_reason_en": p.reason_en if p else None,
                "prohibition_reason_fa": p.reason_fa if p else None,
                "prohibition_sources": list(p.sources) if p else None,
                "prohibition_confidence": p.confidence if p else None,
                "currency_group": line.currency_group,
                "valid_from": line.valid_from,
                "valid_to": line.valid_to,
                "sources": list(line.sources),
                "confidence": line.confidence,
                "verified": line.verified,
                "note": line.note,
                "search_text": search_text(line.hs_code, line.description_fa, line.description_en, line.note),
            }
        )
        rates.extend(
            {"hs_code": line.hs_code, "seq": seq, **rate.model_dump(), "sources": list(rate.sources)}
            for seq, rate in enumerate(line.rates)
        )
    return {"tariff_lines": lines, "tariff_line_rates": rates}


def _office_rows(file: CustomsOfficesFile) -> dict[str, list[dict[str, Any]]]:
    heads = {o.province: o.id for o in file.offices if o.head}
    offices = [
        {
            "id": o.id,
            "code": o.code,
            "name_fa": o.name_fa,
            "name_en": o.name_en,
            "province_id": o.province,
            "kind": o.kind,
            "head": o.head,
            "parent_id": None if o.head else heads.get(o.province),
            "neighbour": o.neighbour,
            "modes": list(o.modes),
            "main_transit": o.main_transit,
            "clears_cars": o.clears_cars,
            "sources": list(o.sources if o.sources is not None else file.set.sources),
            "confidence": o.confidence,
            "verified": o.verified,
            "note": o.note,
            "search_text": search_text(o.id, o.code, o.name_fa, o.name_en),
        }
        for o in file.offices
    ]
    return {"provinces": [p.model_dump() for p in file.provinces], "customs_offices": offices}


def _car_rows(file: CarBrandsFile) -> dict[str, list[dict[str, Any]]]:
    common = {
        "sandbox": True,
        "verified": file.set.verified,
        "origin": "file",
        "sources": list(file.set.sources),
        "confidence": file.set.confidence,
    }
    brands = [{"id": b.id, "name": b.name, "name_fa": b.name_fa, **common} for b in file.brands]
    models = [{"brand_id": b.id, **m.model_dump(), **common} for b in file.brands for m in b.models]
    return {"car_brands": brands, "car_models": models}
