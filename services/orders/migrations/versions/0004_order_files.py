"""order-registration files, lines, fees, attachments, history; demo exchange rates

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

The exchange rates loaded here are DEMO values, not verified: no official
rate table was at hand (REFERENCE-DATA.md gives none). They are of the order of
the 1404 rates of the Iran Centre for Exchange of Currency and Gold (مرکز مبادله
ارز و طلای ایران) as reported in the press, rounded; the fee and the first-year
cap computed with them are estimates until a real, dated rate source replaces them.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RATE_SOURCE = (
    "DEMO, unverified: rounded order of magnitude of 1404 exchange-centre (مرکز مبادله ارز و طلا) "
    "rates as reported in the press; not an official publication."
)
RATES_FROM = dt.date(2025, 3, 21)  # 1404-01-01
DEMO_RATES = {
    "USD": "700000",
    "EUR": "760000",
    "AED": "190600",
    "CNY": "97000",
    "GBP": "890000",
    "TRY": "18000",
    "INR": "8200",
    "RUB": "8500",
    "JPY": "4700",
    "CHF": "800000",
    "KRW": "500",
    "IQD": "535",
}


def upgrade() -> None:
    money = sa.Numeric(20, 4)
    op.create_table(
        "order_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("access_level", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("proforma_number", sa.String(length=50), nullable=False),
        sa.Column("proforma_issued_on", sa.Date(), nullable=False),
        sa.Column("proforma_expires_on", sa.Date(), nullable=False),
        sa.Column("beneficiary_country", sa.String(length=2), nullable=False),
        sa.Column("seller_fida_id", sa.String(length=12), nullable=False),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column("incoterm", sa.String(length=3), nullable=False),
        sa.Column("partial_shipment", sa.Boolean(), nullable=False),
        sa.Column("entry_border", sa.String(length=60), nullable=False),
        sa.Column("destination_customs", sa.String(length=60), nullable=False),
        sa.Column("transport_fleet", sa.String(length=20), nullable=False),
        sa.Column("total_amount", money, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("transaction_type", sa.String(length=20), nullable=False),
        sa.Column("currency_source", sa.String(length=40), nullable=False),
        sa.Column("payment_method", sa.String(length=40), nullable=False),
        sa.Column("freight_amount", money, nullable=False),
        sa.Column("validity_months", sa.SmallInteger(), nullable=True),
        sa.Column("signer", sa.String(length=300), nullable=True),
        sa.Column("signature_kid", sa.String(length=100), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=300), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'under-review', 'approved', 'rejected', 'expired', 'cancelled')",
            name=op.f("ck_order_files_status_known"),
        ),
        sa.CheckConstraint(
            "access_level IN ('very-limited', 'limited', 'medium', 'full')",
            name=op.f("ck_order_files_access_level_known"),
        ),
        sa.CheckConstraint(
            "validity_months IS NULL OR validity_months IN (3, 6)",
            name=op.f("ck_order_files_validity_months_known"),
        ),
        sa.CheckConstraint(
            "proforma_expires_on >= proforma_issued_on", name=op.f("ck_order_files_proforma_dates")
        ),
        sa.CheckConstraint("total_amount > 0 AND freight_amount >= 0", name=op.f("ck_order_files_amounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_files")),
        schema="orders",
    )
    op.create_index(
        "ix_order_files_owner_created", "order_files", ["owner", "created_at", "id"], schema="orders"
    )
    op.create_index(
        "ix_order_files_status_created", "order_files", ["status", "created_at", "id"], schema="orders"
    )

    op.create_table(
        "order_file_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("hs_code", sa.String(length=8), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("quantity", sa.Numeric(20, 4), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("value", money, nullable=False),
        sa.Column("duty_category", sa.String(length=40), nullable=True),
        sa.Column("permits", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("hs_code ~ '^[0-9]{8}$'", name=op.f("ck_order_file_lines_hs_code_8_digits")),
        sa.CheckConstraint("quantity > 0 AND value > 0", name=op.f("ck_order_file_lines_amounts")),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["orders.order_files.id"],
            name=op.f("fk_order_file_lines_file_id_order_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_file_lines")),
        schema="orders",
    )
    op.create_index(
        "ix_order_file_lines_file", "order_file_lines", ["file_id", "created_at", "id"], schema="orders"
    )

    op.create_table(
        "order_file_fees",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_rials", sa.BigInteger(), nullable=False),
        sa.Column("exchange_rate", sa.Numeric(20, 6), nullable=False),
        sa.Column("inputs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("trace", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('new', 'amendment')", name=op.f("ck_order_file_fees_kind_known")),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["orders.order_files.id"],
            name=op.f("fk_order_file_fees_file_id_order_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_file_fees")),
        schema="orders",
    )
    op.create_index("ix_order_file_fees_file", "order_file_fees", ["file_id", "id"], schema="orders")

    op.create_table(
        "order_file_history",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("principal", sa.String(length=300), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["orders.order_files.id"],
            name=op.f("fk_order_file_history_file_id_order_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_file_history")),
        schema="orders",
    )
    op.create_index("ix_order_file_history_file", "order_file_history", ["file_id", "id"], schema="orders")

    op.create_table(
        "order_file_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/jpeg')",
            name=op.f("ck_order_file_attachments_media_type_known"),
        ),
        sa.CheckConstraint("size > 0 AND size <= 1048576", name=op.f("ck_order_file_attachments_size_limit")),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["orders.order_files.id"],
            name=op.f("fk_order_file_attachments_file_id_order_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_file_attachments")),
        schema="orders",
    )
    op.create_index(
        "ix_order_file_attachments_file",
        "order_file_attachments",
        ["file_id", "created_at", "id"],
        schema="orders",
    )

    rates = op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rials_per_unit", sa.Numeric(20, 6), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint("rials_per_unit > 0", name=op.f("ck_exchange_rates_positive")),
        sa.PrimaryKeyConstraint("currency", "valid_from", name=op.f("pk_exchange_rates")),
        schema="orders",
    )
    op.bulk_insert(
        rates,
        [
            {
                "currency": code,
                "valid_from": RATES_FROM,
                "rials_per_unit": Decimal(rate),
                "verified": False,
                "source": RATE_SOURCE,
            }
            for code, rate in DEMO_RATES.items()
        ],
    )


def downgrade() -> None:
    op.drop_table("exchange_rates", schema="orders")
    op.drop_index("ix_order_file_attachments_file", table_name="order_file_attachments", schema="orders")
    op.drop_table("order_file_attachments", schema="orders")
    op.drop_index("ix_order_file_history_file", table_name="order_file_history", schema="orders")
    op.drop_table("order_file_history", schema="orders")
    op.drop_index("ix_order_file_fees_file", table_name="order_file_fees", schema="orders")
    op.drop_table("order_file_fees", schema="orders")
    op.drop_index("ix_order_file_lines_file", table_name="order_file_lines", schema="orders")
    op.drop_table("order_file_lines", schema="orders")
    op.drop_index("ix_order_files_status_created", table_name="order_files", schema="orders")
    op.drop_index("ix_order_files_owner_created", table_name="order_files", schema="orders")
    op.drop_table("order_files", schema="orders")
