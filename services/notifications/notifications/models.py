"""Every table of the ``notifications`` schema on one ``metadata``, for the migrations and the
models/migrations check: kit's tables (``notifications.db``) and each domain's (none yet:
services/README.md, "Adding a domain")."""

from __future__ import annotations

from notifications.db import metadata

DOMAINS = ()

__all__ = ["DOMAINS", "metadata"]
