"""audit log: outcome, source address, user agent, query indexes; append-only

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kit.audit import append_only_statements, drop_append_only_statements

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "identity"
TABLE = sa.table("audit_log", schema=SCHEMA)
INDEXES = {
    "ix_audit_log_actor": ["actor", "id"],
    "ix_audit_log_on_behalf_of": ["on_behalf_of", "id"],
    "ix_audit_log_action": ["action", "id"],
    "ix_audit_log_request_id": ["request_id"],
    "ix_audit_log_occurred_at": ["occurred_at"],
}


def upgrade() -> None:
    op.alter_column("audit_log", "at", new_column_name="occurred_at", schema=SCHEMA)
    op.add_column(
        "audit_log",
        sa.Column("outcome", sa.String(length=10), server_default="success", nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "audit_log", sa.Column("source_address", sa.String(length=64), nullable=True), schema=SCHEMA
    )
    op.add_column("audit_log", sa.Column("user_agent", sa.String(length=200), nullable=True), schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_audit_log_outcome"), "audit_log", "outcome IN ('success', 'refused')", schema=SCHEMA
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_log", columns, unique=False, schema=SCHEMA)
    for statement in append_only_statements(TABLE):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_statements(TABLE):
        op.execute(statement)
    for name in INDEXES:
        op.drop_index(name, table_name="audit_log", schema=SCHEMA)
    op.drop_constraint(op.f("ck_audit_log_outcome"), "audit_log", schema=SCHEMA, type_="check")
    op.drop_column("audit_log", "user_agent", schema=SCHEMA)
    op.drop_column("audit_log", "source_address", schema=SCHEMA)
    op.drop_column("audit_log", "outcome", schema=SCHEMA)
    op.alter_column("audit_log", "occurred_at", new_column_name="at", schema=SCHEMA)
