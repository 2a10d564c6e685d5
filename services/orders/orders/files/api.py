"""Order-registration files (پرونده ثبت سفارش, SPEC §2).

Who sees what: the merchant (owner) sees all their files; a representative acting for the
merchant (an acting-for token with the `foreign-trade` scope) sees and acts on a file only when
the file's access level is at or below the level of their grant (else 404, as if the file did not
exist); an officer of the Ministry of Industry, Mine and Trade reads the files under review and
approves or rejects them, unless party to the file (owner, creator, signer, or the owner's
representative or manager: 403 `conflict-of-interest`); anyone else gets 404.

Lifecycle: `draft` → `submit` → `submitted` (fee computed) → `final-registration` (signed) →
`under-review` → `approve` / `reject` by an officer → `approved` (valid 3 or 6 months; `extend`
before expiry; `expired` after) or `rejected`; `cancel` at any point before a decision or after
approval. Updates carry `If-Match` with the file's ETag.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from orders_client.files import (
    AccessLevelChange,
    AccessLevelHistory,
    AttachmentList,
    DutiesEstimate,
    Extension,
    FileStatus,
    FinalRegistration,
    HistoryList,
    LineCreate,
    LineOut,
    LineUpdate,
    OrderAttachmentOut,
    OrderFileCreate,
    OrderFileOut,
    OrderFilePage,
    OrderFileUpdate,
    Rejection,
)
from rules_client import RulesClient

from kit.access_levels import visible_levels
from kit.auth import PrincipalDep
from kit.clock import today_tehran
from kit.db import SessionDep, driver_connection, statement_connection
from kit.errors import (
    Forbidden,
    InvalidCursor,
    Refusal,
    problem_responses,
)
from kit.etags import SENDS_ETAG, IfMatch, PreconditionFailed, PreconditionRequired, check_if_match
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, decode_cursor, page_of, page_params
from kit.request_context import current_request_id
from kit.responses import JsonBytes
from kit.signatures import (
    SignatureKeysUnavailable,
    VerifiedSignature,
    verify_signed_request,
    with_signature,
)
from kit.urls import public_location
from orders import audit
from orders.cars.exceptions import PeerUnavailable
from orders.conflicts import IDENTITY_UNAVAILABLE, ConflictOfInterest, ensure_independent
from orders.db import signature_jtis
from orders.files import attachments, charges, records, repository, service, views
from orders.files.access import (
    FOREIGN_TRADE,
    actor_of,
    ensure_covers_foreign_trade,
    ensure_may_change,
    ensure_may_read,
    ensure_owner,
    ensure_reviewer,
    is_order_reviewer,
)
from orders.files.exceptions import (
    AttachmentEmpty,
    AttachmentNotFound,
    AttachmentTooLarge,
    AttachmentTypeRefused,
    CarProductRequired,
    CasePermitInquiryMissing,
    CommercialCardExpired,
    CoreFieldChange,
    CustomsOfficeUnknown,
    ExchangeRateUnknown,
    FirstYearCapExceeded,
    GoodsProhibited,
    InvalidField,
    InvalidState,
    LinesExceedTotal,
    LineUnitMismatch,
    MerchantRoleRequired,
    NoLines,
    NotPersonalCarGoods,
    OfficerRoleRequired,
    OrderExpired,
    OrderFileNotFound,
    OrderLineNotFound,
    OwnerOnly,
    PersonalCarRoleRequired,
    ProductHsCodeMismatch,
    ProductUnknown,
    ProformaExpired,
    RulesUnavailable,
    ScopeMissing,
    SellerUnknown,
    TariffLineUnknown,
)
from orders.files.models import OrderFile, OrderLine
from orders.files.service import Context
from orders.reference.service import Catalogue
from orders.state import orders_state

router = APIRouter(tags=["order files"], route_class=IdempotentRoute)

_EXTRA = {
    412: "The `If-Match` ETag is stale: the file changed since it was read",
    413: "The attachment is larger than 1 MB",
    415: "The attachment is not a PDF or JPEG by its content, or is disguised",
    428: "`If-Match` is required (or, for the final registration, `Panjereh-Signature`)",
    503: "The rules service cannot compute now; nothing was stored",
}


def _responses(*refusals: Refusal) -> dict[int | str, dict]:
    """Every file route answers 401 and 404 (`order-file-not-found`, or `not-found` for a file hidden from you)."""
    return problem_responses(401, 404, *refusals, described=_EXTRA)


async def _context(request: Request, session: SessionDep, principal: PrincipalDep) -> Context:
    # async: FastAPI runs a plain ``def`` dependency in the thread pool (bench/orders).
    state = orders_state(request)
    settings = state.runtime.settings
    return Context(
        session=session,
        principal=principal,
        rules=RulesClient(settings.url_of("rules"), state.runtime.http),
        catalogue=state.reference_catalogue,
        rates=state.exchange_rates,
        sandbox=bool(settings.sandbox),
    )


ContextDep = Annotated[Context, Depends(_context)]
FileId = Annotated[uuid.UUID, Path(description="The file's ID.")]
LineId = Annotated[uuid.UUID, Path(description="The line's ID.")]


async def _file(ctx: Context, file_id: uuid.UUID, *, lock: bool = False) -> OrderFile:
    file = await repository.file(ctx.session, file_id, lock=lock)
    if file is None:
        raise OrderFileNotFound()
    return file


async def _line(ctx: Context, file: OrderFile, line_id: uuid.UUID) -> OrderLine:
    line = await repository.line(ctx.session, file.id, line_id)
    if line is None:
        raise OrderLineNotFound()
    return line


def _check_if_match(file: OrderFile, if_match: str | None) -> None:
    check_if_match(views.etag(file), if_match)


def _rendered(details: records.FileDetails, catalogue: Catalogue, status_code: int = 200) -> JsonBytes:
    """The file as JSON, with its ETag."""
    out = views.file_out(details.file, details.lines, details.fees, catalogue)
    return JsonBytes(
        out.model_dump_json(), status_code=status_code, headers={"ETag": views.etag(details.file)}
    )


async def _answer(ctx: Context, file: OrderFile) -> JsonBytes:
    """The file as this request's unit of work leaves it."""
    await ctx.session.flush()
    details = await records.file_with_details(await driver_connection(ctx.session), file.id)
    if details is None:  # the file was written in this very transaction
        raise RuntimeError(f"order file {file.id} vanished inside its own transaction")
    return _rendered(details, ctx.catalogue)


# ------------------------------------------------------------------ files


@router.post(
    "/v1/order-files",
    status_code=201,
    summary="Create a draft order-registration file",
    response_model=OrderFileOut,
    responses=_responses(
        CommercialCardExpired,
        MerchantRoleRequired,
        PersonalCarRoleRequired,
        ScopeMissing,
        CustomsOfficeUnknown,
        ExchangeRateUnknown,
        FirstYearCapExceeded,
        InvalidField,
        ProformaExpired,
        SellerUnknown,
    ),
    openapi_extra=SENDS_ETAG,
)
async def create_file(data: OrderFileCreate, request: Request, principal: PrincipalDep) -> JsonBytes:
    """A draft for the token's principal: the merchant themselves, or the merchant a
    representative acts for (with the `foreign-trade` scope). Needs the merchant role with a
    valid commercial card (403 `commercial-card-expired` naming it otherwise). Every field is
    checked: the proforma's dates (not issued in the future, not expired), the seller's FIDA ID in
    the seller registry (the answer carries the seller's name), the customs offices, rules across
    fields, and for a merchant in the first year of their card the USD 500,000 cap at the stored
    rate. The access level is `full` unless given."""
    # The hot path of clearance software: one statement, no ORM session (bench/orders).
    state = orders_state(request)
    values, events = service.new_draft(
        principal, data, catalogue=state.reference_catalogue, rates=state.exchange_rates
    )
    async with statement_connection(request) as conn:
        file = await records.insert_draft(
            conn,
            values,
            include_sandbox_sellers=bool(state.runtime.settings.sandbox),
            actor=actor_of(principal),
            request_id=current_request_id(),
            events=events,
        )
    if file is None:
        raise SellerUnknown(values["seller_fida_id"])
    answer = _rendered(records.FileDetails(file, [], []), state.reference_catalogue, status_code=201)
    answer.headers["Location"] = public_location(request, f"/v1/order-files/{file.id}")
    return answer


def _after(cursor: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
    """The sort key (created_at, id) a list cursor carries; 400 for one this API did not issue."""
    if not cursor:
        return None
    created_at, file_id = decode_cursor(cursor, 2)
    try:
        key = (dt.datetime.fromisoformat(created_at), uuid.UUID(file_id))
    except ValueError:
        raise InvalidCursor("The cursor is not one this API issued.") from None
    if key[0].tzinfo is None:
        raise InvalidCursor("The cursor is not one this API issued.")
    return key


@router.get(
    "/v1/order-files",
    summary="List the order-registration files the caller may see",
    response_model=OrderFilePage,
    responses=_responses(422, InvalidCursor, ScopeMissing),
)
async def list_files(
    request: Request,
    principal: PrincipalDep,
    page: Annotated[PageParams, Depends(page_params)],
    status: Annotated[FileStatus | None, Query(description="Only files in this state.")] = None,
) -> JsonBytes:
    """The principal's files, oldest first: all of them for the merchant; for a representative only
    those at or below the level of their grant (the same files a read would show; 403 without the
    `foreign-trade` scope of a merchant-role grant: a trader grant, `full` included, covers domestic
    trade only). Anyone else sees an empty list."""
    ensure_covers_foreign_trade(principal)
    async with statement_connection(request) as conn:
        rows = await records.page_of_files(
            conn,
            owner=principal.subject,
            levels=visible_levels(principal, FOREIGN_TRADE),
            status=status,
            today=today_tehran(),
            after=_after(page.cursor),
            limit=page.limit + 1,
        )
    items, next_url = page_of(
        rows, params=page, request=request, key_of=lambda f: (f.created_at.isoformat(), f.id)
    )
    return JsonBytes(
        OrderFilePage(items=[views.summary_out(f) for f in items], next=next_url).model_dump_json()
    )


@router.get(
    "/v1/order-reviews",
    summary="Files waiting for an officer's review",
    response_model=OrderFilePage,
    responses=_responses(422, InvalidCursor, OfficerRoleRequired),
)
async def review_queue(
    ctx: ContextDep, request: Request, page: Annotated[PageParams, Depends(page_params)]
) -> OrderFilePage:
    """Every file under review, oldest first. Officers of the Ministry of Industry, Mine and Trade
    only (role `officer` in their own token, office `issuing-authority` `mimt`)."""
    if not is_order_reviewer(ctx.principal):
        raise OfficerRoleRequired(
            "Only officers of the Ministry of Industry, Mine and Trade (role `officer`, office "
            "`issuing-authority` `mimt`, in their own token) see the review queue."
        )
    rows = await repository.page_under_review(ctx.session, params=page)
    items, next_url = page_of(
        rows, params=page, request=request, key_of=lambda f: (f.created_at.isoformat(), f.id)
    )
    return OrderFilePage(items=[views.summary_out(f) for f in items], next=next_url)


@router.get(
    "/v1/order-files/{file_id}",
    summary="Read an order-registration file",
    response_model=OrderFileOut,
    responses=_responses(422, ScopeMissing, OrderFileNotFound),
    openapi_extra=SENDS_ETAG,
)
async def read_file(file_id: FileId, request: Request, principal: PrincipalDep) -> JsonBytes:
    """The file with its lines (and the permits each requires), fees with their traces, signer
    and review. The `ETag` header is what `If-Match` must carry on updates. An approved file
    past its validity reads `expired`."""
    # The hot path of clearance software: one statement, no ORM session (bench/orders).
    async with statement_connection(request) as conn:
        details = await records.file_with_details(conn, file_id)
    if details is None:
        raise OrderFileNotFound()
    ensure_may_read(principal, details.file)
    return _rendered(details, orders_state(request).reference_catalogue)


@router.patch(
    "/v1/order-files/{file_id}",
    summary="Edit an order-registration file",
    response_model=OrderFileOut,
    responses=_responses(
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        CoreFieldChange,
        InvalidState,
        LinesExceedTotal,
        OrderExpired,
        PreconditionFailed,
        CustomsOfficeUnknown,
        ExchangeRateUnknown,
        FirstYearCapExceeded,
        InvalidField,
        ProformaExpired,
        SellerUnknown,
        PreconditionRequired,
        RulesUnavailable,
    ),
    openapi_extra=SENDS_ETAG,
)
async def update_file(
    file_id: FileId, data: OrderFileUpdate, ctx: ContextDep, if_match: IfMatch = None
) -> JsonBytes:
    """A draft: any field, checked as on creation. An approved order: only `total_amount` and
    `freight_amount`; the file goes back to review and the amendment fee (on any increase) is
    computed and stored. Any other field after approval: 409 `cancel-and-register-again`.
    Needs `If-Match` (428 without, 412 when stale)."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    _check_if_match(file, if_match)
    await service.update_file(ctx, file, data)
    return await _answer(ctx, file)


# ------------------------------------------------------------------ lines


@router.post(
    "/v1/order-files/{file_id}/lines",
    status_code=201,
    summary="Add a tariff line",
    response_model=LineOut,
    responses=_responses(
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        CasePermitInquiryMissing,
        InvalidState,
        OrderExpired,
        CarProductRequired,
        GoodsProhibited,
        LineUnitMismatch,
        NotPersonalCarGoods,
        ProductHsCodeMismatch,
        ProductUnknown,
        TariffLineUnknown,
    ),
)
async def add_line(file_id: FileId, data: LineCreate, ctx: ContextDep) -> LineOut:
    """A line on a draft. The answer lists the permits the code requires (standards, food and
    drug…). A prohibited code is refused (422 `goods-prohibited`, with the reason); an unknown
    one too (422 `tariff-line-unknown`), both naming `#/body/hs_code`. The quantity is given in
    the tariff line's unit (`unit` of `GET /v1/tariff-lines/{hs_code}`; else 422
    `line-unit-mismatch` naming `#/body/unit`, with `expected_unit`)."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    line = await service.add_line(ctx, file, data)
    return views.line_out(line, ctx.catalogue)


@router.patch(
    "/v1/order-files/{file_id}/lines/{line_id}",
    summary="Edit a tariff line",
    response_model=LineOut,
    responses=_responses(
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        OrderLineNotFound,
        CasePermitInquiryMissing,
        CoreFieldChange,
        InvalidState,
        LinesExceedTotal,
        OrderExpired,
        PreconditionFailed,
        CarProductRequired,
        GoodsProhibited,
        LineUnitMismatch,
        NotPersonalCarGoods,
        ProductHsCodeMismatch,
        ProductUnknown,
        TariffLineUnknown,
        PreconditionRequired,
    ),
)
async def update_line(
    file_id: FileId, line_id: LineId, data: LineUpdate, ctx: ContextDep, if_match: IfMatch = None
) -> LineOut:
    """A draft's line: any field. An approved order's: `quantity` and `value` only, and the file
    goes back to review; the HS code or the kind of goods (`product_id`, `description`, `unit`):
    409 `cancel-and-register-again`. Needs `If-Match` with the file's ETag."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    line = await _line(ctx, file, line_id)
    _check_if_match(file, if_match)
    line = await service.update_line(ctx, file, line, data)
    return views.line_out(line, ctx.catalogue)


@router.delete(
    "/v1/order-files/{file_id}/lines/{line_id}",
    status_code=204,
    summary="Remove a tariff line",
    responses=_responses(
        422,
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        OrderLineNotFound,
        InvalidState,
        OrderExpired,
    ),
)
async def remove_line(file_id: FileId, line_id: LineId, ctx: ContextDep) -> Response:
    """Only from a draft."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    await service.remove_line(ctx, file, await _line(ctx, file, line_id))
    return Response(status_code=204)


# ------------------------------------------------------------------ states


