"""Failures of the product-ID endpoints, one class each."""

from __future__ import annotations

from typing import Any

from kit.errors import Forbidden, NotFound, ProblemError, field_error


class HeadingNotFound(NotFound):
    code = "product-heading-not-found"
    title = "No such product heading"
    title_fa = "سرفصل کالایی یافت نشد"

    def __init__(self, heading_id: str) -> None:
        detail = f"No product heading has the id {heading_id!r}; search them with GET /v1/product-headings."
        super().__init__(detail, errors=[field_error("#/path/heading_id", detail, "unknown_heading")])


class ProductNotFound(NotFound):
    code = "product-not-found"
    title = "No such product ID"
    title_fa = "شناسه کالا یافت نشد"

    def __init__(self, product_id: str) -> None:
        detail = f"No product ID {product_id} has been issued."
        super().__init__(detail, errors=[field_error("#/path/product_id", detail, "unknown_product_id")])


class ProductRequestNotFound(NotFound):
    code = "product-request-not-found"
    title = "No such product-ID request"
    title_fa = "درخواست شناسه کالا یافت نشد"

    def __init__(self) -> None:
        super().__init__("No such product-ID request is yours to see.")


class ProductCardInvalid(ProblemError):
    """The identity card breaks rules of its heading or the tariff book; every bad field
    is named in ``errors``."""

    status = 422
    code = "product-card-invalid"
    title = "The product's identity card is not valid"
    title_fa = "شناسنامه کالا معتبر نیست"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        fields = ", ".join(e["pointer"] for e in errors[:5])
        super().__init__(f"{len(errors)} field(s) of the card are not valid: {fields}", errors=errors)


class NotAMerchant(Forbidden):
    code = "product-id-needs-merchant"
    title = "Product IDs are registered by merchants or their representatives"
    title_fa = "ثبت شناسه کالا با نقش بازرگان یا نماینده او ممکن است"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)


class NotAnOfficer(Forbidden):
    code = "product-supervision-needs-officer"
    title = "Only an officer of the ministry supervises product-ID requests"
    title_fa = "نظارت بر درخواست شناسه کالا با کارشناس وزارت صمت است"

    def __init__(self) -> None:
        super().__init__(
            "Approving or rejecting a request needs an officer of the Ministry of Industry, Mine and Trade "
            "(role `officer`, office `issuing-authority` `mimt`), acting for oneself."
        )


class RequestNotDraft(ProblemError):
    status = 409
    code = "product-request-not-draft"
    title = "The request has already been sent"
    title_fa = "درخواست قبلاً ارسال شده است"

    def __init__(self, state: str, action: str = "submitted") -> None:
        super().__init__(
            f"Only a draft (not-sent) request can be {action}; this one is {state}.", state=state
        )


class RequestNotUnderSupervision(ProblemError):
    status = 409
    code = "product-request-not-under-supervision"
    title = "The request is not under supervision"
    title_fa = "درخواست در حال نظارت نیست"

    def __init__(self, state: str) -> None:
        super().__init__(
            f"Only a request under supervision can be approved or rejected; this one is {state}.", state=state
        )
