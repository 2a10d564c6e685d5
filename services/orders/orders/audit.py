"""The security audit of orders (``kit.audit``): approvals and rejections of order files,
final registrations (signed acts), and the supervision decisions on product IDs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import audit
from kit.auth import Principal
from orders.models import audit_log


async def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: object,
    **details: Any,
) -> None:
    """Record ``principal``'s act in the caller's transaction: the actor is the agent when the
    token acts for someone (``act``), who is then ``on_behalf_of``."""
    await audit.record(
        session,
        audit_log,
        actor=principal.actor or principal.subject,
        on_behalf_of=principal.subject if principal.actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
