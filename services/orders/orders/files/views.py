"""Files as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence

from orders_client.files import (
    AccessLevelHistoryEntry,
    FeeOut,
    HistoryEntry,
    LineOut,
    OrderAttachmentOut,
    OrderFileOut,
    OrderFileSummary,
    RegistrationOut,
    ReviewOut,
    SellerRef,
)
from orders_client.reference import RequiredPermit

from kit.jalali import jalali
from kit.money import decimal_string
from orders.files.access import shown_status
from orders.files.models import OrderAttachment, OrderFee, OrderFile, OrderFileEvent, OrderLine
from orders.files.records import Row
from orders.reference.service import Catalogue, issuing_body


def etag(file: OrderFile | Row) -> str:
    return f'"{file.id}.{file.version}"'


def permits_out(kinds: list[str], catalogue: Catalogue) -> list[RequiredPermit]:
    out = []
    for kind_id in kinds:
        kind = catalogue.permit_kinds.get(kind_id)
        if kind is not None:
            out.append(
                RequiredPermit(
                    kind=kind.id, name_en=kind.name_en, name_fa=kind.name_fa, issuing_body=issuing_body(kind)
                )
            )
    return out


def line_out(line: OrderLine | Row, catalogue: Catalogue) -> LineOut:
    return LineOut(
        id=str(line.id),
        hs_code=line.hs_code,
        product_id=line.product_id,
        description=line.description,
        quantity=decimal_string(line.quantity),
        unit=line.unit,
        value=decimal_string(line.value),
        duty_category=line.duty_category,
        permits=permits_out(line.permits, catalogue),
    )


def fee_out(fee: OrderFee | Row) -> FeeOut:
    return FeeOut(
        kind=fee.kind,  # type: ignore[arg-type]
        amount_rials=fee.amount_rials,
        exchange_rate=decimal_string(fee.exchange_rate),
        verified=fee.verified,
        computed_at=fee.computed_at,
        trace=fee.trace,
    )


def file_out(
    file: OrderFile | Row,
    lines: Sequence[OrderLine | Row],
    fees: Sequence[OrderFee | Row],
    catalogue: Catalogue,
) -> OrderFileOut:
    registration = None
    if file.signer and file.signature_kid and file.registered_at:
        registration = RegistrationOut(
            signer=file.signer, kid=file.signature_kid, registered_at=file.registered_at
        )
    review = None
    if file.reviewed_by and file.reviewed_at:
        review = ReviewOut(
            officer=file.reviewed_by, reviewed_at=file.reviewed_at, rejection_reason=file.rejection_reason
        )
    return OrderFileOut(
        id=str(file.id),
        owner=file.owner,
        status=shown_status(file),  # type: ignore[arg-type]
        access_level=file.access_level,  # type: ignore[arg-type]
        kind=file.kind,  # type: ignore[arg-type]
        version=file.version,
        proforma_number=file.proforma_number,
        proforma_issued_on=file.proforma_issued_on,
        proforma_issued_on_jalali=jalali(file.proforma_issued_on),
        proforma_expires_on=file.proforma_expires_on,
        proforma_expires_on_jalali=jalali(file.proforma_expires_on),
        beneficiary_country=file.beneficiary_country,
        seller=SellerRef(fida_id=file.seller_fida_id, name=file.seller_name),
        incoterm=file.incoterm,
        partial_shipment=file.partial_shipment,
        entry_border=file.entry_border,
        destination_customs=file.destination_customs,
        transport_fleet=file.transport_fleet,
        total_amount=decimal_string(file.total_amount),
        currency=file.currency,
        transaction_type=file.transaction_type,
        currency_source=file.currency_source,
        payment_method=file.payment_method,
        freight_amount=decimal_string(file.freight_amount),
        lines=[line_out(line, catalogue) for line in lines],
        fees=[fee_out(fee) for fee in fees],
        validity_months=file.validity_months,
        registration=registration,
        review=review,
        approved_on=file.approved_on,
        approved_on_jalali=jalali(file.approved_on),
        expires_on=file.expires_on,
        expires_on_jalali=jalali(file.expires_on),
        created_by=file.created_by,
        created_at=file.created_at,
        updated_at=file.updated_at,
    )


def summary_out(file: OrderFile | Row) -> OrderFileSummary:
    return OrderFileSummary(
        id=str(file.id),
        status=shown_status(file),  # type: ignore[arg-type]
        access_level=file.access_level,  # type: ignore[arg-type]
        proforma_number=file.proforma_number,
        seller=SellerRef(fida_id=file.seller_fida_id, name=file.seller_name),
        total_amount=decimal_string(file.total_amount),
        currency=file.currency,
        expires_on=file.expires_on,
        created_at=file.created_at,
    )


def history_out(event: OrderFileEvent) -> HistoryEntry:
    return HistoryEntry(
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        actor=event.actor,
        principal=event.principal,
        request_id=event.request_id,
        at=event.at,
        detail=event.detail,
    )


def level_change_out(event: OrderFileEvent) -> AccessLevelHistoryEntry:
    return AccessLevelHistoryEntry(
        from_level=event.detail.get("from_level"),
        to_level=event.detail["to_level"],
        actor=event.actor,
        request_id=event.request_id,
        at=event.at,
    )


def attachment_out(row: OrderAttachment) -> OrderAttachmentOut:
    return OrderAttachmentOut(
        id=str(row.id),
        file_name=row.file_name,
        media_type=row.media_type,  # type: ignore[arg-type]
        size=row.size,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )
