"""The ``notifications`` schema's metadata, the declarative base every domain's models use, and the
tables kit owns (idempotency keys, outbox, feed cursors and seen events, audit log). Imports no
domain: the domains import it, and ``notifications.models`` gathers them all."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kit.audit import audit_table
from kit.db import service_metadata
from kit.feeds import feed_cursor_table, seen_events_table
from kit.idempotency import idempotency_table
from kit.outbox import outbox_table

metadata = service_metadata("notifications")
idempotency_keys = idempotency_table(metadata)
outbox_events = outbox_table(metadata)
feed_cursors = feed_cursor_table(metadata)
seen_events = seen_events_table(metadata)
audit_log = audit_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata
