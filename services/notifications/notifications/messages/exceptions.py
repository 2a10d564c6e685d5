"""Failures of the box and delivery operations, one class each."""

from __future__ import annotations

from kit.errors import NotFound, ProblemError


class MessageNotFound(NotFound):
    code = "message-not-found"
    title = "No such message in the box"
    title_fa = "پیام در صندوق یافت نشد"

    def __init__(self) -> None:
        super().__init__("The subscription's box holds no message with this ID.")


class WebhookNotActive(ProblemError):
    status = 409
    code = "webhook-not-active"
    title = "The subscription has no active webhook to send to"
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


class GrantsUnavailable(ProblemError):
    """identity could not say whether a representation grant still covers some messages: they
    are neither shown nor sent until it can (fail closed)."""

    status = 503
    code = "grants-unavailable"
    title = "Your representation grants could not be checked; ask again"
    title_fa = "بررسی نمایندگی‌ها ممکن نشد؛ دوباره تلاش کنید"

    def __init__(self) -> None:
        super().__init__(
            "Some messages reach you through a representation grant, and identity could not be asked "
            "whether it still covers them."
        )
