"""Product-ID rules (SPEC §2 "Product IDs", seed 001). Flush, never commit.

Who sees a request: the merchant it is for, and their representative whose merchant-role grant
covers ``product-id``, in every state; officers of the supervising body (the Ministry of
Industry, Mine and Trade, ``orders.officers``) once it is sent (not drafts), and they alone
approve or reject it. Anyone else, a customs officer included: 404, as if it did not exist.

A request's card is checked against its heading and the tariff book
(``check_card``); a card with only existing values, of an unsupervised heading,
becomes a product ID at once; new attribute values or a supervised heading send
it to an officer. Identical cards (same canonical fingerprint) share one product
ID: a second registration returns the existing one (``reused``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orders_client.products import (
    STATE_NAMES_FA,
    AttachmentIn,
    AttributeOut,
    AttributeShown,
    AttributeValueOut,
    BarcodeLinks,
    CardOut,
    CodeOut,
    HeadingOut,
    HeadingRef,
    NewValueOut,
    PackagingOut,
    ProductAttachmentOut,
    ProductCard,
    ProductOut,
    ProductRequestOut,
    parse_vin,
)
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.access_levels import covers, may_act
from kit.auth import Principal
from kit.clock import now_utc, today_tehran
from kit.errors import field_pointer
from kit.etags import check_if_match
from kit.money import decimal_string
from kit.outbox import publish
from kit.request_context import current_request_id
from orders import audit, documents
from orders.db import outbox_events
from orders.officers import MIMT_OFFICE, is_mimt_officer
from orders.products import codes, repository
from orders.products.exceptions import (
    NotAMerchant,
    NotAnOfficer,
    ProductCardInvalid,
    ProductRequestNotFound,
    RequestNotDraft,
    RequestNotUnderSupervision,
    field_error,
)
from orders.products.models import (
    Product,
    ProductAttributeValue,
    ProductHeading,
    ProductRequest,
    ProductRequestAttachment,
    ProductRequestEvent,
)
from orders.reference import repository as reference
from orders.reference.text import normalise
from panjereh_contract.access_levels import AccessLevel
from panjereh_contract.identifiers import normalise_digits

PRODUCT_ID_SCOPE = "product-id"
MERCHANT = "merchant"
DRAFT = "not-sent"
# The events whose actors made a request (and so may not decide on it).
MADE_BY = ("created", "edited", "submitted")
NEW_VALUE = "new:"

Values = dict[str, list[ProductAttributeValue]]
# Refuses (``ConflictOfInterest``, audited) an officer who is party to a request: given the
# officer, the request, the decision (approved, rejected) and who made the request. The api binds
# it to the caller's token, which identity needs to tell the officer's ties.
IndependenceCheck = Callable[[Principal, ProductRequest, str, list[str | None]], Awaitable[None]]
# The absolute public URL of a service path (``/v1/products/...``), for links in answers.
Links = Callable[[str], str]


# ------------------------------------------------------------------ who may do what


def ensure_registrant(principal: Principal) -> None:
    """A merchant acting for themselves, or a representative of a merchant whose grant covers
    product IDs (SPEC §1: product-ID operations need the merchant role)."""
    if MERCHANT not in principal.roles or principal.subject.startswith("client:"):
        raise NotAMerchant("Registering a product ID needs the merchant role (بازرگان).")
    ensure_covers_product_ids(principal)


def ensure_covers_product_ids(principal: Principal) -> None:
    """A representative's grant must cover ``product-id`` in the merchant role (403): a trader
    grant, ``full`` included, covers domestic trade only."""
    if principal.actor is not None and not covers(principal, PRODUCT_ID_SCOPE):
        raise NotAMerchant(
            "The representation this token carries does not cover product IDs (scope `product-id` "
            "of a merchant-role grant).",
            missing_scopes=[PRODUCT_ID_SCOPE],
        )


def is_supervisor(principal: Principal) -> bool:
    """An officer of the supervising body, in their own token: the ministry's experts."""
    return is_mimt_officer(principal)


def ensure_supervisor(principal: Principal) -> None:
    if not is_supervisor(principal):
        raise NotAnOfficer()


