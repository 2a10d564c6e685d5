"""The security audit of orders (``kit.audit``): approvals and rejections of order files,
final registrations (signed acts), and the supervision decisions on product IDs — and the
decisions refused to an officer who is party to the case (separation of duties)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from kit import audit
from kit.auth import Principal
from kit.runtime import runtime
from orders.db import audit_log


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


async def record_refused(
    request: Request, principal: Principal, action: str, object_type: str, object_id: object, why: str
) -> None:
    """Record a refused act apart from the request's transaction, which the refusal rolls back."""
    await audit.record_apart(
        runtime(request).sessionmaker,
        audit_log,
        actor=principal.actor or principal.subject,
        on_behalf_of=principal.subject if principal.actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=audit.Outcome.REFUSED,
        details={"reason": why},
    )
