"""rules: the law as dated, cited data

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "rules"


def upgrade() -> None:
    op.create_table(
        "rules",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("instrument", sa.String(60), nullable=False),
        sa.Column("article", sa.String(10), nullable=True),
        sa.Column("note", sa.String(10), nullable=True),
        sa.Column("clause", sa.String(10), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("document", postgresql.JSONB(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rules"),
        schema=SCHEMA,
    )
    op.create_index("ix_rules_rules_instrument", "rules", ["instrument"], schema=SCHEMA)
    op.create_table(
        "rule_periods",
        sa.Column("rule_id", sa.String(100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("value", postgresql.JSONB(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("citation", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "seq", name="pk_rule_periods"),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.rules.id"], name="fk_rule_periods_rule_id_rules", ondelete="CASCADE"
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("rule_periods", schema=SCHEMA)
    op.drop_table("rules", schema=SCHEMA)
