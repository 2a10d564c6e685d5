"""orders tables, in schema ``orders``."""

from __future__ import annotations

from kit.db import service_metadata
from kit.idempotency import idempotency_table

metadata = service_metadata("orders")
idempotency_keys = idempotency_table(metadata)
