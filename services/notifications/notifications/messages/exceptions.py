"""Failures of the box and delivery operations, one class each."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError


class SubscriptionNotFound(NotFound):
    code = "subscription-not-found"
    title = "No such subscription"
    title_fa = "اشتراک یافت نشد"

    def __init__(self) -> None:
        super().__init__("No subscription with this ID is yours to see.")


class MessageNotFound(NotFound):
    code = "message-not-found"
    title = "No such message in the box"
    title_fa = "پیام در صندوق یافت نشد"

    def __init__(self) -> None:
        super().__init__("The subscription's box holds no message with this ID.")


class NoWebhook(ProblemError):
    status = 409
    code = "subscription-has-no-webhook"
    title = "The subscription has no webhook to send to"
    title_fa = "اشتراک نشانی وب‌هوک ندارد"

    def __init__(self) -> None:
        super().__init__("This subscription has no webhook URL, or it has not answered its challenge yet.")


class MessageWithheld(ProblemError):
    status = 409
    code = "message-withheld"
    title = "The message is withheld"
    title_fa = "پیام نگه داشته شده است"

    def __init__(self) -> None:
        super().__init__("The subscriber may no longer read this message's object: it is not sent.")


class InvalidRange(ProblemError):
    status = 422
    code = "invalid-time-range"
    title = "The time range is empty"
    title_fa = "بازه زمانی نامعتبر است"

    def __init__(self) -> None:
        super().__init__("`until` must come after `since`.")


class DeliveryUnavailable(ProblemError):
    status = 503
    code = "delivery-unavailable"
    title = "Deliveries are not configured"
    title_fa = "ارسال پیام پیکربندی نشده است"

    def __init__(self) -> None:
        super().__init__("This instance was started without its delivery collaborators.")
