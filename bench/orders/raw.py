"""The baseline of bench/orders: a minimal FastAPI app on a raw asyncpg pool, served like the services.

uvicorn --factory raw:create_app --app-dir bench/orders ...

- ``GET /files/{id}``: ``SELECT * FROM orders.order_files WHERE id = $1``, the row as JSON
  (no token, no access check, no lines or fees);
- ``POST /files``: a draft body (as the orders service takes it) inserted as an equivalent row of
  ``orders.order_files`` with one ``INSERT ... RETURNING *``, the row as JSON, 201 (no validation,
  no seller look-up, no history);
- ``GET /health``.

The owner of the rows it inserts is ``RAW_OWNER`` (default ``user:bench-raw``). The pool is
sized like the services' (DB_POOL_SIZE, default 20).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg
from fastapi import Body, FastAPI, HTTPException

OWNER = os.environ.get("RAW_OWNER", "user:bench-raw")

INSERT = """
INSERT INTO orders.order_files (
    id, owner, status, access_level, version, proforma_number, proforma_issued_on,
    proforma_expires_on, beneficiary_country, seller_fida_id, seller_name, incoterm,
    partial_shipment, entry_border, destination_customs, transport_fleet, total_amount, currency,
    transaction_type, currency_source, payment_method, freight_amount, created_by
) VALUES ($1, $2, 'draft', $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
          $18, $19, $20, $2)
RETURNING *
"""


def dsn(url: str) -> str:
    """A libpq URL for asyncpg (the services' settings carry ``postgresql+asyncpg://``)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        size = int(os.environ.get("DB_POOL_SIZE", "20"))
        app.state.pool = await asyncpg.create_pool(
            dsn(os.environ["DATABASE_URL"]), min_size=size, max_size=size
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(title="raw asyncpg", lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/files/{file_id}")
    async def read(file_id: uuid.UUID) -> dict[str, Any]:
        row = await app.state.pool.fetchrow("SELECT * FROM orders.order_files WHERE id = $1", file_id)
        if row is None:
            raise HTTPException(404)
        return dict(row)

    @app.post("/files", status_code=201)
    async def create(body: dict[str, Any] = Body()) -> dict[str, Any]:
        row = await app.state.pool.fetchrow(
            INSERT,
            uuid.uuid4(),
            OWNER,
            body.get("access_level", "full"),
            body["proforma_number"],
            dt.date.fromisoformat(body["proforma_issued_on"]),
            dt.date.fromisoformat(body["proforma_expires_on"]),
            body["beneficiary_country"],
            body["seller_fida_id"],
            f"Seller {body['seller_fida_id']}",
            body["incoterm"],
            bool(body["partial_shipment"]),
            body["entry_border"],
            body["destination_customs"],
            body["transport_fleet"],
            Decimal(body["total_amount"]),
            body["currency"],
            body["transaction_type"],
            body["currency_source"],
            body["payment_method"],
            Decimal(body.get("freight_amount", "0")),
        )
        return dict(row)

    return app
