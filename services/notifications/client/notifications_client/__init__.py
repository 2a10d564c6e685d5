"""Contract of the notifications service. Models and calls grow with the service's API."""

from panjereh_contract.client import ServiceClient


class NotificationsClient(ServiceClient):
    """Async client for notifications."""


__all__ = ["NotificationsClient"]
