"""The product headings data file (``data/headings.yaml``, a DEMO set) and its loading.

Migration 0005 calls ``sync`` after creating the tables: every heading is
upserted and its file values written with ``origin = 'file'``; values officers
approved (``origin = 'approved'``) are left alone. A later change of the file
ships with a migration that calls ``sync`` again.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from orders_client.products import AttachmentKind, AttributeKind, Confidence, Unit
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert

from kit import data_files
from orders.products.models import ProductAttributeValue, ProductHeading
from orders.reference.text import search_text

DATA_FILE = Path(__file__).with_name("data") / "headings.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueDef(_Strict):
    code: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name_fa: str
    name_en: str


class AttributeDef(_Strict):
    key: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name_fa: str
    name_en: str
    kind: AttributeKind
    mandatory: bool
    brand: bool = False
    values: tuple[ValueDef, ...] = ()

    @model_validator(mode="after")
    def _values_only_for_lists(self) -> AttributeDef:
        if (self.kind == "list") != bool(self.values):
            raise ValueError(f"attribute {self.key}: a list attribute has values, the others none")
        if self.brand and self.kind != "list":
            raise ValueError(f"attribute {self.key}: the brand is a list attribute")
        return self


class HeadingDef(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    code: str = Field(pattern=r"^[0-9]{7}$")
    name_fa: str
    name_en: str
    alt_names: tuple[str, ...]
    group_fa: str
    group_en: str
    tariff_prefixes: tuple[str, ...] = Field(min_length=1)
    isic_codes: tuple[str, ...]
    isic_required: bool
    cpc_codes: tuple[str, ...]
    cpc_required: bool
    main_unit: Unit
    supervised: bool
    mandatory_attachments: tuple[AttachmentKind, ...]
    attributes: tuple[AttributeDef, ...]


class DataSet(_Strict):
    id: Literal["product-headings"]
    title: str
    title_fa: str
    sources: tuple[str, ...]
    confidence: Confidence
    verified: bool
    demo: bool
    note: str


class HeadingsFile(_Strict):
    set: DataSet
    headings: tuple[HeadingDef, ...]


@cache
def load() -> HeadingsFile:
    return data_files.validate(HeadingsFile, data_files.read(DATA_FILE), file=DATA_FILE)


def heading_row(heading: HeadingDef, data_set: DataSet) -> dict[str, object]:
    return {
        "id": heading.id,
        "code": heading.code,
        "name_fa": heading.name_fa,
        "name_en": heading.name_en,
        "alt_names": list(heading.alt_names),
        "group_fa": heading.group_fa,
        "group_en": heading.group_en,
        "tariff_prefixes": list(heading.tariff_prefixes),
        "isic_codes": list(heading.isic_codes),
        "isic_required": heading.isic_required,
        "cpc_codes": list(heading.cpc_codes),
        "cpc_required": heading.cpc_required,
        "main_unit": heading.main_unit,
        "supervised": heading.supervised,
        "mandatory_attachments": list(heading.mandatory_attachments),
        "attributes": [a.model_dump(exclude={"values"}) for a in heading.attributes],
        "sources": list(data_set.sources),
        "confidence": data_set.confidence,
        "verified": data_set.verified,
        "demo": data_set.demo,
        "search_text": search_text(heading.code, heading.name_fa, heading.name_en, *heading.alt_names),
    }


def sync(connection: Connection) -> None:
    """Write the data file into the heading tables (idempotent)."""
    data = load()
    headings = ProductHeading.__table__
    values = ProductAttributeValue.__table__
    for heading in data.headings:
        row = heading_row(heading, data.set)
        stmt = insert(headings).values(**row)
        connection.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"], set_={k: stmt.excluded[k] for k in row if k != "id"}
            )
        )
        connection.execute(delete(values).where(values.c.heading_id == heading.id, values.c.origin == "file"))
        approved = {
            (r.attribute, r.code)
            for r in connection.execute(
                select(values.c.attribute, values.c.code).where(values.c.heading_id == heading.id)
            )
        }
        rows = [
            {
                "heading_id": heading.id,
                "attribute": attribute.key,
                "code": value.code,
                "name_fa": value.name_fa,
                "name_en": value.name_en,
                "position": position,
                "origin": "file",
            }
            for attribute in heading.attributes
            for position, value in enumerate(attribute.values)
            if (attribute.key, value.code) not in approved
        ]
        if rows:
            connection.execute(insert(values), rows)