@router.post(
    "/v1/order-files/{file_id}/submit",
    summary="Submit a draft (the fee is computed)",
    response_model=OrderFileOut,
    responses=_responses(
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        CasePermitInquiryMissing,
        InvalidState,
        LinesExceedTotal,
        NoLines,
        OrderExpired,
        CarProductRequired,
        ExchangeRateUnknown,
        FirstYearCapExceeded,
        NotPersonalCarGoods,
        ProductHsCodeMismatch,
        ProductUnknown,
        ProformaExpired,
        RulesUnavailable,
    ),
    openapi_extra=SENDS_ETAG,
)
async def submit(file_id: FileId, ctx: ContextDep) -> JsonBytes:
    """Draft → submitted. The file needs lines worth no more than the proforma total and an
    unexpired proforma. The order-registration fee is computed by the rules service
    (`order-registration-fee`) at the stored rate and kept with its trace; if the rules service
    fails: 503 and nothing is stored."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    await service.submit(ctx, file)
    return await _answer(ctx, file)


async def _verify_signature(request: Request, ctx: Context, file: OrderFile) -> VerifiedSignature:
    """The acting user's `Panjereh-Signature` for this act on this version of the file
    (kit.signatures), checked after the caller was found to see the file, so that strangers
    learn nothing; its one-time ID is used up in the act's transaction."""
    signer = ctx.principal.actor or ctx.principal.subject
    return await verify_signed_request(request, signer, ctx.session, signature_jtis, version=views.etag(file))


@router.post(
    "/v1/order-files/{file_id}/final-registration",
    summary="Final registration, signed",
    response_model=OrderFileOut,
    **with_signature(
        {
            "openapi_extra": SENDS_ETAG,
            "responses": _responses(
                CommercialCardExpired,
                MerchantRoleRequired,
                OwnerOnly,
                PersonalCarRoleRequired,
                ScopeMissing,
                OrderFileNotFound,
                InvalidState,
                OrderExpired,
                ProformaExpired,
                SignatureKeysUnavailable,
            ),
        },
        version="the file's `ETag` as read (`GET`)",
    ),
)
async def final_registration(
    file_id: FileId, data: FinalRegistration, ctx: ContextDep, request: Request
) -> JsonBytes:
    """Submitted → under review. Signed (`Panjereh-Signature`) by the merchant, or by a
    representative whose grant covers `foreign-trade` at the file's level; the signer and key are
    recorded. `validity_months` (3 or 6) is how long the order is valid once approved.

    The signature binds this file and this version: sign `POST
    /orders/v1/order-files/{file_id}/final-registration` with `etag` the file's `ETag`. A
    signature made for another file, or before the file last changed, is refused (403
    `signature-binding-mismatch`), and one passes once (409 `signature-replayed`)."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    signature = await _verify_signature(request, ctx, file)
    await service.register(ctx, file, data.validity_months, signature.signer, signature.kid)
    return await _answer(ctx, file)


async def _ensure_independent(request: Request, ctx: Context, file: OrderFile, decision: str) -> None:
    """Separation of duties (``orders.conflicts``): the reviewer is party to the file in no way;
    a refused ``decision`` (approved, rejected) is audited."""
    try:
        await ensure_independent(
            request, ctx.principal, owner=file.owner, made_by=[file.created_by], signed_by=file.signer
        )
    except ConflictOfInterest as refused:
        await audit.record_refused(
            request, ctx.principal, f"order-file.{decision}", "order-file", file.id, refused.detail
        )
        raise


@router.post(
    "/v1/order-files/{file_id}/approve",
    summary="Approve a file under review (officer)",
    response_model=OrderFileOut,
    responses={
        **_responses(
            ConflictOfInterest,
            Forbidden,
            OfficerRoleRequired,
            ScopeMissing,
            OrderFileNotFound,
            InvalidState,
            OrderExpired,
            PeerUnavailable,
        ),
        **IDENTITY_UNAVAILABLE,
    },
    openapi_extra=SENDS_ETAG,
)
async def approve(file_id: FileId, ctx: ContextDep, request: Request) -> JsonBytes:
    """Under review → approved, by an officer of the Ministry of Industry, Mine and Trade who is
    not party to it: 403 `conflict-of-interest` to one who owns, created or signed the file, or
    represents or manages its owner. The order is valid for the months chosen at registration,
    counted from the first approval. Publishes `order.approved`."""
    file = await _file(ctx, file_id, lock=True)
    ensure_reviewer(ctx.principal, file)
    await _ensure_independent(request, ctx, file, "approved")
    await service.approve(ctx, file)
    return await _answer(ctx, file)


@router.post(
    "/v1/order-files/{file_id}/reject",
    summary="Reject a file under review (officer)",
    response_model=OrderFileOut,
    responses={
        **_responses(
            422,
            ConflictOfInterest,
            Forbidden,
            OfficerRoleRequired,
            ScopeMissing,
            OrderFileNotFound,
            InvalidState,
            OrderExpired,
            PeerUnavailable,
        ),
        **IDENTITY_UNAVAILABLE,
    },
    openapi_extra=SENDS_ETAG,
)
async def reject(file_id: FileId, data: Rejection, ctx: ContextDep, request: Request) -> JsonBytes:
    """Under review → rejected, by an officer not party to it (as for `approve`), with the
    reason. Publishes `order.rejected`."""
    file = await _file(ctx, file_id, lock=True)
    ensure_reviewer(ctx.principal, file)
    await _ensure_independent(request, ctx, file, "rejected")
    await service.reject(ctx, file, data.reason)
    return await _answer(ctx, file)


@router.post(
    "/v1/order-files/{file_id}/extend",
    summary="Extend an approved order before it expires",
    response_model=OrderFileOut,
    responses=_responses(
        422,
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        InvalidState,
        OrderExpired,
    ),
    openapi_extra=SENDS_ETAG,
)
async def extend(file_id: FileId, data: Extension, ctx: ContextDep) -> JsonBytes:
    """3 or 6 more months (Jalali months), asked for before the expiry; after it: 409
    `order-expired`. Publishes `order.extended`."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    await service.extend(ctx, file, data.months)
    return await _answer(ctx, file)