def ensure_may_see(principal: Principal, request: ProductRequest) -> None:
    """The merchant it is for, or their representative whose grant covers product IDs (any
    access level: product requests carry none), in every state; a supervisor once it is sent.
    Anyone else, and a supervisor asking for a draft: 404."""
    if principal.subject == request.requested_for:
        if not may_act(principal, request.requested_for, AccessLevel.VERY_LIMITED):
            raise ProductRequestNotFound()
        ensure_covers_product_ids(principal)
        return
    if is_supervisor(principal) and request.state != DRAFT:
        return
    raise ProductRequestNotFound()


# Who reads a request's events (``ensure_may_see``): the merchant it is for, their representatives
# whose grant covers product IDs at any level (requests carry no level of their own: the lowest
# stands for "every level"), and the ministry's officers.
MIMT = ":".join(MIMT_OFFICE)


def _audience(request: ProductRequest) -> dict[str, str]:
    return {
        "party": request.requested_for,
        "access_level": AccessLevel.VERY_LIMITED.value,
        "scope": PRODUCT_ID_SCOPE,
        "office": MIMT,
    }


def _actor(principal: Principal) -> str:
    return principal.actor or principal.subject


async def _event(session: AsyncSession, request: ProductRequest, action: str, principal: Principal) -> None:
    await repository.add_event(
        session,
        ProductRequestEvent(
            request_id=request.id,
            action=action,
            state=request.state,
            actor=_actor(principal),
            principal=principal.subject,
            http_request_id=current_request_id(),
        ),
    )


# ------------------------------------------------------------------ checking a card


@dataclass
class CheckedCard:
    """A card that passed its heading's rules, normalised."""

    normalised: dict[str, Any]
    fingerprint: str
    columns: dict[str, Any]
    supervision_reasons: list[str] = field(default_factory=list)


def _match_value(values: list[ProductAttributeValue], given: str) -> ProductAttributeValue | None:
    wanted = normalise(given)
    for value in values:
        if given == value.code or wanted in (
            normalise(value.code),
            normalise(value.name_fa),
            normalise(value.name_en),
        ):
            return value
    return None


def _check_attribute(
    definition: dict[str, Any], given: str, values: list[ProductAttributeValue], pointer: str
) -> tuple[str | None, dict[str, str] | None]:
    """(normalised value, None) or (None, field error)."""
    kind = definition["kind"]
    if kind == "list":
        value = _match_value(values, given)
        if value is None:
            codes_ = ", ".join(v.code for v in values[:30])
            detail = (
                f"{given!r} is not a value of {definition['name_en']} ({codes_}). Request a new value in "
                "`new_values` with its Persian and Latin text; it goes to supervision."
            )
            return None, field_error(pointer, detail, "attribute_value_unknown")
        return value.code, None
    if kind == "vin":
        try:
            return parse_vin(normalise_digits(given)), None
        except PydanticCustomError as exc:
            return None, field_error(pointer, exc.message(), exc.type)
    if kind == "year":
        text = normalise_digits(given)
        if not re.fullmatch(r"[0-9]{4}", text) or not 1900 <= int(text) <= today_tehran().year + 1:
            detail = f"A year is 4 digits, from 1900 to {today_tehran().year + 1}."
            return None, field_error(pointer, detail, "attribute_year_invalid")
        return text, None
    if kind == "number":
        text = normalise_digits(given)
        if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,3})?", text):
            return None, field_error(
                pointer, "A number such as 15 or 7.5 (up to 3 decimals).", "attribute_number_invalid"
            )
        return decimal_string(Decimal(text)), None
    return normalise(given), None


def _display(definition: dict[str, Any], value: str, values: list[ProductAttributeValue]) -> tuple[str, str]:
    """The value's Persian and English text."""
    if definition["kind"] == "list":
        for item in values:
            if item.code == value:
                return item.name_fa, item.name_en
    return value, value


