"""Contract of the transit service. Models and calls grow with the service's API."""

from panjereh_contract.client import ServiceClient


class TransitClient(ServiceClient):
    """Async client for transit."""


__all__ = ["TransitClient"]
