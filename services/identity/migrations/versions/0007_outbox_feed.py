"""The outbox as a feed (each event's object kind, party, gateway path, access level) and the
follower's tables of the feeds this service follows (feed_cursors, seen_events)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "identity"
# Events written before: the kind is the subject's prefix (`order-file:…`) or the topic's first
# word, the party the payload's owner where it names one.
BACKFILL = """
UPDATE identity.outbox_events SET
    object_kind = CASE WHEN subject LIKE '%:%' THEN split_part(subject, ':', 1) ELSE split_part(topic, '.', 1) END,
    party = payload ->> 'owner'
"""


def upgrade() -> None:
    op.add_column(
        "outbox_events", sa.Column("object_kind", sa.String(length=40), nullable=True), schema=SCHEMA
    )
    op.add_column("outbox_events", sa.Column("party", sa.String(length=200), nullable=True), schema=SCHEMA)
    op.add_column(
        "outbox_events", sa.Column("object_url", sa.String(length=300), nullable=True), schema=SCHEMA
    )
    op.add_column(
        "outbox_events", sa.Column("access_level", sa.String(length=20), nullable=True), schema=SCHEMA
    )
    op.execute(BACKFILL)
    op.alter_column("outbox_events", "object_kind", nullable=False, schema=SCHEMA)
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


def downgrade() -> None:
    op.drop_table("seen_events", schema=SCHEMA)
    op.drop_table("feed_cursors", schema=SCHEMA)
    for column in ("access_level", "object_url", "party", "object_kind"):
        op.drop_column("outbox_events", column, schema=SCHEMA)
