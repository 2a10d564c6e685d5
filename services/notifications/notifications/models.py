"""Every table of the ``notifications`` schema on one ``metadata``, for the migrations and the
models/migrations check: kit's tables (``notifications.db``) and each domain's."""

from __future__ import annotations

from notifications.db import metadata
from notifications.events import models as events
from notifications.messages import models as messages
from notifications.subscriptions import models as subscriptions

DOMAINS = (events, subscriptions, messages)

__all__ = ["DOMAINS", "metadata"]
