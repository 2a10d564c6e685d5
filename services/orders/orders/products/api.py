"""Product-ID endpoints (شناسه کالا, SPEC §2, seed 001).

Headings are public reference data (a DEMO set). Everything else needs a
token: registering needs the merchant role, or a representative of a merchant
whose merchant-role grant covers `product-id`; a request is seen by the merchant
and such a representative in every state, and by the supervising body's officers
(the Ministry of Industry, Mine and Trade: role `officer`, office
`issuing-authority` `mimt`) only once sent, never as a draft; those officers
alone approve or reject, never on a request of someone they represent or
manage, or that they made; the
catalogue (issued product IDs, search, barcodes) is open to any authenticated
caller, since a product ID belongs to a product, not to a person.
"""

from __future__ import annotations

import functools
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from orders_client.products import (
    PRODUCT_ID_PATTERN,
    SLUG_PATTERN,
    HeadingOut,
    HeadingPage,
    ProductCard,
    ProductOut,
    ProductPage,
    ProductRequestCreate,
    ProductRequestOut,
    ProductRequestPage,
    RejectBody,
    RequestState,
)

from kit.auth import Principal, PrincipalDep
from kit.db import SessionDep
from kit.errors import Forbidden, InvalidCursor, problem_responses
from kit.etags import SENDS_ETAG, IfMatch, PreconditionFailed, PreconditionRequired
from kit.idempotency import IdempotentRoute
from kit.pagination import PageParams, page_of, page_params
from kit.urls import public_location
from orders import audit, conflicts
from orders.cars.exceptions import PeerUnavailable
from orders.conflicts import IDENTITY_UNAVAILABLE, ConflictOfInterest
from orders.products import barcode, repository, service
from orders.products.exceptions import (
    HeadingNotFound,
    NotAMerchant,
    NotAnOfficer,
    ProductCardInvalid,
    ProductNotFound,
    ProductRequestNotFound,
    RequestNotDraft,
    RequestNotUnderSupervision,
)
from orders.products.models import Product, ProductRequest
from panjereh_contract.types import SINGLE_LINE_PATTERN

router = APIRouter(tags=["product IDs"], route_class=IdempotentRoute)
PUBLIC_CACHE = "public, max-age=300"


PageDep = Annotated[PageParams, Depends(page_params)]
SearchQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        pattern=SINGLE_LINE_PATTERN,
        description="Words to find (Persian or English; Arabic ي/ك and Persian digits accepted); every word must match.",
    ),
]
ProductIdPath = Annotated[str, Path(pattern=PRODUCT_ID_PATTERN, description="The 13-digit product ID.")]
RequestIdPath = Annotated[uuid.UUID, Path(description="The request's id.")]


def _links(http: Request) -> service.Links:
    return functools.partial(public_location, http)


def _independence(http: Request) -> service.IndependenceCheck:
    """The officer's independence check, asking identity with the caller's token; a refusal is
    audited apart from the decision's transaction."""

    async def check(
        principal: Principal, request: ProductRequest, decision: str, made_by: list[str | None]
    ) -> None:
        try:
            await conflicts.ensure_independent(http, principal, owner=request.requested_for, made_by=made_by)
        except ConflictOfInterest as refused:
            await audit.record_refused(
                http, principal, f"product-request.{decision}", "product-request", request.id, refused.detail
            )
            raise

    return check


# ------------------------------------------------------------------ headings


@router.get(
    "/v1/product-headings",
    summary="Search product headings (سرفصل)",
    response_model=HeadingPage,
    responses=problem_responses(422, InvalidCursor),
)
async def search_headings(
    session: SessionDep,
    request: Request,
    response: Response,
    page: PageDep,
    q: SearchQuery = None,
    hs_code: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{4,8}$",
            description="A tariff code or its prefix (4 to 8 digits): headings whose codes it overlaps.",
        ),
    ] = None,
    isic: Annotated[str | None, Query(pattern=r"^[0-9]{4}$", description="An ISIC Rev.4 class.")] = None,
) -> HeadingPage:
    """Headings by code or name (also their alternative names), by tariff code, or by ISIC
    class, in id order, paginated. Each shows its fixed main unit, the ISIC/CPC codes it allows
    (and whether they are mandatory), whether it is supervised, its mandatory attachments and
    its descriptive attributes with their allowed values. **DEMO data**: the product-ID
    system's real catalogue is not public; see `demo`, `confidence` and `verified`."""
    response.headers["Cache-Control"] = PUBLIC_CACHE
    rows = await repository.headings_page(session, page, q=q, hs_code=hs_code, isic=isic)
    items, next_url = page_of(rows, params=page, request=request, key_of=lambda h: (h.id,))
    values = await repository.attribute_values(session, [h.id for h in items])
    return HeadingPage(items=[service.heading_out(h, values[h.id]) for h in items], next=next_url)


@router.get(
    "/v1/product-headings/{heading_id}",
    summary="One product heading",
    response_model=HeadingOut,
    responses=problem_responses(422, HeadingNotFound),
)
async def get_heading(
    heading_id: Annotated[str, Path(pattern=SLUG_PATTERN, max_length=60, description="The heading's id.")],
    session: SessionDep,
    response: Response,
) -> HeadingOut:
    """The heading with its attributes and their allowed values (approved new values included)."""
    heading = await repository.heading(session, heading_id)
    if heading is None:
        raise HeadingNotFound(heading_id)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    values = await repository.attribute_values(session, [heading.id])
    return service.heading_out(heading, values[heading.id])


# ------------------------------------------------------------------ registration


async def _answer(
    session: SessionDep, product_request: ProductRequest, request: Request, response: Response, created: bool
) -> ProductRequestOut:
    (out,) = await service.requests_out(session, [product_request], _links(request))
    response.headers["ETag"] = service.etag(product_request)
    if product_request.reused and created:
        response.status_code = 200
    if out.product_id is not None:
        response.headers["Location"] = public_location(request, f"/v1/products/{out.product_id}")
    else:
        response.headers["Location"] = public_location(request, f"/v1/product-requests/{out.id}")
    return out


_REGISTRATION_RESPONSES = {
    200: {
        "model": ProductRequestOut,
        "description": "An identical card already has a product ID: it is returned (`reused`).",
    },
    **problem_responses(401, NotAMerchant, ProductCardInvalid),
}


@router.post(
    "/v1/products",
    summary="Register a product (get a product ID)",
    status_code=201,
    response_model=ProductRequestOut,
    responses=_REGISTRATION_RESPONSES,
    openapi_extra=SENDS_ETAG,
)
async def register_product(
    body: ProductCard, session: SessionDep, principal: PrincipalDep, request: Request, response: Response
) -> ProductRequestOut:
    """Submit a product's identity card (شناسنامه کالا). By a merchant, or a representative whose
    grant covers `product-id`.

    - An identical card (same heading, codes, classification, units, packaging and attributes,
      compared after normalisation) already issued: **200** with that product's ID, `reused: true`;
      no new ID is made, and any merchant may reuse it.
    - Only existing values, unsupervised heading: **201**, `state: issued`, with the new product ID.
    - New attribute values (`new_values`, Persian and Latin text) or a supervised heading: **201**,
      `state: under-supervision`, until an officer approves or rejects it. A new brand needs a
      `brand-certificate` attachment.

    Refusals name each bad field (422 `product-card-invalid`): unknown HS code, HS code not of the
    heading, ISIC/CPC not of the heading or missing where mandatory, conversion factor missing
    when the chosen unit is not the main unit, missing or unknown attributes and values,
    attachments that are not a PDF or JPEG (read from the content) or over 1 MB; a bad GTIN or
    VIN check digit is a 422 `validation-failed`."""
    product_request = await service.create_request(session, principal, body, submit=True)
    return await _answer(session, product_request, request, response, created=True)


