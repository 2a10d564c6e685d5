"""registration attempts of their own; legal persons verified against the companies registry

Registration: each ``POST /v1/registrations`` is now an attempt with its own
details, password hash and codes, so a second attempt can no longer replace a
pending one's password. Registrations pending at upgrade (pending natural
parties) become attempts with the same ID, details and password hash; their
codes move to the attempt, and the pending party and account go (a party is
made only when an attempt is confirmed).

Legal persons: every legal person registered before this revision was never
checked against the companies registry, so it becomes ``pending`` (unverified):
no roles take effect, it cannot grant or be acted as, and the admin look-up by
national ID does not find it. It becomes active again when one of the managers
the registry names registers its national ID (``POST /v1/legal-persons``);
managers the registry does not name are then removed.

Downgrade drops the attempts (pending registrations are lost; people register
again) and leaves unverified legal persons pending.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("parties", sa.Column("registration_number", sa.String(length=40)), schema="identity")
    op.add_column("parties", sa.Column("verified_at", sa.DateTime(timezone=True)), schema="identity")
    op.create_table(
        "registration_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("national_code", sa.String(length=10), nullable=False),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'superseded')", name=op.f("ck_registration_attempts_status")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["identity.parties.id"],
            name=op.f("fk_registration_attempts_party_id_parties"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_attempts")),
        schema="identity",
    )
    op.create_index(
        "ix_registration_attempts_national_code_status",
        "registration_attempts",
        ["national_code", "status"],
        unique=False,
        schema="identity",
    )
    op.add_column("verification_codes", sa.Column("registration_id", sa.Uuid()), schema="identity")
    op.create_foreign_key(
        op.f("fk_verification_codes_registration_id_registration_attempts"),
        "verification_codes",
        "registration_attempts",
        ["registration_id"],
        ["id"],
        source_schema="identity",
        referent_schema="identity",
        ondelete="CASCADE",
    )
    op.create_index(
        "ix_verification_codes_registration_id",
        "verification_codes",
        ["registration_id"],
        unique=False,
        schema="identity",
    )
    op.create_table(
        "sandbox_companies",
        sa.Column("national_id", sa.String(length=11), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registration_number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("manager_national_codes", sa.ARRAY(sa.String(length=10)), nullable=False),
        sa.PrimaryKeyConstraint("national_id", name=op.f("pk_sandbox_companies")),
        schema="identity",
    )
    # Pending registrations become attempts (same ID, details, password hash and codes).
    op.execute(
        """
        INSERT INTO identity.registration_attempts
            (id, national_code, mobile, first_name, last_name, postal_code, password_hash, requester,
             status, created_at)
        SELECT p.id, p.national_code, p.mobile, coalesce(p.first_name, ''), coalesce(p.last_name, ''),
               coalesce(p.postal_code, ''), a.password_hash, 'migration', 'pending', p.created_at
        FROM identity.parties p JOIN identity.accounts a ON a.party_id = p.id
        WHERE p.kind = 'natural' AND p.status = 'pending' AND p.mobile IS NOT NULL
        """
    )
    op.execute(
        """
        UPDATE identity.verification_codes c SET registration_id = c.party_id, party_id = NULL
        FROM identity.registration_attempts r
        WHERE c.party_id = r.id AND c.purpose = 'register'
        """
    )
    op.execute(
        """
        DELETE FROM identity.parties p USING identity.registration_attempts r
        WHERE p.id = r.id AND p.kind = 'natural' AND p.status = 'pending'
        """
    )
    # No legal person registered so far was checked against the companies registry.
    op.execute("UPDATE identity.parties SET status = 'pending' WHERE kind = 'legal' AND status = 'active'")


def downgrade() -> None:
    op.drop_table("sandbox_companies", schema="identity")
    op.drop_index("ix_verification_codes_registration_id", table_name="verification_codes", schema="identity")
    op.execute("DELETE FROM identity.verification_codes WHERE registration_id IS NOT NULL")
    op.drop_constraint(
        op.f("fk_verification_codes_registration_id_registration_attempts"),
        "verification_codes",
        schema="identity",
        type_="foreignkey",
    )
    op.drop_column("verification_codes", "registration_id", schema="identity")
    op.drop_index(
        "ix_registration_attempts_national_code_status", table_name="registration_attempts", schema="identity"
    )
    op.drop_table("registration_attempts", schema="identity")
    op.drop_column("parties", "verified_at", schema="identity")
    op.drop_column("parties", "registration_number", schema="identity")
