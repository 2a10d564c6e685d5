"""Grants remember when their ``representation.expired`` event was published (once each)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "identity"


def upgrade() -> None:
    op.add_column(
        "representations",
        sa.Column("expiry_published_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    # Grants that ended before this migration are not announced now: they expired long ago.
    op.execute(
        "UPDATE identity.representations SET expiry_published_at = now() "
        "WHERE state = 'accepted' AND ends_on < (now() AT TIME ZONE 'Asia/Tehran')::date"
    )
    op.create_index(
        "ix_representations_expiry_due",
        "representations",
        ["ends_on"],
        schema=SCHEMA,
        postgresql_where=sa.text("state = 'accepted' AND expiry_published_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_representations_expiry_due", table_name="representations", schema=SCHEMA)
    op.drop_column("representations", "expiry_published_at", schema=SCHEMA)
