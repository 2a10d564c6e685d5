"""The outbox's events say who else reads them: the scope a representative's grant must cover,
and the office whose officers see the object

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "orders"


def upgrade() -> None:
    op.add_column("outbox_events", sa.Column("scope", sa.String(length=40), nullable=True), schema=SCHEMA)
    op.add_column("outbox_events", sa.Column("office", sa.String(length=60), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("outbox_events", "office", schema=SCHEMA)
    op.drop_column("outbox_events", "scope", schema=SCHEMA)
