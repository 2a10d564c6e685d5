"""Every event type the services publish, in one place: its type, what it means, its ``data``.

A feed event's ``type`` is ``<service>.<kind>.<what happened>`` (``kit.feed_api.event_type``:
the outbox topic ``order.approved`` on an ``order-file`` is ``orders.order-file.approved``). Its
``data`` is the thin payload the publisher writes; each type's model below is that payload,
field for field (``extra="forbid"``: the repository's tests validate every published event
against it, so a publisher and its entry cannot drift apart).

Subscriptions name types by pattern (``matches``): an exact type, ``<service>.*``,
``<service>.<kind>.*`` or ``*``; ``known_pattern`` says whether a pattern names any type here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from panjereh_contract.access_levels import AccessLevel

WILDCARD = "*"


class EventData(BaseModel):
    """The ``data`` of one event type (exactly the publisher's fields)."""

    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ identity


class RepresentationData(EventData):
    """A grant of representation as every representation event carries it."""

    representation_id: str
    state: str = Field(description="The stored decision: pending, accepted, rejected or revoked.")
    grantor: str = Field(description="The grantor's subject (`user:…`, `legal:…`).")
    grantor_role: str
    representative: str = Field(description="The representative's subject: they are told too.")
    scopes: list[str]
    access_level: AccessLevel
    starts_on: date
    ends_on: date
    at: datetime = Field(description="When it happened (for `expired`: when the expiry was noticed).")


# ------------------------------------------------------------------ orders


class OrderFileData(EventData):
    """What every order-file event carries."""

    file_id: str
    owner: str = Field(description="The merchant whose file it is.")
    status: str = Field(description="The file's stored status after the change.")


class OrderFileRegisteredData(OrderFileData):
    validity_months: int


class OrderFileApprovedData(OrderFileData):
    approved_on: date | None
    expires_on: date
    total_amount: str = Field(description="Decimal, as a string.")
    currency: str
    hs_codes: list[str]


class OrderFileRejectedData(OrderFileData):
    reason: str


class OrderFileExtendedData(OrderFileData):
    months: int
    expires_on_before: date
    expires_on: date


class OrderFileExpiredData(OrderFileData):
    expires_on: date | None


class OrderFileCancelledData(OrderFileData):
    from_status: str = Field(description="The status it was cancelled from.")


class ProductIssuedData(EventData):
    product_id: str
    heading: str
    hs_code: str
    gtin: str | None
    vin: str | None
    request_id: str
    requested_for: str = Field(description="The merchant whose request the ID was issued on.")


class ProductRequestRejectedData(EventData):
    request_id: str
    heading: str
    requested_for: str
    reason: str


class MikhakCaseData(EventData):
    case_id: str
    vin: str


class CaseInquiryData(EventData):
    case_id: str
    vin: str
    subject: str = Field(description="The applicant whose inquiry succeeded.")
    inquiry_id: str


# ------------------------------------------------------------------ notifications


class NotificationTestData(EventData):
    message: str


# ------------------------------------------------------------------ the catalogue


@dataclass(frozen=True)
class EventType:
    """One event type: ``type`` (``<service>.<kind>.<what happened>``), a one-line ``summary``
    and the model of its ``data``."""

    type: str
    summary: str
    data: type[EventData]

    @property
    def service(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def kind(self) -> str:
        return self.type.split(".")[1]


_CATALOGUE: tuple[EventType, ...] = (
    # identity: grants of representation (the grantor's; the representative is told too)
    EventType("identity.representation.granted", "A grant of representation was signed; it awaits the representative's answer.", RepresentationData),
    EventType("identity.representation.accepted", "The representative accepted a grant of representation.", RepresentationData),
    EventType("identity.representation.rejected", "The representative rejected a grant of representation.", RepresentationData),
    EventType("identity.representation.revoked", "The grantor revoked a grant of representation.", RepresentationData),
    EventType("identity.representation.expired", "An accepted grant of representation passed its end date.", RepresentationData),
    # orders: order-registration files
    EventType("orders.order-file.submitted", "An order-registration file was submitted and its fee computed.", OrderFileData),
    EventType("orders.order-file.registered", "An order-registration file was signed and sent for the ministry's review.", OrderFileRegisteredData),
    EventType("orders.order-file.approved", "The ministry approved an order-registration file (or its amendment).", OrderFileApprovedData),
    EventType("orders.order-file.rejected", "The ministry rejected an order-registration file.", OrderFileRejectedData),
    EventType("orders.order-file.extended", "An approved order-registration file's validity was extended.", OrderFileExtendedData),
    EventType("orders.order-file.expired", "An approved order-registration file passed its validity.", OrderFileExpiredData),
    EventType("orders.order-file.cancelled", "A submitted, reviewed or approved order-registration file was cancelled.", OrderFileCancelledData),
    # orders: product IDs
    EventType("orders.product.issued", "A new product ID was issued on a merchant's product-ID request.", ProductIssuedData),
    EventType("orders.product-request.rejected", "The ministry rejected a product-ID request under supervision.", ProductRequestRejectedData),
    # orders: personal cars of Iranians abroad (the Mikhak feed) and the case-permit inquiry
    EventType("orders.mikhak-case.approved", "Mikhak sent an approved, eligible personal-car case.", MikhakCaseData),
    EventType("orders.mikhak-case.revoked", "Mikhak withdrew a personal-car case.", MikhakCaseData),
    EventType("orders.car-case-permit.inquiry-succeeded", "An applicant's case-permit inquiry for their car succeeded.", CaseInquiryData),
    # notifications
    EventType("notifications.test.sent", "A test event a subscriber asked for.", NotificationTestData),
)  # fmt: skip


@cache
def event_types() -> dict[str, EventType]:
    """Every catalogued event type by its ``type``, in the catalogue's order."""
    return {entry.type: entry for entry in _CATALOGUE}


def matches(pattern: str, event_type: str) -> bool:
    """Whether a subscription ``pattern`` covers ``event_type``: the exact type, ``*`` (every
    type), ``<service>.*`` (every type of the service) or ``<service>.<kind>.*`` (every type
    of one kind of object). Any other use of ``*`` matches nothing."""
    if pattern == WILDCARD:
        return True
    if not pattern.endswith(".*"):
        return pattern == event_type
    stem = pattern[:-2]
    if WILDCARD in stem or not stem or stem.count(".") > 1:
        return False
    return event_type.startswith(stem + ".")


def known_pattern(pattern: str) -> bool:
    """Whether ``pattern`` is well formed and covers at least one catalogued type."""
    return any(matches(pattern, name) for name in event_types())


def parse_data(event_type: str, data: dict[str, Any]) -> EventData:
    """``data`` read as its type's model; ``KeyError`` for an uncatalogued type, pydantic's
    ``ValidationError`` when the payload does not fit."""
    return event_types()[event_type].data.model_validate(data)