@router.post(
    "/v1/order-files/{file_id}/cancel",
    summary="Cancel a file",
    response_model=OrderFileOut,
    responses=_responses(
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        InvalidState,
        OrderExpired,
    ),
    openapi_extra=SENDS_ETAG,
)
async def cancel(file_id: FileId, ctx: ContextDep) -> JsonBytes:
    """A draft, submitted, under-review or approved file is cancelled (an approved one publishes
    `order.cancelled`); rejected, expired and cancelled files stay as they are."""
    file = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, file)
    await service.cancel(ctx, file)
    return await _answer(ctx, file)


# ------------------------------------------------------------------ access level and history


@router.put(
    "/v1/order-files/{file_id}/access-level",
    summary="Set the file's access level (owner)",
    response_model=OrderFileOut,
    responses=_responses(422, OwnerOnly, ScopeMissing, OrderFileNotFound),
    openapi_extra=SENDS_ETAG,
)
async def set_access_level(file_id: FileId, data: AccessLevelChange, ctx: ContextDep) -> JsonBytes:
    """Only the owner, acting themselves: representatives holding a lower level stop seeing the
    file. Every change is kept (`access-level-history`)."""
    file = await _file(ctx, file_id, lock=True)
    ensure_owner(ctx.principal, file)
    await service.set_access_level(ctx, file, data.access_level)
    return await _answer(ctx, file)


@router.get(
    "/v1/order-files/{file_id}/access-level-history",
    summary="The file's access-level changes (owner)",
    response_model=AccessLevelHistory,
    responses=_responses(422, OwnerOnly, ScopeMissing, OrderFileNotFound),
)
async def access_level_history(file_id: FileId, ctx: ContextDep) -> AccessLevelHistory:
    """Every level the file had, oldest first, with who set it and when. Owner only."""
    file = await _file(ctx, file_id)
    ensure_owner(ctx.principal, file)
    events = await repository.history(ctx.session, file.id, "access-level-changed")
    return AccessLevelHistory(items=[views.level_change_out(e) for e in events])


@router.get(
    "/v1/order-files/{file_id}/history",
    summary="The file's history",
    response_model=HistoryList,
    responses=_responses(422, ScopeMissing, OrderFileNotFound),
)
async def history(file_id: FileId, ctx: ContextDep) -> HistoryList:
    """Every change, oldest first: who did it (`actor`), for whom (`principal`), when, and the
    request ID."""
    file = await _file(ctx, file_id)
    ensure_may_read(ctx.principal, file)
    return HistoryList(items=[views.history_out(e) for e in await repository.history(ctx.session, file.id)])


