"""permits tables, in schema ``permits``."""

from __future__ import annotations

from kit.db import service_metadata
from kit.idempotency import idempotency_table

metadata = service_metadata("permits")
idempotency_keys = idempotency_table(metadata)
