"""Reference-data contract of the orders service: tariff lines, permit kinds,
customs offices and provinces, Incoterms, countries, currencies, FIDA foreign
sellers and the allowed car brands and models.

Every data set and row says where it comes from (`sources`) and how sure it is
(`confidence`: H high, M medium, L low, G guess) and whether it was `verified`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from panjereh_contract.identifiers import FidaSellerId
from panjereh_contract.types import single_line

Confidence = Literal["H", "M", "L", "G"]
# The rows of the 1404 duty table, as the rules service's `import-duties-1404` calculation names them.
DutyCategory = Literal[
    "basic-goods",
    "medicine",
    "animal-feed",
    "production-machinery",
    "intermediate-raw-materials",
    "cars",
    "mobile-phones",
]
ProhibitionGroup = Literal["group-4", "group-27", "sharia"]
CurrencyGroup = Literal["hall-1", "hall-2"]
SupplementaryUnit = Literal["kg", "u", "l", "2u"]
OfficeKind = Literal[
    "province-customs",
    "customs-office",
    "border-crossing",
    "seaport",
    "airport",
    "free-zone",
    "special-economic-zone",
    "border-market",
]
TransportMode = Literal["road", "rail", "sea", "air"]
ModeGroup = Literal["any", "sea"]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=SLUG_PATTERN)]
PROVINCE_PATTERN = r"^IR-[0-9]{2}$"
OFFICE_REF_PATTERN = r"^(?:[0-9]{5}|[a-z0-9]+(?:-[a-z0-9]+)*)$"

# A foreign seller's country: any ISO 3166-1 country but Iran (FIDA IDs are for foreign persons).
SELLER_COUNTRIES: tuple[str, ...] = tuple(sorted(c.alpha_2 for c in pycountry.countries if c.alpha_2 != "IR"))
SellerCountry = Literal[SELLER_COUNTRIES]  # type: ignore[valid-type]
COUNTRIES: tuple[str, ...] = tuple(sorted(c.alpha_2 for c in pycountry.countries))
CountryCode = Literal[COUNTRIES]  # type: ignore[valid-type]

# ISO 4217 codes that are not money a proforma is priced in: precious metals, bond-market and
# accounting units, the SDR, funds codes, and the testing and "no currency" codes.
NON_TRADABLE_CURRENCIES = frozenset(
    {
        "XAG", "XAU", "XPD", "XPT",  # metals
        "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XAD",  # units of account
        "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",  # funds codes
        "XTS", "XXX",  # testing, no currency
    }
)  # fmt: skip
TRADABLE_CURRENCIES: tuple[str, ...] = tuple(
    sorted(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in NON_TRADABLE_CURRENCIES)
)
# A currency a proforma may be priced in (ISO 4217, tradable).
CurrencyCode = Literal[TRADABLE_CURRENCIES]  # type: ignore[valid-type]


class SourceRef(BaseModel):
    """A source the data cites."""

    id: str
    title: str
    url: str | None = None
    confidence: Confidence


class Cited(BaseModel):
    confidence: Confidence = Field(description="H high, M medium, L low, G guess (no source says it).")
    verified: bool = Field(description="Checked against an authoritative source.")
    sources: list[SourceRef]


class Dated(BaseModel):
    valid_from: dt.date | None = Field(default=None, description="First day in force; null when not known.")
    valid_from_jalali: str | None = Field(default=None, examples=["1403-01-01"])
    valid_to: dt.date | None = Field(default=None, description="Last day in force; null when open.")
    valid_to_jalali: str | None = None


# ------------------------------------------------------------------ overview


class ReferenceDataSetOut(Cited, Dated):
    """One reference data set: its file, sources, confidence and content hash."""

    id: str
    title: str
    title_fa: str
    stored: bool = Field(description="Loaded into the database by migration (else built from pycountry).")
    item_count: int
    note: str | None = None
    content_hash: str | None = Field(default=None, description="SHA-256 of the set as loaded.")
    loaded_at: dt.datetime | None = None


class ReferenceDataOverview(BaseModel):
    sets: list[ReferenceDataSetOut]
    sources: list[SourceRef]


# ------------------------------------------------------------------ permits and tariff lines


class IssuingBody(BaseModel):
    id: str = Field(examples=["inso"])
    name_en: str
    name_fa: str


class PermitKindOut(BaseModel):
    """A kind of permit and the body that issues it."""

    id: str = Field(examples=["standards"])
    name_en: str
    name_fa: str
    issuing_body: IssuingBody
    legal_basis: str
    confidence: Confidence
    sources: list[SourceRef]


class PermitKindList(BaseModel):
    items: list[PermitKindOut]


class RequiredPermit(BaseModel):
    """A permit a tariff line needs, with who issues it."""

    kind: str = Field(examples=["standards"])
    name_en: str
    name_fa: str
    issuing_body: IssuingBody


class DutyRateOut(Cited, Dated):
    """A tariff-book duty rate («حقوق ورودی»: customs duty + commercial profit), in percent."""

    rate_percent: str = Field(
        examples=["26"], description="Percent of the customs value, as a decimal string."
    )
    note: str | None = None


class ProhibitionOut(Cited):
    """Why the line may not be imported."""

    group: ProhibitionGroup = Field(description="group-4 / group-27 (NTSW import groups) or sharia.")
    reason_en: str
    reason_fa: str


class TariffLineOut(Cited, Dated):
    """An 8-digit national tariff line: HS six digits + two national digits."""

    hs_code: str = Field(examples=["10011910"])
    hs_code_display: str = Field(examples=["1001 19 10"], description="As the tariff book prints it.")
    chapter: str
    heading: str
    subheading: str
    description_fa: str
    description_en: str
    unit: SupplementaryUnit = Field(description="Supplementary unit: kg, u (units), l (litres), 2u (pairs).")
    duty_rate: DutyRateOut | None = Field(
        description="The tariff-book rate in force on the day asked (today by default); null when no "
        "source gives one."
    )
    duty_rates: list[DutyRateOut] = Field(description="Every known rate, dated where the source dates it.")
    duty_category: DutyCategory | None = Field(
        description="The row of the 1404 duty table (rules service `import-duties-1404`), or null when "
        "the line is in none (its tariff-book rate applies)."
    )
    duty_category_confidence: Confidence | None = None
    permits: list[RequiredPermit]
    permits_confidence: Confidence | None = None
    prohibited: bool
    prohibition: ProhibitionOut | None = None
    currency_group: CurrencyGroup | None = Field(
        description="Currency hall (تالار ۱ / ۲) where known; null: not known."
    )
    note: str | None = None


class TariffLinePage(BaseModel):
    items: list[TariffLineOut]
    next: str | None = None


# ------------------------------------------------------------------ customs offices


class ProvinceRef(BaseModel):
    id: str = Field(examples=["IR-04"], description="ISO 3166-2 code.")
    name_fa: str
    name_en: str


class CustomsOfficeOut(Cited):
    """A customs office or entry border."""

    id: str = Field(examples=["bazargan"], description="Stable slug; use it where the office has no code.")
    code: str | None = Field(examples=["30300"], description="5-digit customs code, null when none is known.")
    name_fa: str
    name_en: str
    province: ProvinceRef
    kind: OfficeKind
    head: bool = Field(description="The province's supervisory unit, which monitors the others.")
    parent_id: str | None = Field(description="The head unit of the office's province.")
    neighbour: str | None = Field(description="ISO alpha-2 of the neighbouring country (land borders).")
    neighbour_name: str | None = None
    modes: list[TransportMode] = Field(
        description="Transport modes where a source says; empty: not recorded."
    )
    main_transit: bool = Field(description="One of the ten main transit customs.")
    clears_cars: bool | None = Field(description="Allowed to clear cars; null: not known.")
    note: str | None = None


class CustomsOfficeList(BaseModel):
    items: list[CustomsOfficeOut]


class OfficeSummary(BaseModel):
    id: str
    code: str | None
    name_fa: str
    name_en: str
    kind: OfficeKind
    head: bool
    neighbour: str | None


class ProvinceOut(ProvinceRef):
    """A province with its customs offices."""

    head_office_id: str | None = Field(description="The province's supervisory unit; null when not known.")
    offices: list[OfficeSummary]


class ProvinceList(BaseModel):
    items: list[ProvinceOut]


# ------------------------------------------------------------------ Incoterms, countries, currencies


class IncotermOut(BaseModel):
    """An Incoterms 2020 rule."""

    code: str = Field(examples=["CFR"])
    name_en: str
    name_fa: str
    mode_group: ModeGroup = Field(description="`any` mode of transport, or `sea` and inland waterway only.")
    seller_pays_main_carriage: bool = Field(
        description="The price includes the main carriage (FOB = price − freight)."
    )
    seller_insures: bool = Field(description="The seller must insure the goods (CIF, CIP).")
    seller_clears_import: bool
    place: str = Field(description="The place the rule names.")


class IncotermList(Dated):
    version: Literal["2020"] = "2020"
    items: list[IncotermOut]


class CountryOut(BaseModel):
    """An ISO 3166-1 country."""

    alpha_2: str = Field(examples=["AE"])
    alpha_3: str = Field(examples=["ARE"])
    numeric: str = Field(examples=["784"])
    name: str
    official_name: str | None = None
    common_name: str | None = None
    name_fa: str | None = None


class CountryList(BaseModel):
    source: str
    items: list[CountryOut]


class CurrencyOut(BaseModel):
    """An ISO 4217 currency."""

    code: str = Field(examples=["EUR"])
    numeric: str = Field(examples=["978"])
    name: str
    tradable: bool = Field(
        description="A currency a proforma may be priced in: false for precious metals, funds, units of "
        "account and the testing and no-currency codes."
    )


class CurrencyList(BaseModel):
    source: str
    items: list[CurrencyOut]


# ------------------------------------------------------------------ FIDA sellers


class SellerCreate(BaseModel):
    """A foreign seller to register (admin)."""

    model_config = ConfigDict(extra="forbid")

    fida_id: FidaSellerId = Field(description="The seller's FIDA ID: 10 to 12 digits.")  # type: ignore[valid-type]
    name: single_line(200) = Field(examples=["Gulf Trading FZE"])  # type: ignore[valid-type]
    name_fa: single_line(200) | None = None  # type: ignore[valid-type]
    country: SellerCountry = Field(  # type: ignore[valid-type]
        description="ISO 3166-1 alpha-2 of the seller's country (not IR).", examples=["AE"]
    )


class SellerOut(BaseModel):
    """A foreign seller resolved from its FIDA ID."""

    fida_id: str = Field(examples=["100012345678"])
    name: str
    name_fa: str | None = None
    country: str
    country_name: str | None = None
    sandbox: bool = Field(description="A demo seller of the sandbox, not real.")
    confidence: Confidence
    created_at: dt.datetime


# ------------------------------------------------------------------ car brands


class CarBrandCreate(BaseModel):
    """A brand to add to the allowed list (admin)."""

    model_config = ConfigDict(extra="forbid")

    id: Slug = Field(examples=["toyota"], description="Lower-case slug: letters, digits and single dashes.")
    name: single_line(100) = Field(examples=["Toyota"])  # type: ignore[valid-type]
    name_fa: single_line(100) | None = Field(default=None, examples=["تویوتا"])  # type: ignore[valid-type]


class CarModelCreate(BaseModel):
    """A model to add under an allowed brand (admin)."""

    model_config = ConfigDict(extra="forbid")

    id: Slug = Field(examples=["corolla"])
    name: single_line(100) = Field(examples=["Corolla"])  # type: ignore[valid-type]
    name_fa: single_line(100) | None = Field(default=None, examples=["کرولا"])  # type: ignore[valid-type]


class CarModelOut(BaseModel):
    brand_id: str
    id: str
    name: str
    name_fa: str | None = None
    sandbox: bool
    verified: bool
    confidence: Confidence


class CarBrandOut(BaseModel):
    """An allowed brand with its allowed models."""

    id: str
    name: str
    name_fa: str | None = None
    sandbox: bool = Field(description="A demo entry of the sandbox; the ministry's real list was not found.")
    verified: bool
    confidence: Confidence
    models: list[CarModelOut]


class CarBrandList(BaseModel):
    items: list[CarBrandOut]
