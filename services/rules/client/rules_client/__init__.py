"""Contract of the rules service. Models and calls grow with the service's API."""

from kit.client import ServiceClient


class RulesClient(ServiceClient):
    """Async client for rules."""


__all__ = ["RulesClient"]
