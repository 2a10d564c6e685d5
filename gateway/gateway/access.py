"""The gateway's access log: kit's (``kit.access.AccessLog``), bound to the service name ``gateway``.

One implementation serves the gateway and every service: metrics by route and
a buffered JSON access line in kit's shape that bypasses ``logging``.
"""

from __future__ import annotations

from typing import TextIO

from kit import access
from kit.access import FLUSH_BYTES, FLUSH_SECONDS

__all__ = ["FLUSH_BYTES", "FLUSH_SECONDS", "SERVICE", "AccessLog"]

SERVICE = "gateway"


class AccessLog(access.AccessLog):
    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(SERVICE, stream)
