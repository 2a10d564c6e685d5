"""The request ID of the request being served, for logs, problems and outgoing calls."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
REQUEST_ID_HEADER = "x-request-id"


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> str:
    """Adopt a caller's ID when it is well-formed, else mint one; returns it."""
    rid = value if value and _VALID.match(value) else uuid.uuid4().hex
    _request_id.set(rid)
    return rid
