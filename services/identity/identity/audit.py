"""The audit trail of identity: every state change, who made it, for whom, and in which request."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import AuditEntry
from kit.request_context import current_request_id


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    on_behalf_of: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the caller's transaction (flushed with it).

    ``actor`` is who acted (a ``user:``/``client:`` subject); ``on_behalf_of``
    the principal they acted for when that is someone else.
    """
    session.add(
        AuditEntry(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details=details or {},
            request_id=current_request_id(),
        )
    )
