"""Failures of subscriptions, one class each (the routes list them in ``problem_responses``)."""

from __future__ import annotations

from kit.errors import Forbidden, NotFound, ProblemError, field_error


class SubscriptionNotFound(NotFound):
    code = "subscription-not-found"
    title = "No such subscription"
    title_fa = "اشتراک یافت نشد"

    def __init__(self) -> None:
        super().__init__("No subscription with this ID is yours to see.")


class SubscriptionInOwnNameOnly(Forbidden):
    code = "subscription-in-own-name-only"
    title = "Subscriptions are made in one's own name"
    title_fa = "اشتراک فقط به نام خود ساخته می‌شود"

    def __init__(self) -> None:
        super().__init__(
            "Subscribe with your own token, not one acting for someone: what you receive follows "
            "from the grants you hold."
        )


class _SubscriptionRefused(ProblemError):
    status = 422
    pointer = "#/body"

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail, errors=[field_error(pointer or self.pointer, detail, self.code)])


class InvalidEventTypePattern(_SubscriptionRefused):
    code = "invalid-event-type-pattern"
    title = "Not an event type pattern"
    title_fa = "الگوی نوع رویداد نامعتبر است"
    pointer = "#/body/event_types"


class WebhookUrlNotAllowed(_SubscriptionRefused):
    code = "webhook-url-not-allowed"
    title = "Webhooks cannot be sent to this URL"
    title_fa = "به این نشانی وب‌هوک فرستاده نمی‌شود"
    pointer = "#/body/webhook_url"


class NoWebhookUrl(ProblemError):
    status = 409
    code = "no-webhook-url"
    title = "The subscription has no webhook URL"
    title_fa = "اشتراک نشانی وب‌هوک ندارد"

    def __init__(self) -> None:
        super().__init__("There is no webhook URL to challenge: its messages wait in its box.")
