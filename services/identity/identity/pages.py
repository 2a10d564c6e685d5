"""Identity's lists page by creation: oldest first, ``(created_at, id)`` as the cursor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol


class Created(Protocol):
    id: uuid.UUID
    created_at: datetime


def creation_key(row: Created) -> tuple[str, uuid.UUID]:
    """The cursor of ``row`` in a list ordered by ``(created_at, id)``."""
    return (row.created_at.isoformat(), row.id)