async def check_card(
    session: AsyncSession,
    heading: ProductHeading,
    values: Values,
    card: ProductCard,
    attachment_kinds: set[str],
) -> CheckedCard:
    """The card checked against its heading and the tariff book, or ``ProductCardInvalid``
    naming every bad field."""
    errors: list[dict[str, str]] = []
    definitions = {d["key"]: d for d in heading.attributes}

    line = await reference.tariff_line(session, card.hs_code)
    if line is None:
        errors.append(field_error(
            "#/body/hs_code",
            f"No tariff line {card.hs_code} is in force; search GET /v1/tariff-lines.",
            "unknown_hs_code",
        ))  # fmt: skip
    elif not any(card.hs_code.startswith(p) for p in heading.tariff_prefixes):
        errors.append(field_error(
            "#/body/hs_code",
            f"{card.hs_code} is not a tariff code of the heading {heading.name_en!r} "
            f"(codes starting {', '.join(heading.tariff_prefixes)}).",
            "hs_code_not_in_heading",
        ))  # fmt: skip

    for name, given, allowed, required in (
        ("isic", card.isic, heading.isic_codes, heading.isic_required),
        ("cpc", card.cpc, heading.cpc_codes, heading.cpc_required),
    ):
        label = name.upper()
        if given is None and required:
            errors.append(
                field_error(
                    field_pointer("body", name), f"The heading requires a {label} code.", f"{name}_required"
                )
            )
        elif given is not None and given not in allowed:
            listed = ", ".join(allowed) or "none"
            errors.append(field_error(
                field_pointer("body", name), f"{given} is not a {label} code of the heading ({listed}).", f"{name}_not_in_heading"
            ))  # fmt: skip

    factor = card.conversion_factor
    if card.unit != heading.main_unit and factor is None:
        errors.append(field_error(
            "#/body/conversion_factor",
            f"The chosen unit {card.unit} differs from the heading's main unit {heading.main_unit}: give "
            f"how many {heading.main_unit} one {card.unit} is.",
            "conversion_factor_required",
        ))  # fmt: skip
    if card.unit == heading.main_unit and factor is not None and factor != 1:
        errors.append(field_error(
            "#/body/conversion_factor",
            "The chosen unit is the heading's main unit: the conversion factor is 1 (leave it out).",
            "conversion_factor_not_allowed",
        ))  # fmt: skip

    code = card.international_code
    code_out: dict[str, Any] = {"type": code.type}
    if code.type in ("gtin", "vin"):
        code_out["value"] = code.value
    elif code.type == "other":
        code_out.update(scheme=normalise(code.scheme), value=code.value.upper())

    given_attributes = dict(card.attributes)
    vin_keys = [k for k, d in definitions.items() if d["kind"] == "vin"]
    if code.type == "vin":
        for key in vin_keys:
            given_attributes.setdefault(key, code.value)

    new_by_attribute: dict[str, str] = {}
    for index, new in enumerate(card.new_values):
        pointer = field_pointer("body", "new_values", index, "attribute")
        definition = definitions.get(new.attribute)
        if definition is None:
            errors.append(
                field_error(pointer, f"The heading has no attribute {new.attribute!r}.", "attribute_unknown")
            )
            continue
        if definition["kind"] != "list":
            errors.append(field_error(
                pointer, f"{definition['name_en']} is free text: give it in `attributes`.", "attribute_not_a_list"
            ))  # fmt: skip
            continue
        if new.attribute in given_attributes or new.attribute in new_by_attribute:
            errors.append(field_error(
                pointer, f"{new.attribute!r} is given twice: once only, in `attributes` or here.", "attribute_given_twice"
            ))  # fmt: skip
            continue
        existing = _match_value(values.get(new.attribute, []), new.name_en) or _match_value(
            values.get(new.attribute, []), new.name_fa
        )
        if existing is not None:
            errors.append(field_error(
                field_pointer("body", "new_values", index, "name_en"),
                f"{definition['name_en']} already has this value: give {existing.code!r} in `attributes`.",
                "attribute_value_exists",
            ))  # fmt: skip
            continue
        new_by_attribute[new.attribute] = NEW_VALUE + normalise(new.name_en)

    normalised_attributes: dict[str, str] = {}
    named_in_new_values = {n.attribute for n in card.new_values}
    for key in given_attributes:
        if key not in definitions:
            errors.append(
                field_error(
                    field_pointer("body", "attributes", key),
                    f"The heading has no attribute {key!r}.",
                    "attribute_unknown",
                )
            )
    for key, definition in definitions.items():
        if key in new_by_attribute:
            normalised_attributes[key] = new_by_attribute[key]
            continue
        given = given_attributes.get(key)
        pointer = field_pointer("body", "attributes", key)
        if given is None:
            if definition["mandatory"] and key not in named_in_new_values:
                errors.append(
                    field_error(
                        pointer,
                        f"{definition['name_en']} ({definition['name_fa']}) is mandatory.",
                        "attribute_missing",
                    )
                )
            continue
        value, error = _check_attribute(definition, given, values.get(key, []), pointer)
        if error is not None:
            errors.append(error)
            continue
        assert value is not None
        if definition["kind"] == "vin" and code.type == "vin" and value != code.value:
            errors.append(
                field_error(pointer, "The VIN differs from the international code's VIN.", "vin_mismatch")
            )
            continue
        normalised_attributes[key] = value

    if (
        any(definitions.get(a, {}).get("brand") for a in new_by_attribute)
        and "brand-certificate" not in attachment_kinds
    ):
        errors.append(field_error(
            "#/body/attachments",
            "A new brand needs its brand-registration certificate (گواهی ثبت برند) attached: kind "
            "`brand-certificate`, a PDF or JPEG of at most 1 MB.",
            "brand_certificate_required",
        ))  # fmt: skip
    for kind in heading.mandatory_attachments:
        if kind not in attachment_kinds:
            errors.append(field_error(
                "#/body/attachments", f"The heading requires an attachment of kind {kind!r}.", "attachment_required"
            ))  # fmt: skip
    if errors:
        raise ProductCardInvalid(errors)

    conversion = None if card.unit == heading.main_unit or factor is None else decimal_string(factor)
    normalised = {
        "heading": heading.id,
        "international_code": code_out,
        "irancode": card.irancode,
        "hs_code": card.hs_code,
        "isic": card.isic,
        "cpc": card.cpc,
        "unit": card.unit,
        "conversion_factor": conversion,
        "packaging": {"type": card.packaging.type, "weight_kg": decimal_string(card.packaging.weight_kg)},
        "attributes": normalised_attributes,
    }
    reasons = []
    if new_by_attribute:
        reasons.append("new-values")
    if heading.supervised:
        reasons.append("supervised-heading")
    gtin = code.value if code.type == "gtin" else None
    vin = (
        code.value
        if code.type == "vin"
        else next((normalised_attributes[k] for k in vin_keys if k in normalised_attributes), None)
    )
    columns = {
        "heading_id": heading.id,
        "code_type": code.type,
        "code_scheme": code_out.get("scheme"),
        "code_value": code_out.get("value"),
        "gtin": gtin,
        "vin": vin,
        "irancode": card.irancode,
        "hs_code": card.hs_code,
        "isic": card.isic,
        "cpc": card.cpc,
        "main_unit": heading.main_unit,
        "unit": card.unit,
        "conversion_factor": Decimal(conversion) if conversion else None,
        "packaging_type": card.packaging.type,
        "packaging_weight_kg": card.packaging.weight_kg,
        "attributes": normalised_attributes,
    }
    return CheckedCard(normalised, codes.fingerprint(normalised), columns, reasons)


