"""Contract of the orders service. Models and calls grow with the service's API."""

from kit.client import ServiceClient


class OrdersClient(ServiceClient):
    """Async client for orders."""


__all__ = ["OrdersClient"]
