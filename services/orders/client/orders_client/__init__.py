"""Contract of the orders service. Models and calls grow with the service's API."""

from panjereh_contract.audit_models import AuditEvent, AuditEventPage
from panjereh_contract.client import ServiceClient


class OrdersClient(ServiceClient):
    """Async client for orders (``audit_events``: the admin query of the audit log)."""


__all__ = ["AuditEvent", "AuditEventPage", "OrdersClient"]
