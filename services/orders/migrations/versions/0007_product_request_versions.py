"""A version on product-ID requests, for the ETag a draft's edit must match

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "product_requests",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        schema="orders",
    )


def downgrade() -> None:
    op.drop_column("product_requests", "version", schema="orders")