@router.get(
    "/v1/order-files/{file_id}/duties-estimate",
    summary="Estimate the import duties of the file's lines",
    response_model=DutiesEstimate,
    responses=_responses(ScopeMissing, OrderFileNotFound, ExchangeRateUnknown, RulesUnavailable),
)
async def duties_estimate(file_id: FileId, ctx: ContextDep) -> DutiesEstimate:
    """Per line, from the rules service with its traces: the 1404 duty table (`import-duties-1404`:
    duties, VAT, Red Crescent levy; phones by their value in euros) for lines in it, else the
    tariff-book rate and the Red Crescent levy (`red-crescent-levy`). The customs value is taken
    as the line's value at the stored (demo) rate: an estimate, not a demand."""
    file = await _file(ctx, file_id)
    ensure_may_read(ctx.principal, file)
    lines = await repository.lines(ctx.session, file.id)
    return await charges.duties_estimate(ctx.session, ctx.rules, ctx.rates, file, lines, today_tehran())


# ------------------------------------------------------------------ attachments

# The upload's whole multipart body: one attachment of at most MAX_BYTES and its form framing.
# kit.edge refuses (413) a larger body from its Content-Length, or as it streams in, before
# python-multipart spools any of it (ServiceSpec.body_limits in orders.main).
ATTACHMENT_PATH = r"/v1/order-files/[^/]+/attachments"
ATTACHMENT_BODY_BYTES = attachments.MAX_BYTES + 64 * 1024


@router.post(
    "/v1/order-files/{file_id}/attachments",
    status_code=201,
    summary="Attach a PDF or JPEG (at most 1 MB)",
    response_model=OrderAttachmentOut,
    responses=_responses(
        CommercialCardExpired,
        MerchantRoleRequired,
        OwnerOnly,
        PersonalCarRoleRequired,
        ScopeMissing,
        OrderFileNotFound,
        AttachmentTooLarge,
        AttachmentTypeRefused,
        AttachmentEmpty,
    ),
)
async def add_attachment(
    file_id: FileId,
    ctx: ContextDep,
    file: Annotated[UploadFile, File(description="The PDF or JPEG, at most 1 MB.")],
) -> OrderAttachmentOut:
    """The type is read from the content (`%PDF-`, or JPEG's `FF D8 FF`), not from the name: a
    file whose content is neither is refused (415), and so is one whose name or declared type
    says otherwise (a disguised file). Over 1 MB: 413. Stored with its SHA-256."""
    order = await _file(ctx, file_id, lock=True)
    ensure_may_change(ctx.principal, order)
    content = await file.read(attachments.MAX_BYTES + 1)
    row = await attachments.add(ctx, order, file.filename or "attachment", file.content_type or "", content)
    return views.attachment_out(row)


@router.get(
    "/v1/order-files/{file_id}/attachments",
    summary="List the file's attachments",
    response_model=AttachmentList,
    responses=_responses(422, ScopeMissing, OrderFileNotFound),
)
async def list_attachments(file_id: FileId, ctx: ContextDep) -> AttachmentList:
    file = await _file(ctx, file_id)
    ensure_may_read(ctx.principal, file)
    return AttachmentList(
        items=[views.attachment_out(a) for a in await repository.attachments(ctx.session, file.id)]
    )


@router.get(
    "/v1/order-files/{file_id}/attachments/{attachment_id}",
    summary="Download an attachment",
    response_class=Response,
    responses={
        200: {
            "description": "The attachment's bytes.",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **_responses(422, ScopeMissing, AttachmentNotFound, OrderFileNotFound),
    },
)
async def download_attachment(
    file_id: FileId,
    attachment_id: Annotated[uuid.UUID, Path(description="The attachment's ID.")],
    ctx: ContextDep,
) -> Response:
    """The bytes as uploaded, with their media type and SHA-256 (`Digest`-like `X-Content-SHA256`)."""
    file = await _file(ctx, file_id)
    ensure_may_read(ctx.principal, file)
    row = await repository.attachment(ctx.session, file.id, attachment_id)
    if row is None:
        raise AttachmentNotFound()
    return Response(
        content=row.content,
        media_type=row.media_type,
        headers={
            "X-Content-SHA256": row.sha256,
            "Content-Disposition": f'attachment; filename="{row.id}{".pdf" if row.media_type == "application/pdf" else ".jpg"}"',
        },
    )
