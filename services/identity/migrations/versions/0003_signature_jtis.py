"""signature_jtis: the one-time IDs of signed requests, refused when seen again

Revision ID: 0003_signature_jtis
Revises: 0002
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_signature_jtis"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "identity"


def upgrade() -> None:
    op.create_table(
        "signature_jtis",
        sa.Column("signer", sa.String(300), nullable=False),
        sa.Column("jti", sa.String(128), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signer", "jti", name="pk_signature_jtis"),
        schema=SCHEMA,
    )
    op.create_index("ix_signature_jtis_signed_at", "signature_jtis", ["signed_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("signature_jtis", schema=SCHEMA)
