"""Outside services that cannot be reached."""

from __future__ import annotations

from kit.errors import ProblemError


class OwnershipInquiryUnavailable(ProblemError):
    status = 503
    code = "ownership-inquiry-unavailable"
    title = "The mobile-ownership inquiry cannot be made now"
    title_fa = "استعلام مالکیت شماره همراه اکنون ممکن نیست"


class SmsUnavailable(ProblemError):
    status = 503
    code = "sms-unavailable"
    title = "The SMS cannot be sent now"
    title_fa = "ارسال پیامک اکنون ممکن نیست"


class CompanyRegistryUnavailable(ProblemError):
    status = 503
    code = "company-registry-unavailable"
    title = "The companies registry cannot be asked now"
    title_fa = "استعلام از سامانه ثبت شرکت‌ها اکنون ممکن نیست"
