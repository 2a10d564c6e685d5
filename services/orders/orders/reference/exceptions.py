"""Failures of the reference-data endpoints, one class each."""

from __future__ import annotations

from typing import Any

from kit.errors import NotFound, ProblemError, field_error, field_pointer
from kit.jalali import INVALID_DATE


class TariffLineNotFound(NotFound):
    code = "tariff-line-not-found"
    title = "No such tariff line"
    title_fa = "ردیف تعرفه یافت نشد"

    def __init__(self, hs_code: str, pointer: str = "#/path/hs_code", **extra: Any) -> None:
        detail = (
            f"No tariff line {hs_code} is in force on the day asked. Search the tariff book with "
            "GET /v1/tariff-lines?q=… (a code prefix or words of the description)."
        )
        super().__init__(
            detail, hs_code=hs_code, errors=[field_error(pointer, detail, "unknown_hs_code")], **extra
        )


class CustomsOfficeNotFound(NotFound):
    code = "customs-office-not-found"
    title = "No such customs office"
    title_fa = "گمرک یافت نشد"

    def __init__(self, office: str) -> None:
        detail = f"No customs office has the id or 5-digit code {office!r}; list them with GET /v1/customs-offices."
        super().__init__(detail, errors=[field_error("#/path/office_id", detail, "unknown_customs_office")])


class SellerNotFound(NotFound):
    code = "seller-not-found"
    title = "No foreign seller has this FIDA ID"
    title_fa = "فروشنده خارجی با این شناسه یافت نشد"

    def __init__(self, fida_id: str) -> None:
        detail = f"No foreign seller is registered with the FIDA ID {fida_id}."
        super().__init__(detail, errors=[field_error("#/path/fida_id", detail, "unknown_fida_id")])


class SellerAlreadyRegistered(ProblemError):
    status = 409
    code = "seller-already-registered"
    title = "A seller with this FIDA ID is already registered"
    title_fa = "فروشنده‌ای با این شناسه فیدا قبلاً ثبت شده است"

    def __init__(self, fida_id: str) -> None:
        detail = f"The FIDA ID {fida_id} is already registered; GET /v1/sellers/{fida_id} shows the seller."
        super().__init__(detail, errors=[field_error("#/body/fida_id", detail, "duplicate_fida_id")])


class CarBrandNotFound(NotFound):
    code = "car-brand-not-found"
    title = "No such car brand on the allowed list"
    title_fa = "این برند خودرو در فهرست مجاز نیست"

    def __init__(self, brand_id: str) -> None:
        detail = f"No brand {brand_id!r} is on the allowed list; add it first with POST /v1/car-brands."
        super().__init__(detail, errors=[field_error("#/path/brand_id", detail, "unknown_car_brand")])


class CarBrandAlreadyListed(ProblemError):
    status = 409
    code = "car-brand-already-listed"
    title = "This car brand is already on the allowed list"
    title_fa = "این برند خودرو قبلاً در فهرست مجاز است"

    def __init__(self, brand_id: str) -> None:
        detail = f"The brand {brand_id!r} is already on the allowed list."
        super().__init__(detail, errors=[field_error("#/body/id", detail, "duplicate_car_brand")])


class CarModelAlreadyListed(ProblemError):
    status = 409
    code = "car-model-already-listed"
    title = "This car model is already on the allowed list"
    title_fa = "این مدل خودرو قبلاً در فهرست مجاز است"

    def __init__(self, brand_id: str, model_id: str) -> None:
        detail = f"The model {model_id!r} of {brand_id!r} is already on the allowed list."
        super().__init__(detail, errors=[field_error("#/body/id", detail, "duplicate_car_model")])


class InvalidDay(ProblemError):
    status = 422
    code = "invalid-date"
    title = "The date is not a real day"
    title_fa = "تاریخ نامعتبر است"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail, errors=[field_error(field_pointer("query", field), detail, INVALID_DATE)])
