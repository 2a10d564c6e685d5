"""orders: reference data — tariff lines, permit kinds, provinces and customs offices, Incoterms,
FIDA sellers, allowed car brands and models; and their loading from the data files.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Data: after creating the tables, the migration calls
``orders.reference.loading.sync``, which writes ``orders/reference/data/*.yaml``
into them (idempotent upsert; rows the files no longer have are removed;
admin-added sellers and car brands are left alone). A later change of the data
files ships with a new migration whose ``upgrade`` calls ``sync`` again; the
service refuses to start when the stored data's hashes differ from the files'.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def load_reference_data() -> None:
    """The data files into the tables (needs a live connection: not in ``--sql`` mode)."""
    if context.is_offline_mode():
        raise RuntimeError("orders reference data is loaded from the data files: run this migration online")
    from orders.reference.loading import sync

    sync(op.get_bind())


def upgrade() -> None:
    op.create_table(
        "car_brands",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_fa", sa.String(length=100), nullable=True),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=True),
        sa.CheckConstraint("confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_car_brands_confidence_known")),
        sa.CheckConstraint("origin IN ('file', 'admin')", name=op.f("ck_car_brands_origin_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_car_brands")),
        schema="orders",
    )
    op.create_table(
        "foreign_sellers",
        sa.Column("fida_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_fa", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_foreign_sellers_confidence_known")
        ),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name=op.f("ck_foreign_sellers_country_alpha2")),
        sa.CheckConstraint("fida_id ~ '^[0-9]{10,12}$'", name=op.f("ck_foreign_sellers_fida_id_digits")),
        sa.CheckConstraint("origin IN ('file', 'admin')", name=op.f("ck_foreign_sellers_origin_known")),
        sa.PrimaryKeyConstraint("fida_id", name=op.f("pk_foreign_sellers")),
        schema="orders",
    )
    op.create_table(
        "incoterms",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fa", sa.Text(), nullable=False),
        sa.Column("mode_group", sa.String(length=3), nullable=False),
        sa.Column("seller_pays_main_carriage", sa.Boolean(), nullable=False),
        sa.Column("seller_insures", sa.Boolean(), nullable=False),
        sa.Column("seller_clears_import", sa.Boolean(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("mode_group IN ('any', 'sea')", name=op.f("ck_incoterms_mode_group_known")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_incoterms")),
        schema="orders",
    )
    op.create_table(
        "permit_kinds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fa", sa.Text(), nullable=False),
        sa.Column("issuing_body_id", sa.String(length=20), nullable=False),
        sa.Column("issuing_body_en", sa.Text(), nullable=False),
        sa.Column("issuing_body_fa", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_permit_kinds_confidence_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_kinds")),
        schema="orders",
    )
    op.create_table(
        "provinces",
        sa.Column("id", sa.String(length=5), nullable=False),
        sa.Column("name_fa", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provinces")),
        schema="orders",
    )
    op.create_table(
        "reference_data_sets",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_fa", sa.Text(), nullable=False),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_reference_data_sets_confidence_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_data_sets")),
        schema="orders",
    )
    op.create_table(
        "reference_sources",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_reference_sources_confidence_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_sources")),
        schema="orders",
    )
    op.create_table(
        "tariff_lines",
        sa.Column("hs_code", sa.String(length=8), nullable=False),
        sa.Column("chapter", sa.String(length=2), nullable=False),
        sa.Column("heading", sa.String(length=4), nullable=False),
        sa.Column("subheading", sa.String(length=6), nullable=False),
        sa.Column("description_fa", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("duty_category", sa.String(length=40), nullable=True),
        sa.Column("duty_category_confidence", sa.String(length=1), nullable=True),
        sa.Column("permits", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("permits_confidence", sa.String(length=1), nullable=True),
        sa.Column("prohibited", sa.Boolean(), nullable=False),
        sa.Column("prohibition_group", sa.String(length=20), nullable=True),
        sa.Column("prohibition_reason_en", sa.Text(), nullable=True),
        sa.Column("prohibition_reason_fa", sa.Text(), nullable=True),
        sa.Column("prohibition_sources", sa.ARRAY(sa.String(length=60)), nullable=True),
        sa.Column("prohibition_confidence", sa.String(length=1), nullable=True),
        sa.Column("currency_group", sa.String(length=10), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_tariff_lines_confidence_known")
        ),
        sa.CheckConstraint(
            "currency_group IS NULL OR currency_group IN ('hall-1', 'hall-2')",
            name=op.f("ck_tariff_lines_currency_group_known"),
        ),
        sa.CheckConstraint(
            "duty_category_confidence IS NULL OR duty_category_confidence IN ('H', 'M', 'L', 'G')",
            name=op.f("ck_tariff_lines_duty_category_confidence_known"),
        ),
        sa.CheckConstraint("hs_code ~ '^[0-9]{8}$'", name=op.f("ck_tariff_lines_hs_code_8_digits")),
        sa.CheckConstraint(
            "permits_confidence IS NULL OR permits_confidence IN ('H', 'M', 'L', 'G')",
            name=op.f("ck_tariff_lines_permits_confidence_known"),
        ),
        sa.CheckConstraint(
            "prohibition_confidence IS NULL OR prohibition_confidence IN ('H', 'M', 'L', 'G')",
            name=op.f("ck_tariff_lines_prohibition_confidence_known"),
        ),
        sa.CheckConstraint(
            "prohibition_group IS NULL OR prohibition_group IN ('group-4', 'group-27', 'sharia')",
            name=op.f("ck_tariff_lines_prohibition_group_known"),
        ),
        sa.CheckConstraint(
            "prohibited = (prohibition_group IS NOT NULL)", name=op.f("ck_tariff_lines_prohibition_has_group")
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name=op.f("ck_tariff_lines_dates"),
        ),
        sa.PrimaryKeyConstraint("hs_code", name=op.f("pk_tariff_lines")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_tariff_lines_chapter"), "tariff_lines", ["chapter"], unique=False, schema="orders"
    )
    op.create_index(
        op.f("ix_orders_tariff_lines_heading"), "tariff_lines", ["heading"], unique=False, schema="orders"
    )
    op.create_table(
        "car_models",
        sa.Column("brand_id", sa.String(length=60), nullable=False),
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_fa", sa.String(length=100), nullable=True),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=True),
        sa.CheckConstraint("confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_car_models_confidence_known")),
        sa.CheckConstraint("origin IN ('file', 'admin')", name=op.f("ck_car_models_origin_known")),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["orders.car_brands.id"], name=op.f("fk_car_models_brand_id_car_brands")
        ),
        sa.PrimaryKeyConstraint("brand_id", "id", name=op.f("pk_car_models")),
        schema="orders",
    )
    op.create_table(
        "customs_offices",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=True),
        sa.Column("name_fa", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("province_id", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("head", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.String(length=60), nullable=True),
        sa.Column("neighbour", sa.String(length=2), nullable=True),
        sa.Column("modes", sa.ARRAY(sa.String(length=10)), nullable=False),
        sa.Column("main_transit", sa.Boolean(), nullable=False),
        sa.Column("clears_cars", sa.Boolean(), nullable=True),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "code IS NULL OR code ~ '^[0-9]{5}$'", name=op.f("ck_customs_offices_code_5_digits")
        ),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_customs_offices_confidence_known")
        ),
        sa.CheckConstraint(
            "neighbour IS NULL OR neighbour ~ '^[A-Z]{2}$'", name=op.f("ck_customs_offices_neighbour_alpha2")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["orders.customs_offices.id"],
            name=op.f("fk_customs_offices_parent_id_customs_offices"),
        ),
        sa.ForeignKeyConstraint(
            ["province_id"], ["orders.provinces.id"], name=op.f("fk_customs_offices_province_id_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_offices")),
        sa.UniqueConstraint("code", name=op.f("uq_customs_offices_code")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_customs_offices_kind"), "customs_offices", ["kind"], unique=False, schema="orders"
    )
    op.create_index(
        op.f("ix_orders_customs_offices_neighbour"),
        "customs_offices",
        ["neighbour"],
        unique=False,
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_customs_offices_province_id"),
        "customs_offices",
        ["province_id"],
        unique=False,
        schema="orders",
    )
    op.create_table(
        "tariff_line_rates",
        sa.Column("hs_code", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("rate_percent", sa.Numeric(precision=7, scale=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("sources", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "confidence IN ('H', 'M', 'L', 'G')", name=op.f("ck_tariff_line_rates_confidence_known")
        ),
        sa.CheckConstraint("rate_percent >= 0", name=op.f("ck_tariff_line_rates_rate_not_negative")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name=op.f("ck_tariff_line_rates_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["hs_code"],
            ["orders.tariff_lines.hs_code"],
            name=op.f("fk_tariff_line_rates_hs_code_tariff_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hs_code", "seq", name=op.f("pk_tariff_line_rates")),
        schema="orders",
    )
    load_reference_data()


def downgrade() -> None:
    op.drop_table("tariff_line_rates", schema="orders")
    op.drop_index(
        op.f("ix_orders_customs_offices_province_id"), table_name="customs_offices", schema="orders"
    )
    op.drop_index(op.f("ix_orders_customs_offices_neighbour"), table_name="customs_offices", schema="orders")
    op.drop_index(op.f("ix_orders_customs_offices_kind"), table_name="customs_offices", schema="orders")
    op.drop_table("customs_offices", schema="orders")
    op.drop_table("car_models", schema="orders")
    op.drop_index(op.f("ix_orders_tariff_lines_heading"), table_name="tariff_lines", schema="orders")
    op.drop_index(op.f("ix_orders_tariff_lines_chapter"), table_name="tariff_lines", schema="orders")
    op.drop_table("tariff_lines", schema="orders")
    op.drop_table("reference_sources", schema="orders")
    op.drop_table("reference_data_sets", schema="orders")
    op.drop_table("provinces", schema="orders")
    op.drop_table("permit_kinds", schema="orders")
    op.drop_table("incoterms", schema="orders")
    op.drop_table("foreign_sellers", schema="orders")
    op.drop_table("car_brands", schema="orders")
