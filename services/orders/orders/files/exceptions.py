"""Failures of the order-registration files, one class each. Each names the field at fault."""

from __future__ import annotations

from typing import Any

from kit.errors import Forbidden, NotFound, ProblemError, field_error, field_pointer


class _FieldProblem(ProblemError):
    """A refusal about one field: ``errors`` names it."""

    kind: str = "value_error"

    def __init__(self, detail: str, pointer: str, **extra: Any) -> None:
        super().__init__(detail, errors=[field_error(pointer, detail, self.kind)], **extra)


class OrderFileNotFound(NotFound):
    code = "order-file-not-found"
    title = "No such order-registration file"
    title_fa = "پرونده ثبت سفارش یافت نشد"

    def __init__(self) -> None:
        super().__init__("No order-registration file with this ID is yours to see.")


class OrderLineNotFound(NotFound):
    code = "order-line-not-found"
    title = "No such tariff line on the file"
    title_fa = "ردیف کالا در پرونده یافت نشد"

    def __init__(self) -> None:
        detail = "The file has no tariff line with this ID."
        super().__init__(detail, errors=[field_error("#/path/line_id", detail, "unknown_line")])


class AttachmentNotFound(NotFound):
    code = "order-attachment-not-found"
    title = "No such attachment on the file"
    title_fa = "پیوست یافت نشد"

    def __init__(self) -> None:
        detail = "The file has no attachment with this ID."
        super().__init__(detail, errors=[field_error("#/path/attachment_id", detail, "unknown_attachment")])


class MerchantRoleRequired(Forbidden):
    code = "merchant-role-required"
    title = "Order registration needs the merchant role"
    title_fa = "ثبت سفارش نیازمند نقش بازرگان است"


class CommercialCardExpired(Forbidden):
    code = "commercial-card-expired"
    title = "The commercial card has expired"
    title_fa = "کارت بازرگانی منقضی شده است"

    def __init__(self, expired_on: str) -> None:
        detail = (
            f"The commercial card expired on {expired_on}: renew it (identity, the merchant role) before "
            "registering orders."
        )
        super().__init__(
            detail,
            errors=[field_error("#/token/commercial_card_expires", detail, "commercial_card_expired")],
        )


class ScopeMissing(Forbidden):
    code = "scope-missing"
    title = "The representation does not cover foreign trade"
    title_fa = "نمایندگی شامل بازرگانی خارجی نیست"


class OfficerRoleRequired(Forbidden):
    code = "officer-role-required"
    title = "Only an officer reviews order-registration files"
    title_fa = "بررسی پرونده ثبت سفارش فقط با کارشناس است"


class OwnerOnly(Forbidden):
    code = "owner-only"
    title = "Only the file's owner may do this"
    title_fa = "فقط مالک پرونده مجاز است"


class InvalidField(_FieldProblem):
    """A value a schema cannot judge (a past date, an unknown office...)."""

    status = 422
    code = "order-field-invalid"
    title = "A field of the order is not acceptable"
    title_fa = "یکی از اقلام سفارش پذیرفتنی نیست"

    def __init__(self, detail: str, pointer: str, kind: str = "value_error") -> None:
        self.kind = kind
        super().__init__(detail, pointer)


class ProformaExpired(_FieldProblem):
    status = 422
    code = "proforma-expired"
    title = "The proforma invoice has expired"
    title_fa = "پیش‌فاکتور منقضی شده است"
    kind = "proforma_expired"


class SellerUnknown(_FieldProblem):
    status = 422
    code = "seller-unknown"
    title = "No foreign seller has this FIDA ID"
    title_fa = "فروشنده خارجی با این شناسه فیدا یافت نشد"
    kind = "unknown_fida_id"

    def __init__(self, fida_id: str, pointer: str = "#/body/seller_fida_id") -> None:
        super().__init__(f"No foreign seller is registered with the FIDA ID {fida_id}.", pointer)


class CustomsOfficeUnknown(_FieldProblem):
    status = 422
    code = "customs-office-unknown"
    title = "No such customs office"
    title_fa = "گمرک یافت نشد"
    kind = "unknown_customs_office"

    def __init__(self, office: str, pointer: str) -> None:
        super().__init__(
            f"No customs office has the id or 5-digit code {office!r}; list them with GET /v1/customs-offices.",
            pointer,
        )


