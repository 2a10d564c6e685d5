"""transit tables, in schema ``transit``."""

from __future__ import annotations

from kit.db import service_metadata
from kit.idempotency import idempotency_table

metadata = service_metadata("transit")
idempotency_keys = idempotency_table(metadata)
