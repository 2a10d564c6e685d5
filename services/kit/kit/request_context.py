"""The request ID of the request being served, for logs, problems and outgoing calls."""

from __future__ import annotations

import itertools
import os
import re
import secrets
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
REQUEST_ID_HEADER = "x-request-id"


class _Minter:
    """Unique IDs without a syscall per request: a random per-process prefix and a counter.

    ``uuid4`` read 16 random bytes from the kernel for every request (~4% of a
    small endpoint's CPU). The prefix is drawn again in a forked child, so
    workers forked from one parent do not share it.
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"


_mint = _Minter()


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> str:
    """Adopt a caller's ID when it is well-formed, else mint one; returns it."""
    rid = value if value and _VALID.match(value) else _mint()
    _request_id.set(rid)
    return rid
