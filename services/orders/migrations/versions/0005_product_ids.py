"""product IDs, headings, supervision

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Data: after creating the tables, the migration calls
``orders.products.headings.sync``, which writes the DEMO headings of
``orders/products/data/headings.yaml`` (idempotent upsert; values officers
approved are kept). A later change of that file ships with a migration that
calls ``sync`` again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def load_headings() -> None:
    """The headings data file into the tables (needs a live connection: not in ``--sql`` mode)."""
    if context.is_offline_mode():
        raise RuntimeError(
            "orders product headings are loaded from their data file: run this migration online"
        )
    from orders.products.headings import sync

    sync(op.get_bind())


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("product_id_serial", schema="orders", start=1)))
    op.create_table(
        "product_headings",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name_fa", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("alt_names", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("group_fa", sa.Text(), nullable=False),
        sa.Column("group_en", sa.Text(), nullable=False),
        sa.Column("tariff_prefixes", sa.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("isic_codes", sa.ARRAY(sa.String(length=4)), nullable=False),
        sa.Column("isic_required", sa.Boolean(), nullable=False),
        sa.Column("cpc_codes", sa.ARRAY(sa.String(length=5)), nullable=False),
        sa.Column("cpc_required", sa.Boolean(), nullable=False),
        sa.Column("main_unit", sa.String(length=10), nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("mandatory_attachments", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_product_headings_confidence_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_headings")),
        sa.UniqueConstraint("code", name=op.f("uq_product_headings_code")),
        schema="orders",
    )
    op.create_index(
        "ix_product_headings_isic_codes",
        "product_headings",
        ["isic_codes"],
        unique=False,
        schema="orders",
        postgresql_using="gin",
    )
    op.create_index(
        "ix_product_headings_tariff_prefixes",
        "product_headings",
        ["tariff_prefixes"],
        unique=False,
        schema="orders",
        postgresql_using="gin",
    )
    op.create_table(
        "product_attribute_values",
        sa.Column("heading_id", sa.String(length=60), nullable=False),
        sa.Column("attribute", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name_fa", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("approved_by", sa.String(length=300), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "origin IN ('file', 'approved')", name=op.f("ck_product_attribute_values_origin_known")
        ),
        sa.ForeignKeyConstraint(
            ["heading_id"],
            ["orders.product_headings.id"],
            name=op.f("fk_product_attribute_values_heading_id_product_headings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("heading_id", "attribute", "code", name=op.f("pk_product_attribute_values")),
        schema="orders",
    )
    op.create_table(
        "products",
        sa.Column("product_id", sa.String(length=13), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("heading_id", sa.String(length=60), nullable=False),
        sa.Column("code_type", sa.String(length=10), nullable=False),
        sa.Column("code_scheme", sa.String(length=40), nullable=True),
        sa.Column("code_value", sa.String(length=60), nullable=True),
        sa.Column("gtin", sa.String(length=13), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("irancode", sa.String(length=16), nullable=True),
        sa.Column("hs_code", sa.String(length=8), nullable=False),
        sa.Column("isic", sa.String(length=4), nullable=True),
        sa.Column("cpc", sa.String(length=5), nullable=True),
        sa.Column("main_unit", sa.String(length=10), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("conversion_factor", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("packaging_type", sa.String(length=20), nullable=False),
        sa.Column("packaging_weight_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("description_fa", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("issued_for_request", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "code_type IN ('none', 'gtin', 'vin', 'other')", name=op.f("ck_products_code_type_known")
        ),
        sa.CheckConstraint("gtin IS NULL OR gtin ~ '^[0-9]{13}$'", name=op.f("ck_products_gtin_13_digits")),
        sa.CheckConstraint(
            "irancode IS NULL OR irancode ~ '^[0-9]{16}$'", name=op.f("ck_products_irancode_16_digits")
        ),
        sa.CheckConstraint("product_id ~ '^2[0-9]{12}$'", name=op.f("ck_products_product_id_13_digits")),
        sa.CheckConstraint("vin IS NULL OR vin ~ '^[A-HJ-NPR-Z0-9]{17}$'", name=op.f("ck_products_vin_17")),
        sa.ForeignKeyConstraint(
            ["heading_id"],
            ["orders.product_headings.id"],
            name=op.f("fk_products_heading_id_product_headings"),
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_products")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_products_fingerprint")),
        schema="orders",
    )
    op.create_index(op.f("ix_orders_products_gtin"), "products", ["gtin"], unique=False, schema="orders")
    op.create_index(
        op.f("ix_orders_products_heading_id"), "products", ["heading_id"], unique=False, schema="orders"
    )
    op.create_index(
        op.f("ix_orders_products_hs_code"), "products", ["hs_code"], unique=False, schema="orders"
    )
    op.create_index(
        op.f("ix_orders_products_irancode"), "products", ["irancode"], unique=False, schema="orders"
    )
    op.create_index(op.f("ix_orders_products_vin"), "products", ["vin"], unique=False, schema="orders")
    op.create_table(
        "product_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("heading_id", sa.String(length=60), nullable=False),
        sa.Column("card", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("new_values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("supervision_reasons", sa.ARRAY(sa.String(length=30)), nullable=False),
        sa.Column("reused", sa.Boolean(), nullable=False),
        sa.Column("product_id", sa.String(length=13), nullable=True),
        sa.Column("requested_for", sa.String(length=300), nullable=False),
        sa.Column("requested_by", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=300), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(state = 'issued') = (product_id IS NOT NULL)",
            name=op.f("ck_product_requests_issued_has_product"),
        ),
        sa.CheckConstraint(
            "state IN ('not-sent', 'under-supervision', 'issued', 'rejected')",
            name=op.f("ck_product_requests_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["heading_id"],
            ["orders.product_headings.id"],
            name=op.f("fk_product_requests_heading_id_product_headings"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["orders.products.product_id"],
            name=op.f("fk_product_requests_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_requests")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_product_requests_product_id"),
        "product_requests",
        ["product_id"],
        unique=False,
        schema="orders",
    )
    op.create_index(
        "ix_product_requests_requested_for_id",
        "product_requests",
        ["requested_for", "id"],
        unique=False,
        schema="orders",
    )
    op.create_index(
        "ix_product_requests_state_id", "product_requests", ["state", "id"], unique=False, schema="orders"
    )
    op.create_table(
        "product_request_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/jpeg')",
            name=op.f("ck_product_request_attachments_media_type_known"),
        ),
        sa.CheckConstraint("size <= 1048576", name=op.f("ck_product_request_attachments_at_most_1_mb")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["orders.product_requests.id"],
            name=op.f("fk_product_request_attachments_request_id_product_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_request_attachments")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_product_request_attachments_request_id"),
        "product_request_attachments",
        ["request_id"],
        unique=False,
        schema="orders",
    )
    op.create_table(
        "product_request_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("principal", sa.String(length=300), nullable=False),
        sa.Column("http_request_id", sa.String(length=128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["orders.product_requests.id"],
            name=op.f("fk_product_request_events_request_id_product_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_request_events")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_product_request_events_request_id"),
        "product_request_events",
        ["request_id"],
        unique=False,
        schema="orders",
    )
    load_headings()


def downgrade() -> None:
    op.drop_index(
        op.f("ix_orders_product_request_events_request_id"),
        table_name="product_request_events",
        schema="orders",
    )
    op.drop_table("product_request_events", schema="orders")
    op.drop_index(
        op.f("ix_orders_product_request_attachments_request_id"),
        table_name="product_request_attachments",
        schema="orders",
    )
    op.drop_table("product_request_attachments", schema="orders")
    op.drop_index("ix_product_requests_state_id", table_name="product_requests", schema="orders")
    op.drop_index("ix_product_requests_requested_for_id", table_name="product_requests", schema="orders")
    op.drop_index(
        op.f("ix_orders_product_requests_product_id"), table_name="product_requests", schema="orders"
    )
    op.drop_table("product_requests", schema="orders")
    op.drop_index(op.f("ix_orders_products_vin"), table_name="products", schema="orders")
    op.drop_index(op.f("ix_orders_products_irancode"), table_name="products", schema="orders")
    op.drop_index(op.f("ix_orders_products_hs_code"), table_name="products", schema="orders")
    op.drop_index(op.f("ix_orders_products_heading_id"), table_name="products", schema="orders")
    op.drop_index(op.f("ix_orders_products_gtin"), table_name="products", schema="orders")
    op.drop_table("products", schema="orders")
    op.drop_table("product_attribute_values", schema="orders")
    op.drop_index(
        "ix_product_headings_tariff_prefixes",
        table_name="product_headings",
        schema="orders",
        postgresql_using="gin",
    )
    op.drop_index(
        "ix_product_headings_isic_codes",
        table_name="product_headings",
        schema="orders",
        postgresql_using="gin",
    )
    op.drop_table("product_headings", schema="orders")
    op.execute(sa.schema.DropSequence(sa.Sequence("product_id_serial", schema="orders")))
