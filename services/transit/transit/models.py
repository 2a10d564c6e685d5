"""Every table of the ``transit`` schema on one ``metadata``, for the migrations and the
models/migrations check: kit's tables (``transit.db``) and each domain's (none yet:
services/README.md, "Adding a domain")."""

from __future__ import annotations

from transit.db import metadata

DOMAINS = ()

__all__ = ["DOMAINS", "metadata"]