def _descriptions(heading: ProductHeading, values: Values, attributes: dict[str, str]) -> tuple[str, str]:
    fa, en = [heading.name_fa], [heading.name_en]
    for definition in heading.attributes:
        value = attributes.get(definition["key"])
        if value is None:
            continue
        shown_fa, shown_en = _display(definition, value, values.get(definition["key"], []))
        fa.append(shown_fa)
        en.append(shown_en)
    return " ".join(fa), " ".join(en)


# ------------------------------------------------------------------ issuing


async def _issue_or_reuse(
    session: AsyncSession,
    request: ProductRequest,
    heading: ProductHeading,
    values: Values,
    checked: CheckedCard,
) -> bool:
    """Point the request at the product of its card, issuing one if none exists; True when a
    new product ID was issued."""
    product = await repository.product_by_fingerprint(session, checked.fingerprint)
    issued = False
    if product is None:
        product_id = codes.product_id_for(await repository.next_product_serial(session))
        description_fa, description_en = _descriptions(heading, values, checked.columns["attributes"])
        columns = checked.columns
        product = await repository.insert_product(
            session,
            {
                **columns,
                "product_id": product_id,
                "fingerprint": checked.fingerprint,
                "description_fa": description_fa,
                "description_en": description_en,
                "search_text": normalise(" ".join(
                    p for p in (product_id, description_fa, description_en, columns["gtin"], columns["vin"],
                                columns["irancode"], columns["hs_code"], columns["code_value"]) if p
                )),
                "issued_for_request": request.id,
            },
        )  # fmt: skip
        if product is None:  # an identical card was issued concurrently
            product = await repository.product_by_fingerprint(session, checked.fingerprint)
            assert product is not None
        else:
            issued = True
            await publish(
                session,
                outbox_events,
                "product.issued",
                product.product_id,
                {
                    "product_id": product.product_id,
                    "heading": product.heading_id,
                    "hs_code": product.hs_code,
                    "gtin": product.gtin,
                    "vin": product.vin,
                    "request_id": str(request.id),
                    "requested_for": request.requested_for,
                },
                url=f"/v1/products/{product.product_id}",
                **_audience(request),
            )
    request.state = "issued"
    request.product_id = product.product_id
    request.reused = not issued
    return issued


