"""notifications: subscriptions and their secrets, messages (the boxes and deliveries) and their
attempts; the outbox's and received events' audience (scope, office)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "notifications"


def upgrade() -> None:
    for table in ("outbox_events", "received_events"):
        op.add_column(table, sa.Column("scope", sa.String(length=40), nullable=True), schema=SCHEMA)
        op.add_column(table, sa.Column("office", sa.String(length=60), nullable=True), schema=SCHEMA)
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("office", sa.String(length=60), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("disabled_reason", sa.String(length=300), nullable=True),
        sa.Column("challenge", sa.String(length=100), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending-verification', 'active', 'disabled')", name=op.f("ck_subscriptions_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        schema=SCHEMA,
    )
    op.create_index("ix_subscriptions_owner", "subscriptions", ["owner", "created_at"], schema=SCHEMA)
    op.create_table(
        "subscription_secrets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("retires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            [f"{SCHEMA}.subscriptions.id"],
            name=op.f("fk_subscription_secrets_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_secrets")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_subscription_secrets_subscription",
        "subscription_secrets",
        ["subscription_id", "created_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("object_key", sa.String(length=250), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("principal", sa.String(length=200), nullable=True),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'acknowledged', 'failed', 'withheld')",
            name=op.f("ck_messages_status"),
        ),
        sa.CheckConstraint("basis IN ('own', 'office', 'representation')", name=op.f("ck_messages_basis")),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            [f"{SCHEMA}.subscriptions.id"],
            name=op.f("fk_messages_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_messages_message_id")),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_messages_subscription_event"),
        schema=SCHEMA,
    )
    op.create_index("ix_messages_box", "messages", ["subscription_id", "status", "id"], schema=SCHEMA)
    op.create_index(
        "ix_messages_due",
        "messages",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where="status = 'pending'",
    )
    op.create_index("ix_messages_object", "messages", ["subscription_id", "object_key", "id"], schema=SCHEMA)
    op.create_index("ix_messages_created_at", "messages", ["created_at"], schema=SCHEMA)
    op.create_table(
        "message_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column(
            "attempted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("replay", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            [f"{SCHEMA}.messages.id"],
            name=op.f("fk_message_attempts_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            [f"{SCHEMA}.subscriptions.id"],
            name=op.f("fk_message_attempts_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_attempts")),
        schema=SCHEMA,
    )
    op.create_index("ix_message_attempts_message", "message_attempts", ["message_id", "id"], schema=SCHEMA)
    op.create_index(
        "ix_message_attempts_subscription", "message_attempts", ["subscription_id", "id"], schema=SCHEMA
    )
    op.create_index("ix_message_attempts_attempted_at", "message_attempts", ["attempted_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("message_attempts", schema=SCHEMA)
    op.drop_table("messages", schema=SCHEMA)
    op.drop_table("subscription_secrets", schema=SCHEMA)
    op.drop_table("subscriptions", schema=SCHEMA)
    for table in ("received_events", "outbox_events"):
        op.drop_column(table, "office", schema=SCHEMA)
        op.drop_column(table, "scope", schema=SCHEMA)
