"""(being built)"""

from __future__ import annotations

from orders.models import Base  # noqa: F401