class TariffLineUnknown(_FieldProblem):
    status = 422
    code = "tariff-line-unknown"
    title = "No such tariff line"
    title_fa = "ردیف تعرفه یافت نشد"
    kind = "unknown_hs_code"

    def __init__(self, hs_code: str) -> None:
        super().__init__(
            f"No tariff line {hs_code} is in force today; search the tariff book with GET /v1/tariff-lines?q=…",
            "#/body/hs_code",
        )


class LineUnitMismatch(_FieldProblem):
    status = 422
    code = "line-unit-mismatch"
    title = "The quantity is not in the tariff line's unit"
    title_fa = "واحد مقدار با واحد ردیف تعرفه یکی نیست"
    kind = "unit_mismatch"

    def __init__(self, hs_code: str, unit: str, expected: str) -> None:
        super().__init__(
            f"Tariff line {hs_code} counts goods in {expected!r}; give the quantity in {expected!r}, not {unit!r}.",
            "#/body/unit",
            expected_unit=expected,
        )


class GoodsProhibited(_FieldProblem):
    status = 422
    code = "goods-prohibited"
    title = "These goods may not be imported"
    title_fa = "ورود این کالا ممنوع است"
    kind = "prohibited_goods"

    def __init__(self, hs_code: str, reason_en: str, reason_fa: str, group: str) -> None:
        super().__init__(
            f"The goods of tariff line {hs_code} may not be imported ({group}): {reason_en}",
            "#/body/hs_code",
            prohibition={"group": group, "reason_en": reason_en, "reason_fa": reason_fa},
        )


class FirstYearCapExceeded(_FieldProblem):
    status = 422
    code = "first-year-cap-exceeded"
    title = "The file exceeds the first-year merchant's value cap"
    title_fa = "ارزش پرونده از سقف بازرگان سال اول بیشتر است"
    kind = "first_year_cap"


class ExchangeRateUnknown(_FieldProblem):
    status = 422
    code = "exchange-rate-unknown"
    title = "No exchange rate is stored for this currency"
    title_fa = "نرخ ارز برای این ارز ثبت نشده است"
    kind = "unknown_exchange_rate"

    def __init__(self, currency: str, pointer: str = "#/body/currency") -> None:
        super().__init__(
            f"No exchange rate is stored for {currency}: the fee and the first-year cap cannot be "
            "computed in it. Price the proforma in another currency.",
            pointer,
        )


class InvalidState(ProblemError):
    status = 409
    code = "order-file-state-conflict"
    title = "The file's state does not allow this"
    title_fa = "وضعیت پرونده اجازه این کار را نمی‌دهد"

    def __init__(self, action: str, status: str, allowed: list[str]) -> None:
        detail = f"A file {status} cannot be {action}; only a file {' or '.join(allowed)} can."
        super().__init__(detail, status_now=status)


class CoreFieldChange(ProblemError):
    status = 409
    code = "cancel-and-register-again"
    title = "A core field cannot change: cancel and register again"
    title_fa = "تغییر اقلام اصلی ممکن نیست: ابطال و ثبت مجدد"

    def __init__(self, fields: list[str]) -> None:
        detail = (
            f"After approval {', '.join(fields)} cannot change (the HS code and the kind of goods are core "
            "fields): cancel and register again (cancel this order, then register a new one). Only "
            "quantities and amounts may be edited."
        )
        super().__init__(
            detail,
            errors=[field_error(field_pointer("body", f), detail, "core_field") for f in fields],
        )


class NoLines(ProblemError):
    status = 409
    code = "order-file-has-no-lines"
    title = "The file has no tariff lines"
    title_fa = "پرونده ردیف کالا ندارد"

    def __init__(self) -> None:
        super().__init__("Add at least one tariff line (POST …/lines) before submitting.")


class LinesExceedTotal(ProblemError):
    status = 409
    code = "lines-exceed-proforma-total"
    title = "The lines are worth more than the proforma total"
    title_fa = "ارزش ردیف‌ها از جمع پیش‌فاکتور بیشتر است"

    def __init__(self, lines: str, total: str) -> None:
        detail = f"The lines add up to {lines}, more than the proforma total {total}."
        super().__init__(detail, errors=[field_error("#/body/total_amount", detail, "lines_exceed_total")])