async def _submit(
    session: AsyncSession,
    request: ProductRequest,
    heading: ProductHeading,
    values: Values,
    card: ProductCard,
    attachment_kinds: set[str],
    principal: Principal,
) -> None:
    checked = await check_card(session, heading, values, card, attachment_kinds)
    request.submitted_at = now_utc()
    request.supervision_reasons = checked.supervision_reasons
    existing = (
        None if "new-values" in checked.supervision_reasons
        else await repository.product_by_fingerprint(session, checked.fingerprint)
    )  # fmt: skip
    if existing is None and checked.supervision_reasons:
        request.state = "under-supervision"
        await session.flush()
        await _event(session, request, "submitted", principal)
        return
    await _issue_or_reuse(session, request, heading, values, checked)
    await session.flush()
    await _event(session, request, "reused" if request.reused else "issued", principal)


async def _heading(session: AsyncSession, heading_id: str) -> tuple[ProductHeading, Values]:
    heading = await repository.heading(session, heading_id)
    if heading is None:
        raise ProductCardInvalid([field_error(
            "#/body/heading", f"No product heading {heading_id!r}; search GET /v1/product-headings.", "unknown_heading"
        )])  # fmt: skip
    values = (await repository.attribute_values(session, [heading.id]))[heading.id]
    return heading, values


def _attachment_rows(attachments: list[AttachmentIn]) -> list[ProductRequestAttachment]:
    rows, errors = [], []
    for index, attachment in enumerate(attachments):
        media_type = documents.sniff(attachment.content_base64)
        if media_type is None:
            errors.append(field_error(
                f"#/body/attachments/{index}/content_base64",
                "The file is neither a PDF nor a JPEG (its content was read, not its name).",
                "attachment_type_not_allowed",
            ))  # fmt: skip
            continue
        rows.append(
            ProductRequestAttachment(
                kind=attachment.kind,
                file_name=attachment.file_name,
                media_type=media_type,
                size=len(attachment.content_base64),
                sha256=hashlib.sha256(attachment.content_base64).hexdigest(),
                content=attachment.content_base64,
            )
        )
    if errors:
        raise ProductCardInvalid(errors)
    return rows


def _stored_card(card: ProductCard) -> dict[str, Any]:
    return card.model_dump(mode="json", exclude={"attachments", "submit"})


