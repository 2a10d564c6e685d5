"""Product-ID contract of the orders service (شناسه کالا, SPEC §2, seed 001).

A product ID belongs to a product, not to a person: identical identity cards
(شناسنامه کالا) get one ID once, and any merchant may reuse it. A registration
request goes through the states ``not-sent`` (a draft) → ``under-supervision``
(new attribute values, or a supervised heading) → ``issued`` or ``rejected``.

Codes kept apart (REFERENCE-DATA §4): the 13-digit product ID this service
issues (``product_id``), a 13-digit GTIN (``gtin``; Iranian GTINs start 626),
the 16-digit Irancode (``irancode``) and a car's 17-character VIN (``vin``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from panjereh_contract.identifiers import HsCode
from panjereh_contract.types import positive_decimal, single_line

Confidence = Literal["H", "M", "L", "G"]
RequestState = Literal["not-sent", "under-supervision", "issued", "rejected"]
STATE_NAMES_FA: dict[str, str] = {
    "not-sent": "ارسال نشده",
    "under-supervision": "در حال نظارت",
    "issued": "صادر شده",
    "rejected": "رد شده",
}
# Counting units (واحد شمارش): u = number (عدد), kg, t, g, l, m, m2, m3, pair, set, dozen, carton.
Unit = Literal["u", "kg", "t", "g", "l", "m", "m2", "m3", "pair", "set", "dozen", "carton"]
PackagingType = Literal[
    "unpacked",
    "bulk",
    "bag",
    "sack",
    "box",
    "carton",
    "bottle",
    "can",
    "jar",
    "drum",
    "crate",
    "pallet",
    "blister",
]
AttributeKind = Literal["list", "text", "vin", "year", "number"]
AttachmentKind = Literal["brand-certificate", "catalogue", "analysis-certificate", "product-image", "other"]
SupervisionReason = Literal["new-values", "supervised-heading"]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=SLUG_PATTERN)]
PRODUCT_ID_PATTERN = r"^[0-9]{13}$"
MAX_ATTACHMENT_BYTES = 1024 * 1024
_MAX_BASE64 = 4 * ((MAX_ATTACHMENT_BYTES + 2) // 3)
# The length is bounded by maxLength (_MAX_BASE64), not by a counted repetition: a bound of
# ~350,000 in the pattern made every client's regex engine unroll it (Rust's regex: ~230 MB
# per compiled validator; RE2 and Go refuse counts over 1,000).
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$"
LATIN_PATTERN = r"^[A-Za-z0-9][ -~]{0,198}[!-~]$|^[A-Za-z0-9]$"
VIN_PATTERN = r"^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$"
GTIN13_PATTERN = r"^[0-9]{13}$"


# ------------------------------------------------------------------ check digits


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of ``body`` (the digits before it): weights 3, 1, 3…
    from the right, ``(10 − sum mod 10) mod 10``. GTIN-13 uses it; so do the
    product IDs this service issues."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    """The check character (9th) of a VIN under the North American rule (49 CFR 565.15):
    transliterate, weight, sum mod 11; 10 is written ``X``."""
    remainder = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def vin_uses_check_digit(vin: str) -> bool:
    """Whether the VIN's maker region uses the check digit: a world manufacturer
    identifier starting 1–5 is North American (US, Canada, Mexico), where the 9th
    character is a mandatory check digit. Elsewhere it is optional and not checked."""
    return vin[0] in "12345"


def parse_gtin13(value: str) -> str:
    if not re.fullmatch(GTIN13_PATTERN, value):
        raise PydanticCustomError("gtin_invalid", "A GTIN-13 is 13 digits.")
    if gs1_check_digit(value[:12]) != int(value[12]):
        raise PydanticCustomError(
            "gtin_check_digit",
            "The GTIN's last digit is not its GS1 check digit (expected {expected}).",
            {"expected": gs1_check_digit(value[:12])},
        )
    return value


def parse_vin(value: str) -> str:
    if not re.fullmatch(VIN_PATTERN, value):
        raise PydanticCustomError(
            "vin_invalid", "A VIN is 17 letters and digits, without I, O or Q (ISO 3779)."
        )
    vin = value.upper()
    if vin_uses_check_digit(vin) and vin[8] != vin_check_digit(vin):
        raise PydanticCustomError(
            "vin_check_digit",
            "The 9th character of a North American VIN is its check digit; expected {expected}.",
            {"expected": vin_check_digit(vin)},
        )
    return vin


def _string(parse: Any) -> Any:
    def validate(value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError("string_type", "Input should be a valid string")
        return parse(value)

    return validate


Gtin13 = Annotated[
    str,
    PlainValidator(_string(parse_gtin13), json_schema_input_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": GTIN13_PATTERN,
            "description": "A GTIN-13 with its GS1 check digit (Iranian GTINs start 626).",
            "examples": ["6260000000011"],
        }
    ),
]
Vin = Annotated[
    str,
    PlainValidator(_string(parse_vin), json_schema_input_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": VIN_PATTERN,
            "description": "A 17-character VIN (ISO 3779; no I, O, Q), returned upper-case. A VIN "
            "of a North American maker (first character 1–5) must carry its check digit.",
            "examples": ["1HGCM82633A004352"],
        }
    ),
]


# ------------------------------------------------------------------ headings


class Cited(BaseModel):
    sources: list[str]
    confidence: Confidence
    verified: bool
    demo: bool = Field(description="Demo data, not the product-ID system's catalogue.")


class AttributeValueOut(BaseModel):
    code: str
    name_fa: str
    name_en: str


class AttributeOut(BaseModel):
    key: str
    name_fa: str
    name_en: str
    kind: AttributeKind
    mandatory: bool
    brand: bool = Field(description="The brand (نام تجاری): a new value needs a brand certificate.")
    values: list[AttributeValueOut] = Field(description="The allowed values of a `list` attribute.")


class HeadingOut(Cited):
    """A product heading (سرفصل کالایی): its fixed main unit, classifications and attributes."""

    id: str = Field(examples=["passenger-car"])
    code: str = Field(examples=["9870301"])
    name_fa: str
    name_en: str
    alt_names: list[str]
    group_fa: str
    group_en: str
    tariff_prefixes: list[str] = Field(description="HS code prefixes a product of the heading may have.")
    isic_codes: list[str]
    isic_required: bool
    cpc_codes: list[str]
    cpc_required: bool
    main_unit: Unit = Field(description="The heading's main counting unit (واحد شمارش اصلی); fixed.")
    supervised: bool = Field(description="Every request of a supervised heading goes to an officer.")
    mandatory_attachments: list[AttachmentKind]
    attributes: list[AttributeOut]


class HeadingPage(BaseModel):
    items: list[HeadingOut]
    next: str | None = None


# ------------------------------------------------------------------ registration


class NoCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["none"] = Field(description="No international code (فاقد شناسه).")


class GtinCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["gtin"]
    value: Gtin13  # type: ignore[valid-type]


class VinCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["vin"]
    value: Vin  # type: ignore[valid-type]


class OtherCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["other"]
    scheme: Annotated[
        str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
    ]
    value: Annotated[
        str, StringConstraints(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    ]


InternationalCode = Annotated[NoCode | GtinCode | VinCode | OtherCode, Field(discriminator="type")]


class Packaging(BaseModel):
    """One product ID per packaging (نوع بسته‌بندی و وزن)."""

    model_config = ConfigDict(extra="forbid")
    type: PackagingType
    weight_kg: positive_decimal(9, 3) = Field(  # type: ignore[valid-type]
        description="Weight of one packaged unit in kg, as a decimal string."
    )


class NewAttributeValue(BaseModel):
    """A value missing from an attribute's list (درخواست مقدار جدید): it sends the request to
    supervision."""

    model_config = ConfigDict(extra="forbid")
    attribute: Slug
    name_fa: single_line(200)  # type: ignore[valid-type]
    name_en: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LATIN_PATTERN)] = Field(
        description="Latin text (printable ASCII)."
    )
    note: single_line(500) | None = Field(default=None, description="A note for the officer.")  # type: ignore[valid-type]


def _base64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    if len(value) > _MAX_BASE64:
        raise PydanticCustomError("attachment_too_large", "An attachment is at most 1 MB (1,048,576 bytes).")
    if not re.fullmatch(BASE64_PATTERN, value):
        raise PydanticCustomError(
            "attachment_base64", "The content is base64 (RFC 4648, padded) of a file up to 1 MB."
        )
    try:
        content = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise PydanticCustomError("attachment_base64", "The content is not valid base64.") from None
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise PydanticCustomError("attachment_too_large", "An attachment is at most 1 MB (1,048,576 bytes).")
    return content


Base64File = Annotated[
    bytes,
    PlainValidator(_base64, json_schema_input_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": BASE64_PATTERN,
            "maxLength": _MAX_BASE64,
            "description": "The file, base64-encoded: a PDF or JPEG of at most 1 MB (its type is read "
            "from the content, not the name).",
        }
    ),
]


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: AttachmentKind
    file_name: single_line(200)  # type: ignore[valid-type]
    content_base64: Base64File  # type: ignore[valid-type]


AttributeText = single_line(200)


class ProductCard(BaseModel):
    """The identity card (شناسنامه کالا) of a product."""

    model_config = ConfigDict(extra="forbid")
    heading: Slug = Field(description="The heading's id (`GET /v1/product-headings`).")
    international_code: InternationalCode = Field(  # type: ignore[valid-type]
        description="GTIN, VIN, another scheme, or `none` (فاقد شناسه)."
    )
    irancode: Annotated[str, StringConstraints(pattern=r"^[0-9]{16}$")] | None = Field(
        default=None, description="The 16-digit Irancode (IRC), where the product has one."
    )
    hs_code: HsCode = Field(description="The 8-digit tariff line; must be one of the heading's.")  # type: ignore[valid-type]
    isic: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = Field(
        default=None, description="ISIC Rev.4 class, from the heading's list; mandatory where it says so."
    )
    cpc: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")] | None = Field(
        default=None, description="CPC subclass, from the heading's list; mandatory where it says so."
    )
    unit: Unit = Field(description="The chosen counting unit (واحد شمارش انتخابی).")
    conversion_factor: positive_decimal(12, 6) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="How many of the heading's main unit one chosen unit is; required when the units differ.",
    )
    packaging: Packaging
    attributes: dict[Slug, AttributeText] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        max_length=40,
        description="Descriptive attributes by key: a `list` attribute takes a value's code (or its "
        "Persian or English name), the others their text.",
        # Keys that are not slugs are refused: say so (patternProperties alone lets them through).
        json_schema_extra={"additionalProperties": False},
    )
    new_values: list[NewAttributeValue] = Field(default_factory=list, max_length=10)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)


class ProductRequestCreate(ProductCard):
    submit: bool = Field(
        default=False,
        description="false keeps the request as a draft (ارسال نشده) to submit later; true submits it.",
    )


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: single_line(1000)  # type: ignore[valid-type]


# ------------------------------------------------------------------ answers


class HeadingRef(BaseModel):
    id: str
    code: str
    name_fa: str
    name_en: str


class CodeOut(BaseModel):
    type: Literal["none", "gtin", "vin", "other"]
    scheme: str | None = None
    value: str | None = None


class AttributeShown(BaseModel):
    key: str
    name_fa: str
    name_en: str
    value: str = Field(description="The value's code (list) or text.")
    value_fa: str
    value_en: str


class PackagingOut(BaseModel):
    type: PackagingType
    weight_kg: Decimal


class BarcodeLinks(BaseModel):
    png: str
    svg: str


class ProductOut(BaseModel):
    """A product's catalogue page (کاتالوگ): its ID, codes and identity card."""

    product_id: str = Field(
        examples=["2000000000015"],
        description="13 digits: `2` (the GS1 in-house prefix range 20–29, so it never collides with a "
        "real GTIN), an 11-digit serial and the GS1 mod-10 check digit.",
    )
    heading: HeadingRef
    description_fa: str
    description_en: str
    international_code: CodeOut
    gtin: str | None
    gtin_iranian: bool = Field(description="The GTIN has Iran's GS1 prefix 626.")
    vin: str | None
    irancode: str | None
    hs_code: str
    isic: str | None
    cpc: str | None
    main_unit: Unit
    unit: Unit
    conversion_factor: Decimal | None
    packaging: PackagingOut
    attributes: list[AttributeShown]
    issued_at: dt.datetime
    barcode: BarcodeLinks