class OrderExpired(ProblemError):
    status = 409
    code = "order-expired"
    title = "The order has expired"
    title_fa = "اعتبار ثبت سفارش به پایان رسیده است"

    def __init__(self, expired_on: str) -> None:
        super().__init__(
            f"The order's validity ended on {expired_on}; an extension must be asked for before expiry. "
            "Register a new order."
        )


class RulesUnavailable(ProblemError):
    status = 503
    code = "rules-unavailable"
    title = "The rules service cannot compute this now"
    title_fa = "سرویس قواعد اکنون در دسترس نیست"

    def __init__(self, calculation: str) -> None:
        super().__init__(
            f"The rules service did not answer the {calculation!r} calculation; nothing was stored. Try again."
        )


class AttachmentTooLarge(_FieldProblem):
    status = 413
    code = "attachment-too-large"
    title = "The attachment is larger than 1 MB"
    title_fa = "حجم پیوست بیش از ۱ مگابایت است"
    kind = "too_large"


class AttachmentTypeRefused(_FieldProblem):
    status = 415
    code = "attachment-type-refused"
    title = "Only PDF and JPEG attachments are accepted"
    title_fa = "فقط پیوست PDF و JPG پذیرفته می‌شود"
    kind = "unsupported_type"


class AttachmentEmpty(_FieldProblem):
    status = 422
    code = "attachment-empty"
    title = "The attachment is empty"
    title_fa = "پیوست خالی است"
    kind = "empty"


class ProductUnknown(_FieldProblem):
    status = 422
    code = "product-id-unknown"
    title = "No such product ID"
    title_fa = "شناسه کالا یافت نشد"
    kind = "unknown_product"

    def __init__(self, product_id: str) -> None:
        super().__init__(
            f"No product ID {product_id} has been issued: register the product first (POST /v1/products).",
            "#/body/product_id",
        )


class ProductHsCodeMismatch(_FieldProblem):
    status = 422
    code = "product-hs-code-mismatch"
    title = "The product ID is of another HS code"
    title_fa = "کد تعرفه شناسه کالا با ردیف یکسان نیست"
    kind = "hs_code_mismatch"

    def __init__(self, product_id: str, product_hs: str, line_hs: str) -> None:
        super().__init__(
            f"Product ID {product_id} was issued for HS code {product_hs}, not the line's {line_hs}.",
            "#/body/product_id",
        )


class PersonalCarRoleRequired(Forbidden):
    code = "personal-car-applicant-only"
    title = "A personal car import is registered by the applicant, in the base-natural role"
    title_fa = "ثبت سفارش خودروی شخصی فقط با نقش پایه حقیقی خود متقاضی"

    def __init__(self) -> None:
        super().__init__(
            "A personal-car file is registered and changed by the Iranian living abroad themselves, with their own "
            "token in the base-natural role (seed 001), not through a representative."
        )


class NotPersonalCarGoods(_FieldProblem):
    status = 422
    code = "personal-car-goods-only"
    title = "A personal-car file carries only the car"
    title_fa = "پرونده خودروی شخصی فقط شامل خودرو است"
    kind = "not_a_car"

    def __init__(self, hs_code: str) -> None:
        super().__init__(
            f"HS code {hs_code} is not a passenger car (heading 8703): a personal-car file carries only the car.",
            "#/body/hs_code",
        )


class CarProductRequired(_FieldProblem):
    status = 422
    code = "car-product-id-required"
    title = "The car line needs the car's product ID"
    title_fa = "ردیف خودرو نیازمند شناسه کالای خودرو است"
    kind = "car_product_required"

    def __init__(self) -> None:
        super().__init__(
            "The car of a personal car import is identified by its product ID, which carries its VIN: register "
            "the car (POST /v1/products, code_type vin) and give its product_id.",
            "#/body/product_id",
        )


class CasePermitInquiryMissing(ProblemError):
    status = 409
    code = "car-case-permit-inquiry-missing"
    title = "No successful case-permit inquiry (Mikhak approval) for this car"
    title_fa = "استعلام موفق مجوز موردی (تأیید میخک) برای این خودرو ثبت نشده است"

    def __init__(self, vin: str) -> None:
        detail = (
            f"No standing successful case-permit inquiry of yours covers the car with VIN {vin}: the Mikhak "
            "approval has not arrived, was revoked, or you have not inquired yet (POST "
            "/v1/car-case-permits/inquiries)."
        )
        super().__init__(
            detail, vin=vin, errors=[field_error("#/body/product_id", detail, "case_permit_inquiry_missing")]
        )
