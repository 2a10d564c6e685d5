"""login back-off per account and source, password recovery, SSO purpose

Failed logins move from ``accounts`` (which locked the owner out) to
``login_throttles``; ``password_recoveries`` backs recovery by SMS or My
Government; ``sso_logins.purpose`` tells a login from a recovery.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("account_ref", sa.String(length=64), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
        schema="identity",
    )
    op.create_index(
        "ix_login_throttles_account_ref", "login_throttles", ["account_ref"], unique=False, schema="identity"
    )
    op.create_table(
        "password_recoveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("national_code", sa.String(length=10), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("verification_code_id", sa.Uuid(), nullable=True),
        sa.Column("reset_code_hash", sa.String(length=64), nullable=True),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("method IN ('sms', 'my-government')", name=op.f("ck_password_recoveries_method")),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["identity.parties.id"],
            name=op.f("fk_password_recoveries_party_id_parties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verification_code_id"],
            ["identity.verification_codes.id"],
            name=op.f("fk_password_recoveries_verification_code_id_verification_codes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_recoveries")),
        schema="identity",
    )
    op.create_index(
        "ix_password_recoveries_national_code_created_at",
        "password_recoveries",
        ["national_code", "created_at"],
        unique=False,
        schema="identity",
    )
    op.create_index(
        "ix_password_recoveries_requester_created_at",
        "password_recoveries",
        ["requester", "created_at"],
        unique=False,
        schema="identity",
    )
    op.add_column(
        "sso_logins",
        sa.Column("purpose", sa.String(length=20), server_default="login", nullable=False),
        schema="identity",
    )
    op.drop_column("accounts", "failed_logins", schema="identity")
    op.drop_column("accounts", "locked_until", schema="identity")


def downgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        schema="identity",
    )
    op.add_column(
        "accounts",
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        schema="identity",
    )
    op.drop_column("sso_logins", "purpose", schema="identity")
    op.drop_index(
        "ix_password_recoveries_requester_created_at", table_name="password_recoveries", schema="identity"
    )
    op.drop_index(
        "ix_password_recoveries_national_code_created_at", table_name="password_recoveries", schema="identity"
    )
    op.drop_table("password_recoveries", schema="identity")
    op.drop_index("ix_login_throttles_account_ref", table_name="login_throttles", schema="identity")
    op.drop_table("login_throttles", schema="identity")
