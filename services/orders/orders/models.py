"""orders tables, in schema ``orders``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kit.db import service_metadata
from kit.idempotency import idempotency_table
from kit.outbox import outbox_table
from kit.signatures import signature_jti_table

metadata = service_metadata("orders")
idempotency_keys = idempotency_table(metadata)
signature_jtis = signature_jti_table(metadata)
outbox_events = outbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


# Each domain package declares its tables on ``Base``; importing them here puts
# every table on ``metadata`` (migrations and the models/migrations check read it).
from orders.cars import models as _cars_models  # noqa: E402
from orders.files import models as _files_models  # noqa: E402
from orders.products import models as _products_models  # noqa: E402
from orders.reference import models as _reference_models  # noqa: E402

__all__ = ["Base", "idempotency_keys", "metadata", "outbox_events"]
del _reference_models, _files_models, _products_models, _cars_models