async def create_request(
    session: AsyncSession, principal: Principal, card: ProductCard, *, submit: bool
) -> ProductRequest:
    """A new request, kept as a draft or submitted at once."""
    ensure_registrant(principal)
    heading, values = await _heading(session, card.heading)
    attachments = _attachment_rows(card.attachments)
    request = ProductRequest(
        id=uuid.uuid4(),
        state="not-sent",
        heading_id=heading.id,
        card=_stored_card(card),
        new_values=[n.model_dump(mode="json") for n in card.new_values],
        supervision_reasons=[],
        reused=False,
        requested_for=principal.subject,
        requested_by=_actor(principal),
        created_at=now_utc(),
    )
    session.add(request)
    await session.flush()
    for attachment in attachments:
        attachment.request_id = request.id
        session.add(attachment)
    await _event(session, request, "created", principal)
    if submit:
        await _submit(session, request, heading, values, card, {a.kind for a in attachments}, principal)
    await session.flush()
    return request


def etag(request: ProductRequest) -> str:
    return f'"{request.id}.{request.version}"'


async def edit_draft(
    session: AsyncSession,
    principal: Principal,
    request_id: uuid.UUID,
    card: ProductCard,
    if_match: str | None,
) -> ProductRequest:
    """A draft's card replaced as a whole, attachments included; checked as on creation (the
    heading and attachments now, the rest when it is submitted). ``If-Match`` must carry the
    request's ETag: a merchant and their representative may edit the same draft."""
    request = await repository.product_request(session, request_id, lock=True)
    if request is None:
        raise ProductRequestNotFound()
    ensure_may_see(principal, request)
    ensure_registrant(principal)
    check_if_match(etag(request), if_match)
    if request.state != "not-sent":
        raise RequestNotDraft(request.state, "edited")
    heading, _ = await _heading(session, card.heading)
    attachments = _attachment_rows(card.attachments)
    await repository.delete_attachments(session, request.id)
    request.heading_id = heading.id
    request.card = _stored_card(card)
    request.new_values = [n.model_dump(mode="json") for n in card.new_values]
    request.version += 1
    for attachment in attachments:
        attachment.request_id = request.id
        session.add(attachment)
    await _event(session, request, "edited", principal)
    await session.flush()
    return request


async def submit_request(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID
) -> ProductRequest:
    request = await repository.product_request(session, request_id, lock=True)
    if request is None:
        raise ProductRequestNotFound()
    ensure_may_see(principal, request)
    ensure_registrant(principal)
    if request.state != "not-sent":
        raise RequestNotDraft(request.state)
    heading, values = await _heading(session, request.heading_id)
    kinds = {a.kind for a in (await repository.attachments(session, [request.id]))[request.id]}
    await _submit(
        session, request, heading, values, ProductCard.model_validate(request.card), kinds, principal
    )
    await session.flush()
    return request


def _value_code(name_en: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name_en.casefold()).strip("-")[:70] or "value"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


async def ensure_independent(
    session: AsyncSession,
    check: IndependenceCheck,
    principal: Principal,
    request: ProductRequest,
    decision: str,
) -> None:
    """Separation of duties (``orders.conflicts``): the supervisor is not the merchant, nor their
    representative or manager, nor one who created, edited or sent the request."""
    makers = await repository.event_actors(session, request.id, MADE_BY)
    await check(principal, request, decision, [request.requested_by, *makers])


async def approve_request(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID, check: IndependenceCheck
) -> ProductRequest:
    """An officer approves: new values join their attributes' lists, and the card becomes a
    product ID (or the existing one of an identical card)."""
    ensure_supervisor(principal)
    request = await repository.product_request(session, request_id, lock=True)
    if request is None:
        raise ProductRequestNotFound()
    ensure_may_see(principal, request)
    await ensure_independent(session, check, principal, request, "approved")
    if request.state != "under-supervision":
        raise RequestNotUnderSupervision(request.state)
    heading, values = await _heading(session, request.heading_id)
    card = dict(request.card)
    attributes = dict(card.get("attributes", {}))
    now = now_utc()
    for new in card.get("new_values", []):
        existing = values.setdefault(new["attribute"], [])
        match = _match_value(existing, new["name_en"])
        if match is None:
            match = ProductAttributeValue(
                heading_id=heading.id,
                attribute=new["attribute"],
                code=_value_code(new["name_en"], {v.code for v in existing}),
                name_fa=new["name_fa"],
                name_en=new["name_en"],
                position=len(existing),
                origin="approved",
                approved_by=principal.subject,
                approved_at=now,
                request_id=request.id,
            )
            await repository.add_attribute_value(session, match)
            existing.append(match)
        attributes[new["attribute"]] = match.code
    card.update(attributes=attributes, new_values=[])
    kinds = {a.kind for a in (await repository.attachments(session, [request.id]))[request.id]}
    checked = await check_card(session, heading, values, ProductCard.model_validate(card), kinds)
    request.card = card
    await _issue_or_reuse(session, request, heading, values, checked)
    request.decided_by = principal.subject
    request.decided_at = now
    await session.flush()
    await _event(session, request, "approved", principal)
    await audit.record(session, principal, "product-request.approved", "product-request", request.id)
    return request


