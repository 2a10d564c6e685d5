"""Mikhak cases, case-permit inquiries and the kind of an order file (personal-car)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_CAR_PER_PERSON = sa.text("eligible AND status <> 'rejected' AND revoked_at IS NULL")


def upgrade() -> None:
    op.add_column(
        "order_files",
        sa.Column("kind", sa.String(length=20), server_default="commercial", nullable=False),
        schema="orders",
    )
    op.create_check_constraint(
        op.f("ck_order_files_kind_known"),
        "order_files",
        "kind IN ('commercial', 'personal-car')",
        schema="orders",
    )
    op.create_table(
        "car_case_inquiries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("national_code", sa.String(length=10), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("refusal_code", sa.String(length=60), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "result IN ('succeeded', 'refused')", name=op.f("ck_car_case_inquiries_result_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_car_case_inquiries")),
        schema="orders",
    )
    op.create_index(
        "ix_car_case_inquiries_subject_case", "car_case_inquiries", ["subject", "case_id"], schema="orders"
    )
    op.create_index(op.f("ix_orders_car_case_inquiries_vin"), "car_case_inquiries", ["vin"], schema="orders")
    op.create_table(
        "mikhak_cases",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("national_code", sa.String(length=10), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("eligibility", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("received_from", sa.String(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected')", name=op.f("ck_mikhak_cases_status_known")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_mikhak_cases")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_mikhak_cases_national_code"), "mikhak_cases", ["national_code"], schema="orders"
    )
    op.create_index(op.f("ix_orders_mikhak_cases_vin"), "mikhak_cases", ["vin"], schema="orders")
    op.create_index(
        "uq_mikhak_cases_one_car_per_person",
        "mikhak_cases",
        ["national_code"],
        unique=True,
        schema="orders",
        postgresql_where=ONE_CAR_PER_PERSON,
    )
    op.create_table(
        "mikhak_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_from", sa.String(length=300), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mikhak_messages")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_mikhak_messages_case_id"), "mikhak_messages", ["case_id"], schema="orders"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_order_files_kind_known"), "order_files", schema="orders", type_="check")
    op.drop_column("order_files", "kind", schema="orders")
    op.drop_index(op.f("ix_orders_mikhak_messages_case_id"), table_name="mikhak_messages", schema="orders")
    op.drop_table("mikhak_messages", schema="orders")
    op.drop_index("uq_mikhak_cases_one_car_per_person", table_name="mikhak_cases", schema="orders")
    op.drop_index(op.f("ix_orders_mikhak_cases_vin"), table_name="mikhak_cases", schema="orders")
    op.drop_index(op.f("ix_orders_mikhak_cases_national_code"), table_name="mikhak_cases", schema="orders")
    op.drop_table("mikhak_cases", schema="orders")
    op.drop_index(op.f("ix_orders_car_case_inquiries_vin"), table_name="car_case_inquiries", schema="orders")
    op.drop_index("ix_car_case_inquiries_subject_case", table_name="car_case_inquiries", schema="orders")
    op.drop_table("car_case_inquiries", schema="orders")
