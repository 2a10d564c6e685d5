"""The audit trail of identity: every security event (logins, lockouts, tokens, grants, keys,
admin acts), who made it, for whom, from where and in which request (``kit.audit``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.models import AuditEntry, audit_log
from kit import audit
from kit.audit import Outcome


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    on_behalf_of: str | None = None,
    details: dict[str, Any] | None = None,
    outcome: Outcome = Outcome.SUCCESS,
) -> None:
    """Add an audit entry to the caller's transaction (flushed with it).

    ``actor`` is who acted (a ``user:``/``client:`` subject); ``on_behalf_of``
    the principal they acted for when that is someone else. The request ID,
    client address and user agent come from the request context.
    """
    session.add(
        AuditEntry(
            **audit.entry(
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                on_behalf_of=on_behalf_of,
                details=details,
                outcome=outcome,
            )
        )
    )


async def record_refusal(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    on_behalf_of: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a refused act in a transaction of its own (the request's is rolled back)."""
    await audit.record_apart(
        sessionmaker,
        audit_log,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        on_behalf_of=on_behalf_of,
        details=details,
        outcome=Outcome.REFUSED,
    )