async def reject_request(
    session: AsyncSession,
    principal: Principal,
    request_id: uuid.UUID,
    reason: str,
    check: IndependenceCheck,
) -> ProductRequest:
    ensure_supervisor(principal)
    request = await repository.product_request(session, request_id, lock=True)
    if request is None:
        raise ProductRequestNotFound()
    ensure_may_see(principal, request)
    await ensure_independent(session, check, principal, request, "rejected")
    if request.state != "under-supervision":
        raise RequestNotUnderSupervision(request.state)
    request.state = "rejected"
    request.rejection_reason = reason
    request.decided_by = principal.subject
    request.decided_at = now_utc()
    await session.flush()
    await _event(session, request, "rejected", principal)
    await publish(
        session,
        outbox_events,
        "product-request.rejected",
        f"product-request:{request.id}",
        {
            "request_id": str(request.id),
            "heading": request.heading_id,
            "requested_for": request.requested_for,
            "reason": reason,
        },
        url=f"/v1/product-requests/{request.id}",
        **_audience(request),
    )
    await audit.record(
        session, principal, "product-request.rejected", "product-request", request.id, reason=reason
    )
    return request


# ------------------------------------------------------------------ answers


def heading_ref(heading: ProductHeading) -> HeadingRef:
    return HeadingRef(id=heading.id, code=heading.code, name_fa=heading.name_fa, name_en=heading.name_en)


def heading_out(heading: ProductHeading, values: Values) -> HeadingOut:
    return HeadingOut(
        id=heading.id,
        code=heading.code,
        name_fa=heading.name_fa,
        name_en=heading.name_en,
        alt_names=heading.alt_names,
        group_fa=heading.group_fa,
        group_en=heading.group_en,
        tariff_prefixes=heading.tariff_prefixes,
        isic_codes=heading.isic_codes,
        isic_required=heading.isic_required,
        cpc_codes=heading.cpc_codes,
        cpc_required=heading.cpc_required,
        main_unit=heading.main_unit,  # type: ignore[arg-type]
        supervised=heading.supervised,
        mandatory_attachments=heading.mandatory_attachments,  # type: ignore[arg-type]
        attributes=[
            AttributeOut(
                **{k: d[k] for k in ("key", "name_fa", "name_en", "kind", "mandatory", "brand")},
                values=[
                    AttributeValueOut(code=v.code, name_fa=v.name_fa, name_en=v.name_en)
                    for v in values.get(d["key"], [])
                ],
            )
            for d in heading.attributes
        ],
        sources=heading.sources,
        confidence=heading.confidence,  # type: ignore[arg-type]
        verified=heading.verified,
        demo=heading.demo,
    )


