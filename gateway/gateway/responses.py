"""Answers the gateway writes itself on the raw ASGI path: problem+json and the Date header.

The gateway's uvicorn adds no ``date``/``server`` header, so an upstream's
answer passes through with its own; the gateway's own answers get a Date here.
"""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.errors import PROBLEM_JSON, problem_body

Headers = list[tuple[bytes, bytes]]

_date_cache: tuple[int, bytes] = (0, b"")


def http_date() -> bytes:
    """The IMF-fixdate of now, recomputed once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True).encode("ascii"))
    return _date_cache[1]


async def send_problem(
    send: Send,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    headers: Headers | None = None,
    **extra: Any,
) -> None:
    """Send a whole problem+json answer (the request ID comes from the context)."""
    body = problem_body(status=status, code=code, title=title, detail=detail, instance=instance, **extra)
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"date", http_date()),
                *(headers or ()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class DateHeaderMiddleware:
    """Adds ``date`` to the answers of the gateway's own routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"date", http_date())]
            await send(message)

        await self.app(scope, receive, send_with_date)
