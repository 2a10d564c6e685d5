"""Order-registration files contract (پرونده ثبت سفارش, SPEC §2): drafts, tariff lines,
states, fee, duties estimate, access levels, history and attachments.

Money travels as decimal strings in the file's currency; rials as integers; dates as ISO
dates (business dates, Asia/Tehran) with their Jalali form where the law speaks Jalali.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orders_client.reference import OFFICE_REF_PATTERN, CountryCode, CurrencyCode, RequiredPermit
from panjereh_contract.identifiers import FidaSellerId, HsCode
from panjereh_contract.types import non_negative_decimal, positive_decimal, single_line

FileStatus = Literal["draft", "submitted", "under-review", "approved", "rejected", "expired", "cancelled"]
FileKind = Literal["commercial", "personal-car"]
AccessLevelName = Literal["very-limited", "limited", "medium", "full"]
IncotermCode = Literal["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"]
TransportFleet = Literal["sea", "road", "rail", "air", "multimodal", "unknown"]
TransactionType = Literal["banking", "non-banking"]
CurrencySource = Literal[
    "bank-exchange-centre", "own-export-proceeds", "others-export-proceeds", "no-currency-transfer"
]
PaymentMethod = Literal[
    "sight-lc",
    "usance-lc",
    "documentary-collection",
    "bank-transfer",
    "no-currency-transfer",
    "import-against-export",
]
LineUnit = Literal["kg", "t", "u", "2u", "l", "m", "m2", "m3"]
ValidityMonths = Literal[3, 6]

Amount = positive_decimal(15, 4)
Freight = non_negative_decimal(15, 4)
Quantity = positive_decimal(14, 4)
ProformaNumber = single_line(50)


class _Core(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderFileCreate(_Core):
    """A new draft: the proforma, the seller, contract and transport, and the money."""

    proforma_number: ProformaNumber = Field(examples=["PI-2025-0042"])  # type: ignore[valid-type]
    proforma_issued_on: dt.date = Field(description="Issue date of the proforma; not in the future.")
    proforma_expires_on: dt.date = Field(
        description="Expiry date of the proforma; an expired one is refused."
    )
    beneficiary_country: CountryCode = Field(  # type: ignore[valid-type]
        description="ISO 3166-1 alpha-2 of where the goods are bought (not where they are made).",
        examples=["AE"],
    )
    seller_fida_id: FidaSellerId = Field(  # type: ignore[valid-type]
        description="The foreign seller's FIDA ID (10 to 12 digits), registered in the seller registry."
    )
    incoterm: IncotermCode = Field(description="Incoterms 2020 rule.", examples=["CFR"])
    partial_shipment: bool = Field(description="Partial shipments allowed.")
    entry_border: str = Field(
        pattern=OFFICE_REF_PATTERN,
        max_length=60,
        description="Customs office of entry: slug id or 5-digit code (GET /v1/customs-offices).",
        examples=["shahid-rajaee"],
    )
    destination_customs: str = Field(
        pattern=OFFICE_REF_PATTERN,
        max_length=60,
        description="Destination customs office.",
        examples=["tehran"],
    )
    transport_fleet: TransportFleet = Field(description="Transport fleet; `unknown` when not yet known.")
    total_amount: Amount = Field(description="Total of the proforma, in `currency`.")  # type: ignore[valid-type]
    currency: CurrencyCode = Field(description="ISO 4217 code.", examples=["EUR"])  # type: ignore[valid-type]
    transaction_type: TransactionType
    currency_source: CurrencySource
    payment_method: PaymentMethod
    freight_amount: Freight = Field(  # type: ignore[valid-type]
        default=Decimal(0), description="Freight, in `currency`; at most the total."
    )
    access_level: AccessLevelName = Field(
        default="full",
        description="Who among the merchant's representatives sees the file: those holding this level or "
        "a higher one.",
    )
    kind: FileKind = Field(
        default="commercial",
        description="`commercial`: a merchant's order (role merchant with a valid commercial card). "
        "`personal-car`: an Iranian living abroad importing their own car (seed 001): registered with their "
        "own token in the base-natural role, `currency_source` and `payment_method` `no-currency-transfer`, "
        "transaction_type `non-banking`; each car line (heading 8703) carries the car's product ID (with its "
        "VIN) and needs a successful case-permit inquiry for that VIN (POST /v1/car-case-permits/inquiries). "
        "Cannot change later.",
    )


class OrderFileUpdate(_Core):
    """Fields to change (omitted: unchanged). In a draft any; after approval only `total_amount`
    and `freight_amount` (the file goes back to review); other fields: cancel and register again."""

    proforma_number: ProformaNumber | None = None  # type: ignore[valid-type]
    proforma_issued_on: dt.date | None = None
    proforma_expires_on: dt.date | None = None
    beneficiary_country: CountryCode | None = None  # type: ignore[valid-type]
    seller_fida_id: FidaSellerId | None = None  # type: ignore[valid-type]
    incoterm: IncotermCode | None = None
    partial_shipment: bool | None = None
    entry_border: str | None = Field(default=None, pattern=OFFICE_REF_PATTERN, max_length=60)
    destination_customs: str | None = Field(default=None, pattern=OFFICE_REF_PATTERN, max_length=60)
    transport_fleet: TransportFleet | None = None
    total_amount: Amount | None = None  # type: ignore[valid-type]
    currency: CurrencyCode | None = None  # type: ignore[valid-type]
    transaction_type: TransactionType | None = None
    currency_source: CurrencySource | None = None
    payment_method: PaymentMethod | None = None
    freight_amount: Freight | None = None  # type: ignore[valid-type]


class LineCreate(_Core):
    """A tariff line: the 8-digit code, the goods, quantity, unit and value (in the file's currency)."""

    hs_code: HsCode = Field(examples=["85171300"])  # type: ignore[valid-type]
    product_id: single_line(40) | None = Field(
        default=None,
        description="The goods' product ID (شناسه کالا): an issued one whose HS code is the line's. Required "
        "on the car line of a personal-car file (the car's product ID carries its VIN).",
    )  # type: ignore[valid-type]
    description: single_line(300) | None = Field(default=None, description="The kind of goods, in words.")  # type: ignore[valid-type]
    quantity: Quantity  # type: ignore[valid-type]
    unit: LineUnit
    value: Amount = Field(description="The line's value, in the file's currency.")  # type: ignore[valid-type]


class LineUpdate(_Core):
    """Quantity and value may change (after approval the file goes back to review); any other
    field is a core field: cancel and register again."""

    hs_code: HsCode | None = None  # type: ignore[valid-type]
    product_id: single_line(40) | None = None  # type: ignore[valid-type]
    description: single_line(300) | None = None  # type: ignore[valid-type]
    quantity: Quantity | None = None  # type: ignore[valid-type]
    unit: LineUnit | None = None
    value: Amount | None = None  # type: ignore[valid-type]


class LineOut(BaseModel):
    id: str
    hs_code: str
    product_id: str | None
    description: str | None
    quantity: str
    unit: str
    value: str
    duty_category: str | None = Field(description="The row of the 1404 duty table, from the tariff book.")
    permits: list[RequiredPermit] = Field(description="Permits the code requires, with who issues them.")


class SellerRef(BaseModel):
    fida_id: str
    name: str


class FeeOut(BaseModel):
    """The order-registration fee, as the rules service computed it, with its trace."""

    kind: Literal["new", "amendment"]
    amount_rials: int
    exchange_rate: str = Field(description="Rials per unit of the file's currency used (stored demo rate).")
    verified: bool
    computed_at: dt.datetime
    trace: list[dict[str, Any]]


class RegistrationOut(BaseModel):
    signer: str = Field(
        description="Who signed the final registration (the merchant or their representative)."
    )
    kid: str = Field(description="The signature key's ID.")
    registered_at: dt.datetime


class ReviewOut(BaseModel):
    officer: str
    reviewed_at: dt.datetime
    rejection_reason: str | None = None


class OrderFileOut(BaseModel):
    """An order-registration file."""

    id: str
    owner: str
    status: FileStatus
    access_level: AccessLevelName
    kind: FileKind
    version: int
    proforma_number: str
    proforma_issued_on: dt.date
    proforma_issued_on_jalali: str = Field(description="The same day in the Jalali calendar, `YYYY-MM-DD`.")
    proforma_expires_on: dt.date
    proforma_expires_on_jalali: str
    beneficiary_country: str
    seller: SellerRef
    incoterm: str
    partial_shipment: bool
    entry_border: str
    destination_customs: str
    transport_fleet: str
    total_amount: str
    currency: str
    transaction_type: str
    currency_source: str
    payment_method: str
    freight_amount: str
    lines: list[LineOut]
    fees: list[FeeOut]
    validity_months: int | None
    registration: RegistrationOut | None
    review: ReviewOut | None
    approved_on: dt.date | None
    approved_on_jalali: str | None
    expires_on: dt.date | None
    expires_on_jalali: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class OrderFileSummary(BaseModel):
    id: str
    status: FileStatus
    access_level: AccessLevelName
    proforma_number: str
    seller: SellerRef
    total_amount: str
    currency: str
    expires_on: dt.date | None
    created_at: dt.datetime


class OrderFilePage(BaseModel):
    items: list[OrderFileSummary]
    next: str | None = None


class FinalRegistration(_Core):
    """The signed final registration: the validity asked for (3 or 6 months from approval).
    The signature (``Panjereh-Signature``) names this file's path and its ``ETag`` as read."""

    validity_months: ValidityMonths


class Rejection(_Core):
    reason: single_line(1000) = Field(description="Why the file is rejected.")  # type: ignore[valid-type]


class Extension(_Core):
    months: ValidityMonths


class AccessLevelChange(_Core):
    access_level: AccessLevelName


class HistoryEntry(BaseModel):
    """A change of the file: who did it (actor), for whom (principal), when, under which request."""

    action: str
    from_status: str | None
    to_status: str | None
    actor: str
    principal: str
    request_id: str | None
    at: dt.datetime
    detail: dict[str, Any]


class HistoryList(BaseModel):
    items: list[HistoryEntry]


class AccessLevelHistoryEntry(BaseModel):
    from_level: AccessLevelName | None
    to_level: AccessLevelName
    actor: str
    request_id: str | None
    at: dt.datetime


class AccessLevelHistory(BaseModel):
    items: list[AccessLevelHistoryEntry]


class OrderAttachmentOut(BaseModel):
    id: str
    file_name: str
    media_type: Literal["application/pdf", "image/jpeg"]
    size: int
    sha256: str
    uploaded_by: str
    created_at: dt.datetime


class AttachmentList(BaseModel):
    items: list[OrderAttachmentOut]


class LineDuties(BaseModel):
    """The estimate of one line: from `import-duties-1404` when the line is in the 1404 duty
    table, else the tariff-book rate and the Red Crescent levy (`red-crescent-levy`)."""

    line_id: str
    hs_code: str
    duty_category: str | None
    customs_value_rials: int
    calculation: str | None = Field(description="The rules calculation used; null when none could be.")
    duties: int | None
    vat: int | None
    red_crescent_levy: int | None
    total: int | None
    verified: bool
    note: str | None = None
    traces: dict[str, list[dict[str, Any]]] = Field(description="Each calculation's trace, by its name.")


class DutiesEstimate(BaseModel):
    """An estimate, not a demand: the customs value is taken as the lines' values at the stored
    (demo) exchange rate; customs determines the real value on declaration."""

    file_id: str
    currency: str
    exchange_rate: str
    lines: list[LineDuties]
    total_rials: int
    verified: bool