def product_out(product: Product, heading: ProductHeading, values: Values, links: Links) -> ProductOut:
    definitions = {d["key"]: d for d in heading.attributes}
    shown = []
    for key, value in product.attributes.items():
        definition = definitions.get(key, {"key": key, "name_fa": key, "name_en": key, "kind": "text"})
        value_fa, value_en = _display(definition, value, values.get(key, []))
        shown.append(AttributeShown(
            key=key, name_fa=definition["name_fa"], name_en=definition["name_en"],
            value=value, value_fa=value_fa, value_en=value_en,
        ))  # fmt: skip
    base = f"/v1/products/{product.product_id}/barcode"
    return ProductOut(
        product_id=product.product_id,
        heading=heading_ref(heading),
        description_fa=product.description_fa,
        description_en=product.description_en,
        international_code=CodeOut(
            type=product.code_type, scheme=product.code_scheme, value=product.code_value
        ),  # type: ignore[arg-type]
        gtin=product.gtin,
        gtin_iranian=bool(product.gtin and product.gtin.startswith("626")),
        vin=product.vin,
        irancode=product.irancode,
        hs_code=product.hs_code,
        isic=product.isic,
        cpc=product.cpc,
        main_unit=product.main_unit,  # type: ignore[arg-type]
        unit=product.unit,  # type: ignore[arg-type]
        conversion_factor=product.conversion_factor,
        packaging=PackagingOut(type=product.packaging_type, weight_kg=product.packaging_weight_kg),  # type: ignore[arg-type]
        attributes=shown,
        issued_at=product.issued_at,
        barcode=BarcodeLinks(png=links(base + ".png"), svg=links(base + ".svg")),
    )


def _card_out(card: dict[str, Any]) -> CardOut:
    code = card["international_code"]
    factor = card.get("conversion_factor")
    return CardOut(
        international_code=CodeOut(type=code["type"], scheme=code.get("scheme"), value=code.get("value")),
        irancode=card.get("irancode"),
        hs_code=card["hs_code"],
        isic=card.get("isic"),
        cpc=card.get("cpc"),
        unit=card["unit"],
        conversion_factor=Decimal(factor) if factor is not None else None,
        packaging=PackagingOut(
            type=card["packaging"]["type"], weight_kg=Decimal(card["packaging"]["weight_kg"])
        ),
        attributes=card.get("attributes", {}),
    )


def request_out(
    request: ProductRequest,
    heading: ProductHeading,
    values: Values,
    attachments: list[Any],
    product: Product | None,
    links: Links,
) -> ProductRequestOut:
    return ProductRequestOut(
        id=str(request.id),
        state=request.state,  # type: ignore[arg-type]
        state_fa=STATE_NAMES_FA[request.state],
        heading=heading_ref(heading),
        card=_card_out(request.card),
        new_values=[NewValueOut(**n) for n in request.new_values],
        attachments=[
            ProductAttachmentOut(
                id=str(a.id),
                kind=a.kind,
                file_name=a.file_name,
                media_type=a.media_type,
                size=a.size,
                sha256=a.sha256,
            )
            for a in attachments
        ],
        supervision_reasons=request.supervision_reasons,  # type: ignore[arg-type]
        reused=request.reused,
        product_id=request.product_id,
        product=product_out(product, heading, values, links) if product is not None else None,
        requested_for=request.requested_for,
        requested_by=request.requested_by,
        created_at=request.created_at,
        submitted_at=request.submitted_at,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        rejection_reason=request.rejection_reason,
    )


async def requests_out(
    session: AsyncSession, requests: list[ProductRequest], links: Links
) -> list[ProductRequestOut]:
    """Answers for ``requests`` in four queries, whatever their number."""
    heading_ids = sorted({r.heading_id for r in requests})
    headings = {h: await repository.heading(session, h) for h in heading_ids}
    values = await repository.attribute_values(session, heading_ids)
    attachments = await repository.attachments(session, [r.id for r in requests])
    products = await repository.products_by_id(session, [r.product_id for r in requests if r.product_id])
    return [
        request_out(
            r, headings[r.heading_id], values[r.heading_id], attachments[r.id],  # type: ignore[arg-type]
            products.get(r.product_id) if r.product_id else None, links,
        )
        for r in requests
    ]  # fmt: skip


async def products_out(session: AsyncSession, products: list[Product], links: Links) -> list[ProductOut]:
    heading_ids = sorted({p.heading_id for p in products})
    headings = {h: await repository.heading(session, h) for h in heading_ids}
    values = await repository.attribute_values(session, heading_ids)
    return [product_out(p, headings[p.heading_id], values[p.heading_id], links) for p in products]  # type: ignore[arg-type]