class ProductPage(BaseModel):
    items: list[ProductOut]
    next: str | None = None


class NewValueOut(BaseModel):
    attribute: str
    name_fa: str
    name_en: str
    note: str | None = None


class ProductAttachmentOut(BaseModel):
    id: str
    kind: AttachmentKind
    file_name: str
    media_type: Literal["application/pdf", "image/jpeg"]
    size: int
    sha256: str


class CardOut(BaseModel):
    """The card as requested (codes and values as given, normalised)."""

    international_code: CodeOut
    irancode: str | None
    hs_code: str
    isic: str | None
    cpc: str | None
    unit: Unit
    conversion_factor: Decimal | None
    packaging: PackagingOut
    attributes: dict[str, str]


class ProductRequestOut(BaseModel):
    """A product-ID request (درخواست) and, once issued, its product."""

    id: str
    state: RequestState
    state_fa: str
    heading: HeadingRef
    card: CardOut
    new_values: list[NewValueOut]
    attachments: list[ProductAttachmentOut]
    supervision_reasons: list[SupervisionReason]
    reused: bool = Field(
        description="The card matched a product already issued: its existing ID was returned, no new one."
    )
    product_id: str | None
    product: ProductOut | None
    requested_for: str
    requested_by: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_by: str | None
    decided_at: dt.datetime | None
    rejection_reason: str | None


class ProductRequestPage(BaseModel):
    items: list[ProductRequestOut]
    next: str | None = None
