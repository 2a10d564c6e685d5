"""Contract of the permits service. Models and calls grow with the service's API."""

from panjereh_contract.client import ServiceClient


class PermitsClient(ServiceClient):
    """Async client for permits."""


__all__ = ["PermitsClient"]
