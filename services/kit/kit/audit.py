"""The security audit log every service keeps: who did what, for whom, when, from where, in which
request, and whether it was allowed.

* ``audit_table(metadata)``: the table, in the service's own schema, created by its migrations;
* ``append_only_statements(table)``: the DDL of the trigger that refuses UPDATE, DELETE and
  TRUNCATE, so that not even the service's own database role can rewrite history (every
  service's migration runs it; ``create_all`` runs it too);
* ``record(...)`` adds an entry to the caller's transaction (it commits with the act it records);
  ``record_apart(...)`` writes one in a transaction of its own, for refusals, whose own
  transaction is rolled back;
* the request ID, the client address and the user agent come from the request context.

The admin query (``GET /v1/audit-events``) is in ``kit.audit_api``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    event,
    func,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.expression import TableClause

from kit.request_context import current_client_address, current_request_id, current_user_agent
from panjereh_contract.audit_models import Outcome

TABLE_NAME = "audit_log"
MAX_USER_AGENT = 200
MAX_ADDRESS = 64


def audit_table(metadata: MetaData) -> Table:
    """The audit log of a service; ordered by ``id`` (stable, indexed), filtered by the indexes."""
    table = Table(
        TABLE_NAME,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor", String(200), nullable=False),
        Column("on_behalf_of", String(200), nullable=True),
        Column("action", String(60), nullable=False),
        Column("object_type", String(40), nullable=False),
        Column("object_id", String(100), nullable=False),
        Column("outcome", String(10), nullable=False, server_default=Outcome.SUCCESS.value),
        Column("source_address", String(MAX_ADDRESS), nullable=True),
        Column("user_agent", String(MAX_USER_AGENT), nullable=True),
        Column("request_id", String(128), nullable=True),
        Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        CheckConstraint("outcome IN ('success', 'refused')", name="outcome"),
        Index("ix_audit_log_object", "object_type", "object_id", "id"),
        Index("ix_audit_log_actor", "actor", "id"),
        Index("ix_audit_log_on_behalf_of", "on_behalf_of", "id"),
        Index("ix_audit_log_action", "action", "id"),
        Index("ix_audit_log_request_id", "request_id"),
        Index("ix_audit_log_occurred_at", "occurred_at"),
    )
    for statement in append_only_statements(table):
        event.listen(table, "after_create", DDL(statement.replace("%", "%%")))
    return table


def _names(table: TableClause) -> tuple[str, str, str]:
    schema = table.schema or "public"
    return (
        f'"{schema}"."{table.name}"',
        f'"{schema}"."{table.name}_refuse_change"',
        f"{table.name}_append_only",
    )


def append_only_statements(table: TableClause) -> list[str]:
    """The DDL making ``table`` append-only: a statement-level trigger raising on UPDATE,
    DELETE and TRUNCATE (statement-level, so even an UPDATE matching no row fails).
    ``table`` may be ``sqlalchemy.table("audit_log", schema=...)`` in a migration."""
    qualified, function, trigger = _names(table)
    return [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is refused: the audit log is append-only',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$""",
        f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE OR TRUNCATE ON {qualified} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def drop_append_only_statements(table: TableClause) -> list[str]:
    """The DDL undoing ``append_only_statements`` (for a migration's downgrade)."""
    qualified, function, trigger = _names(table)
    return [f"DROP TRIGGER IF EXISTS {trigger} ON {qualified}", f"DROP FUNCTION IF EXISTS {function}()"]


def entry(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    on_behalf_of: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one audit row: the act as given, where it came from as the request
    context says. ``actor`` is who acted (a ``user:``/``client:`` subject, or ``anonymous``);
    ``on_behalf_of`` the principal they acted for when that is someone else."""
    user_agent = current_user_agent()
    address = current_client_address()
    return {
        "actor": actor,
        "on_behalf_of": on_behalf_of if on_behalf_of != actor else None,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "outcome": Outcome(outcome).value,
        "source_address": address[:MAX_ADDRESS] if address else None,
        "user_agent": user_agent[:MAX_USER_AGENT] if user_agent else None,
        "request_id": current_request_id(),
        "details": details or {},
    }


async def record(session: AsyncSession, table: Table, **fields: Any) -> None:
    """Add an audit row to the caller's transaction: it is kept exactly when the act is."""
    await session.execute(insert(table).values(entry(**fields)))


async def record_apart(sessionmaker: async_sessionmaker[AsyncSession], table: Table, **fields: Any) -> None:
    """Write an audit row in a transaction of its own: for a refusal, whose request's own
    transaction is rolled back."""
    async with sessionmaker() as session, session.begin():
        await session.execute(insert(table).values(entry(**fields)))
