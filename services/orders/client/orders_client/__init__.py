"""Contract of the orders service. Models and calls grow with the service's API."""

from urllib.parse import quote

from orders_client.files import FileStatus, OrderFileOut, OrderFilePage
from panjereh_contract.audit_models import AuditEvent, AuditEventPage
from panjereh_contract.client import ServiceClient


class OrdersClient(ServiceClient):
    """Async client for orders (``audit_events``: the admin query of the audit log).

    ``authorization`` is the ``Authorization`` header value of the caller's own token: orders
    answers what that caller may see (another party's file reads as absent, 404)."""

    async def order_file(self, authorization: str, file_id: str) -> OrderFileOut:
        """One order-registration file with its lines, fees, signer and review."""
        response = await self._request(
            "GET", f"/v1/order-files/{quote(file_id, safe='')}", headers={"Authorization": authorization}
        )
        return OrderFileOut.model_validate(response.json())

    async def order_files(
        self,
        authorization: str,
        *,
        status: FileStatus | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> OrderFilePage:
        """A page of the files the caller may see, oldest first (``next``: the following page's URL)."""
        params = {
            "limit": str(limit),
            **({"status": status} if status else {}),
            **({"cursor": cursor} if cursor else {}),
        }
        response = await self._request(
            "GET", "/v1/order-files", params=params, headers={"Authorization": authorization}
        )
        return OrderFilePage.model_validate(response.json())


__all__ = ["AuditEvent", "AuditEventPage", "OrdersClient"]
