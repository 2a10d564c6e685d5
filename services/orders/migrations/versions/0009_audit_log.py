"""The security audit log (kit.audit): approvals, rejections, final registrations; append-only

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.audit import append_only_statements, drop_append_only_statements

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "orders"
INDEXES = {
    "ix_audit_log_object": ["object_type", "object_id", "id"],
    "ix_audit_log_actor": ["actor", "id"],
    "ix_audit_log_on_behalf_of": ["on_behalf_of", "id"],
    "ix_audit_log_action": ["action", "id"],
    "ix_audit_log_request_id": ["request_id"],
    "ix_audit_log_occurred_at": ["occurred_at"],
}


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=10), server_default="success", nullable=False),
        sa.Column("source_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.CheckConstraint("outcome IN ('success', 'refused')", name=op.f("ck_audit_log_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema=SCHEMA,
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_log", columns, unique=False, schema=SCHEMA)
    for statement in append_only_statements(sa.table("audit_log", schema=SCHEMA)):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_statements(sa.table("audit_log", schema=SCHEMA)):
        op.execute(statement)
    for name in INDEXES:
        op.drop_index(name, table_name="audit_log", schema=SCHEMA)
    op.drop_table("audit_log", schema=SCHEMA)
