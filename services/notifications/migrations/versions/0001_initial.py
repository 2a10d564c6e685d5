"""notifications: schema, and kit's tables: idempotency keys, outbox events, feed cursors and seen events, the append-only audit log

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.audit import append_only_statements, drop_append_only_statements

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notifications"
AUDIT_INDEXES = {
    "ix_audit_log_object": ["object_type", "object_id", "id"],
    "ix_audit_log_actor": ["actor", "id"],
    "ix_audit_log_on_behalf_of": ["on_behalf_of", "id"],
    "ix_audit_log_action": ["action", "id"],
    "ix_audit_log_request_id": ["request_id"],
    "ix_audit_log_occurred_at": ["occurred_at"],
}


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", sa.String(300), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name="pk_idempotency_keys"),
        schema=SCHEMA,
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], schema=SCHEMA)
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("object_kind", sa.String(length=40), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=True),
        sa.Column("object_url", sa.String(length=300), nullable=True),
        sa.Column("access_level", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_events_event_id")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_outbox_events_undelivered",
        "outbox_events",
        ["id"],
        schema=SCHEMA,
        postgresql_where="delivered_at IS NULL",
    )
    op.create_table(
        "feed_cursors",
        sa.Column("feed", sa.String(length=100), nullable=False),
        sa.Column("cursor", sa.String(length=512), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("feed", name=op.f("pk_feed_cursors")),
        schema=SCHEMA,
    )
    op.create_table(
        "seen_events",
        sa.Column("feed", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("feed", "event_id", name=op.f("pk_seen_events")),
        schema=SCHEMA,
    )
    op.create_index("ix_seen_events_seen_at", "seen_events", ["seen_at"], schema=SCHEMA)
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
    for name, columns in AUDIT_INDEXES.items():
        op.create_index(name, "audit_log", columns, schema=SCHEMA)
    for statement in append_only_statements(sa.table("audit_log", schema=SCHEMA)):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_statements(sa.table("audit_log", schema=SCHEMA)):
        op.execute(statement)
    op.drop_table("audit_log", schema=SCHEMA)
    op.drop_table("seen_events", schema=SCHEMA)
    op.drop_table("feed_cursors", schema=SCHEMA)
    op.drop_table("outbox_events", schema=SCHEMA)
    op.drop_table("idempotency_keys", schema=SCHEMA)