@router.post(
    "/v1/product-requests",
    summary="Create a product-ID request (a draft, or submitted)",
    status_code=201,
    response_model=ProductRequestOut,
    responses=_REGISTRATION_RESPONSES,
    openapi_extra=SENDS_ETAG,
)
async def create_product_request(
    body: ProductRequestCreate,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> ProductRequestOut:
    """With `submit: false` (the default) the request is kept as a draft (`not-sent`, ارسال نشده):
    its heading and attachments are checked now, the rest of the card when it is submitted
    (`POST /v1/product-requests/{id}/submit`). With `submit: true`, as `POST /v1/products`."""
    product_request = await service.create_request(session, principal, body, submit=body.submit)
    return await _answer(session, product_request, request, response, created=True)


@router.get(
    "/v1/product-requests",
    summary="Product-ID requests: mine, or the supervision queue",
    response_model=ProductRequestPage,
    responses=problem_responses(401, 422, InvalidCursor, NotAMerchant),
)
async def list_product_requests(
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    page: PageDep,
    state: Annotated[RequestState | None, Query(description="Only requests in this state.")] = None,
) -> ProductRequestPage:
    """An officer of the Ministry of Industry, Mine and Trade (office `issuing-authority` `mimt`)
    sees every request once sent, never a draft (`state=under-supervision` is the supervision
    queue); anyone else sees their own, in every state, and so does their representative whose
    merchant-role grant covers `product-id` (403 otherwise: a trader grant's `full` does not)."""
    if service.is_supervisor(principal):
        requested_for, sent_only = None, True
    else:
        service.ensure_covers_product_ids(principal)
        requested_for, sent_only = principal.subject, False
    rows = await repository.requests_page(
        session, page, requested_for=requested_for, state=state, sent_only=sent_only
    )
    items, next_url = page_of(rows, params=page, request=request, key_of=lambda r: (r.id,))
    return ProductRequestPage(
        items=await service.requests_out(session, items, _links(request)), next=next_url
    )


@router.get(
    "/v1/product-requests/{request_id}",
    summary="One product-ID request",
    response_model=ProductRequestOut,
    responses=problem_responses(401, 422, NotAMerchant, ProductRequestNotFound),
    openapi_extra=SENDS_ETAG,
)
async def get_product_request(
    request_id: RequestIdPath,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> ProductRequestOut:
    """The request, its state and, once issued, its product. The `ETag` header is what
    `If-Match` must carry to edit a draft. Seen by the merchant and their `product-id`
    representative; by the ministry's officers only once sent (a draft is 404 to them)."""
    product_request = await repository.product_request(session, request_id)
    if product_request is None:
        raise ProductRequestNotFound()
    service.ensure_may_see(principal, product_request)
    (out,) = await service.requests_out(session, [product_request], _links(request))
    response.headers["ETag"] = service.etag(product_request)
    return out


@router.put(
    "/v1/product-requests/{request_id}",
    summary="Edit a draft request (its whole card)",
    response_model=ProductRequestOut,
    responses=problem_responses(
        400,
        401,
        NotAMerchant,
        ProductRequestNotFound,
        RequestNotDraft,
        PreconditionFailed,
        ProductCardInvalid,
        PreconditionRequired,
    ),
    openapi_extra=SENDS_ETAG,
)
async def edit_product_request(
    request_id: RequestIdPath,
    body: ProductCard,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> ProductRequestOut:
    """A draft (`not-sent`) gets the card sent here in place of its own, attachments included,
    checked as on creation; a request already sent is 409. Needs `If-Match` with the request's
    ETag (428 without, 412 when stale): the merchant and a representative may edit the same
    draft. Submit it with `POST /v1/product-requests/{id}/submit`."""
    product_request = await service.edit_draft(session, principal, request_id, body, if_match)
    return await _answer(session, product_request, request, response, created=False)


@router.post(
    "/v1/product-requests/{request_id}/submit",
    summary="Submit a draft request",
    response_model=ProductRequestOut,
    responses={
        200: {"description": "Submitted: issued (or an identical product's ID reused) or under supervision."},
        **problem_responses(
            400,
            401,
            NotAMerchant,
            ProductRequestNotFound,
            RequestNotDraft,
            ProductCardInvalid,
        ),
    },
    openapi_extra=SENDS_ETAG,
)
async def submit_product_request(
    request_id: RequestIdPath,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> ProductRequestOut:
    """Check the draft's card and submit it, with the outcomes of `POST /v1/products`; a request
    already sent is 409."""
    product_request = await service.submit_request(session, principal, request_id)
    return await _answer(session, product_request, request, response, created=False)


@router.post(
    "/v1/product-requests/{request_id}/approve",
    summary="Approve a request under supervision (officer)",
    response_model=ProductRequestOut,
    responses={
        **problem_responses(
            400,
            401,
            ConflictOfInterest,
            Forbidden,
            NotAMerchant,
            NotAnOfficer,
            ProductRequestNotFound,
            RequestNotUnderSupervision,
            ProductCardInvalid,
            PeerUnavailable,
        ),
        **IDENTITY_UNAVAILABLE,
    },
    openapi_extra=SENDS_ETAG,
)
async def approve_product_request(
    request_id: RequestIdPath,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> ProductRequestOut:
    """The officer's approval: the new values join their attributes' lists and the request gets
    its product ID (or the existing ID of an identical card). An officer of the ministry only
    (403 otherwise; a draft is 404); 403 `conflict-of-interest` to one who is the merchant, their
    representative or manager, or who created, edited or sent the request; 409 when the request
    is not under supervision."""
    product_request = await service.approve_request(session, principal, request_id, _independence(request))
    return await _answer(session, product_request, request, response, created=False)


@router.post(
    "/v1/product-requests/{request_id}/reject",
    summary="Reject a request under supervision (officer)",
    response_model=ProductRequestOut,
    responses={
        **problem_responses(
            400,
            401,
            422,
            ConflictOfInterest,
            Forbidden,
            NotAMerchant,
            NotAnOfficer,
            ProductRequestNotFound,
            RequestNotUnderSupervision,
            PeerUnavailable,
        ),
        **IDENTITY_UNAVAILABLE,
    },
)
async def reject_product_request(
    request_id: RequestIdPath,
    body: RejectBody,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
) -> ProductRequestOut:
    """The officer's rejection, with the reason. As for approval: an officer of the ministry not
    party to the request; 409 when the request is not under supervision."""
    product_request = await service.reject_request(
        session, principal, request_id, body.reason, _independence(request)
    )
    (out,) = await service.requests_out(session, [product_request], _links(request))
    return out


# ------------------------------------------------------------------ catalogue


@router.get(
    "/v1/products",
    summary="Search product IDs",
    response_model=ProductPage,
    responses=problem_responses(401, 422, InvalidCursor),
)
async def search_products(
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    page: PageDep,
    gtin: Annotated[str | None, Query(pattern=r"^[0-9]{13}$", description="A GTIN-13.")] = None,
    vin: Annotated[
        str | None, Query(pattern=r"^[A-HJ-NPR-Z0-9]{17}$", description="A VIN (upper-case).")
    ] = None,
    irancode: Annotated[str | None, Query(pattern=r"^[0-9]{16}$", description="A 16-digit Irancode.")] = None,
    hs_code: Annotated[
        str | None, Query(pattern=r"^[0-9]{8}$", description="An 8-digit tariff code.")
    ] = None,
    heading: Annotated[
        str | None, Query(pattern=SLUG_PATTERN, max_length=60, description="A heading's id.")
    ] = None,
    q: SearchQuery = None,
) -> ProductPage:
    """Issued product IDs by international code (GTIN, VIN, Irancode), tariff code, heading or
    words of the description (or the ID itself), in ID order, paginated. Filters combine."""
    rows = await repository.products_page(
        session, page, gtin=gtin, vin=vin, irancode=irancode, hs_code=hs_code, heading=heading, q=q
    )
    items, next_url = page_of(rows, params=page, request=request, key_of=lambda p: (p.product_id,))
    return ProductPage(items=await service.products_out(session, items, _links(request)), next=next_url)


async def _product(session: SessionDep, product_id: str) -> Product:
    product = await repository.product(session, product_id)
    if product is None:
        raise ProductNotFound(product_id)
    return product


@router.get(
    "/v1/products/{product_id}",
    summary="A product's catalogue page",
    response_model=ProductOut,
    responses=problem_responses(401, 422, ProductNotFound),
)
async def get_product(
    product_id: ProductIdPath, session: SessionDep, principal: PrincipalDep, request: Request
) -> ProductOut:
    """The product's identity card as issued (کاتالوگ), its codes and links to its 2-D barcode."""
    (out,) = await service.products_out(session, [await _product(session, product_id)], _links(request))
    return out


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/v1/products/{product_id}/barcode.png",
    summary="The product ID's 2-D barcode, PNG",
    response_class=Response,
    responses={200: {"content": {"image/png": _BINARY}, "description": "A QR code of the product ID."},
               **problem_responses(401, 422, ProductNotFound)},
)  # fmt: skip
async def barcode_png(product_id: ProductIdPath, session: SessionDep, principal: PrincipalDep) -> Response:
    """A QR code (segno, error correction M) holding the 13-digit product ID, to print on the product."""
    product = await _product(session, product_id)
    return Response(
        barcode.png(product.product_id),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get(
    "/v1/products/{product_id}/barcode.svg",
    summary="The product ID's 2-D barcode, SVG",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": _BINARY}, "description": "A QR code of the product ID."},
               **problem_responses(401, 422, ProductNotFound)},
)  # fmt: skip
async def barcode_svg(product_id: ProductIdPath, session: SessionDep, principal: PrincipalDep) -> Response:
    """The same QR code as SVG."""
    product = await _product(session, product_id)
    return Response(
        barcode.svg(product.product_id),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=86400"},
    )
