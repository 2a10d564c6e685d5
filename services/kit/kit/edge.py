"""What a process checks before any route runs: the Host it was asked for and the body's size.

Pure ASGI, shared by the gateway and every service. A forged ``Host`` must not
reach code that builds links from it, and a body over the limit is refused
from its declared ``Content-Length`` before a byte of it is read, or, sent
chunked, as soon as the bytes counted pass the limit (never buffered whole).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.errors import PROBLEM_JSON, problem_body
from kit.forwarded import caller_path
from kit.runtime import ATTRIBUTE, ServiceState

DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "::1", "testserver")
# The largest legitimate body: a product request with five 1 MB attachments in base64 (~7 MB).
# Routes that take less (a multipart upload of one 1 MB file) set their own (ServiceSpec.body_limits).
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


def host_name(host: str) -> str:
    """``api.example:443`` -> ``api.example``; ``[::1]:80`` -> ``::1``; lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class AllowedHosts:
    """Host names a process answers to; ``*`` alone allows any, ``.example.ir`` any subdomain."""

    def __init__(self, hosts: Iterable[str]) -> None:
        names = {h.strip().lower() for h in hosts if h.strip()}
        self.any = "*" in names
        self._exact = frozenset(n for n in names if not n.startswith("."))
        self._suffixes = tuple(n for n in names if n.startswith("."))

    def __contains__(self, host: object) -> bool:
        if self.any:
            return True
        if not isinstance(host, str):
            return False
        name = host_name(host)
        return name in self._exact or (bool(name) and name.endswith(self._suffixes))


async def send_problem_message(
    send: Send, *, status: int, code: str, title: str, detail: str, instance: str, title_fa: str
) -> None:
    body = problem_body(
        status=status, code=code, title=title, detail=detail, instance=instance, title_fa=title_fa
    )
    payload = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def refuse_host(send: Send, host: str, instance: str) -> None:
    await send_problem_message(
        send,
        status=400,
        code="host-not-allowed",
        title="Unknown host",
        title_fa="نام میزبان مجاز نیست",
        detail=f"This API does not answer to the host {host[:100]!r}.",
        instance=instance,
    )


async def refuse_body(send: Send, limit: int, instance: str) -> None:
    await send_problem_message(
        send,
        status=413,
        code="payload-too-large",
        title="Request body too large",
        title_fa="حجم درخواست بیش از حد مجاز است",
        detail=f"The request body may be at most {limit} bytes.",
        instance=instance,
    )


def request_host(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return value.decode("latin-1")
    return ""


def declared_length(scope: Scope) -> int | None:
    """The ``Content-Length`` header's value; ``None`` when absent or not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyTooLarge(Exception):
    """More body arrived than the limit allows."""


@dataclass(frozen=True)
class EdgePolicy:
    hosts: AllowedHosts
    max_body_bytes: int
    # (path pattern, limit): the first whose pattern matches the whole path sets the limit.
    route_limits: tuple[tuple[re.Pattern[str], int], ...] = ()

    @classmethod
    def of(
        cls, allowed_hosts: Iterable[str], max_body_bytes: int, route_limits: Mapping[str, int] | None = None
    ) -> EdgePolicy:
        routes = tuple((re.compile(pattern), limit) for pattern, limit in (route_limits or {}).items())
        return cls(AllowedHosts(allowed_hosts), max_body_bytes, routes)

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.route_limits:
            if pattern.fullmatch(path):
                return limit
        return self.max_body_bytes


DEFAULT_POLICY = EdgePolicy.of(DEFAULT_ALLOWED_HOSTS, DEFAULT_MAX_BODY_BYTES)


def _running_service_policy(app: Any) -> EdgePolicy | None:
    state: ServiceState | None = getattr(app.state, ATTRIBUTE, None)
    return state.runtime.edge_policy if state is not None else None


class EdgeMiddleware:
    """Refuses, before the application sees the request, a Host not allowed (400) and a body over
    the limit (413): declared, or counted as it streams in.

    Without a ``policy`` it asks ``policy_of(app)`` on each request: by default the running
    service's (kit.runtime), built from its settings after the middleware; the defaults
    before start-up.
    """

    def __init__(
        self,
        app: ASGIApp,
        policy: EdgePolicy | None = None,
        policy_of: Callable[[Any], EdgePolicy | None] | None = None,
    ) -> None:
        self.app = app
        self.policy = policy
        self.policy_of = policy_of or _running_service_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy or self.policy_of(scope["app"]) or DEFAULT_POLICY
        host = request_host(scope)
        if host not in policy.hosts:
            await refuse_host(send, host, caller_path(HTTPConnection(scope)))
            return
        limit = policy.limit_for(scope["path"])
        length = declared_length(scope)
        if length is not None and length > limit:
            await refuse_body(send, limit, caller_path(HTTPConnection(scope)))
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # the application's own answer to the broken-off body is dropped
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await refuse_body(send, limit, caller_path(HTTPConnection(scope)))
