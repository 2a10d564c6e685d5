"""The proxy path: ``/{service}/...`` forwarded to that service, as a raw ASGI handler.

No framework runs per proxied request: one pass over the request headers
builds the upstream request head, the rate limiter counts the request, the
head (and a body that came whole) goes out in one write on a pooled
keep-alive connection, and the answer streams back as llhttp parses it.

Failures before the answer starts are problem+json: 503 when the service
refuses the connection, 504 on a timeout, 502 when it breaks the exchange.
After the answer has started the client connection is cut, so a truncated
body is never passed off as complete.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from urllib.parse import quote

from starlette.types import Receive, Scope, Send

from gateway.access import AccessLog
from gateway.http1 import (
    UpstreamClosed,
    UpstreamConnectError,
    UpstreamConnection,
    UpstreamError,
    UpstreamTimeout,
)
from gateway.pool import ConnectionPool
from gateway.rate_limit import ClientKeys, RateLimiter
from gateway.responses import Headers, send_problem
from kit.edge import AllowedHosts
from kit.request_context import REQUEST_ID_HEADER, set_request_id
from kit.signatures import SIGNATURE_HEADER

logger = logging.getLogger("gateway.proxy")

# What the gateway does with each request header it reads; it forwards no other.
_FORWARD, _AUTHORIZATION, _HOST, _REQUEST_ID, _CONTENT_LENGTH, _TRANSFER_ENCODING = range(6)
_REQUEST_HEADERS: dict[bytes, int] = {
    b"accept": _FORWARD,
    b"accept-encoding": _FORWARD,
    b"accept-language": _FORWARD,
    b"content-encoding": _FORWARD,
    b"content-type": _FORWARD,
    b"idempotency-key": _FORWARD,
    SIGNATURE_HEADER.lower().encode(): _FORWARD,  # signed final acts (kit.signatures)
    b"if-match": _FORWARD,
    b"if-modified-since": _FORWARD,
    b"if-none-match": _FORWARD,
    b"if-unmodified-since": _FORWARD,
    b"user-agent": _FORWARD,
    b"authorization": _AUTHORIZATION,
    b"host": _HOST,
    REQUEST_ID_HEADER.encode(): _REQUEST_ID,
    b"content-length": _CONTENT_LENGTH,
    b"transfer-encoding": _TRANSFER_ENCODING,
}
# Response headers that belong to one connection, not to the answer (RFC 9110 §7.6.1).
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        REQUEST_ID_HEADER.encode(),  # replaced by the gateway's own
    }
)
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_CHUNK_END = b"0\r\n\r\n"
RETRY_AFTER_SECONDS = 5  # on 503: an unreachable service is usually back once restarted

# Service paths kept inside the cluster: Prometheus scrapes each pod's metrics port directly.
INTERNAL_PATHS = frozenset({"/metrics"})


def internal_path(service_path: str) -> bool:
    """Whether the gateway must not forward ``service_path`` (``/metrics``, ``/metrics/``, ``//metrics``)."""
    return "/" + service_path.strip("/") in INTERNAL_PATHS


@dataclass(frozen=True, slots=True)
class Upstream:
    name: str
    prefix: bytes
    pool: ConnectionPool
    route: str
    # The upstream's own origin (``http://127.0.0.1:8002``) and where the public reaches it
    # (``https://api.example/orders``): a redirect to the first is rewritten to the second.
    origin: bytes
    public: bytes

    @classmethod
    def create(cls, name: str, prefix: str, pool: ConnectionPool, public_base_url: str = "") -> Upstream:
        """The upstream of service ``name``, reached under ``prefix`` (``/orders``, from the registry)."""
        return cls(
            name=name,
            prefix=prefix.encode(),
            pool=pool,
            route=f"{prefix}/{{path}}",
            origin=b"http://" + pool.host_header,
            public=public_base_url.rstrip("/").encode() + prefix.encode(),
        )

    def public_location(self, location: bytes) -> bytes:
        """``Location`` as the client must see it: never an upstream's internal address."""
        stripped = location.strip()
        if stripped.lower().startswith(self.origin.lower()):
            rest = stripped[len(self.origin) :]
            if not rest or rest[:1] in b"/?#":
                return self.public + (rest if rest[:1] == b"/" else b"/" + rest)
        if stripped.startswith(b"/") and not stripped.startswith(b"//"):
            return self.public + stripped  # a path on the upstream
        return location


def _forwarded_headers(scope: Scope, client_ip: str, prefix: bytes) -> tuple[bytes, ...]:
    """Who asked (the address uvicorn resolved: the peer, or what a trusted ingress said; a client's
    own X-Forwarded-For is not passed on) and under which prefix, so the service's links point at
    the public base URL (kit.urls). No X-Forwarded-Host: the Host a client sent builds nothing."""
    return (
        b"x-forwarded-for: ",
        client_ip.encode(),
        b"\r\nx-forwarded-proto: ",
        scope["scheme"].encode(),
        b"\r\nx-forwarded-prefix: ",
        prefix,
        b"\r\n",
    )


class ClientGone(Exception):
    """The client disconnected while sending its request body."""


class BodyTooLarge(Exception):
    """The client sent more body than the gateway's limit; it was not read further."""


def _failure(pump: asyncio.Task[None] | None) -> BaseException | None:
    """Why the body pump stopped, if it stopped on an error."""
    if pump is None or not pump.done() or pump.cancelled():
        return None
    return pump.exception()


def _upstream_target(scope: Scope, upstream: Upstream) -> bytes:
    """The path (as the client encoded it) without the service prefix, plus the query."""
    raw: bytes | None = scope.get("raw_path")
    prefix = upstream.prefix
    path = raw[len(prefix) :] if raw is not None and raw.startswith(prefix) else b""
    if not path.startswith(b"/"):  # no raw path, the bare prefix, or a prefix the client percent-encoded
        path = b"/" + quote(scope["path"][len(prefix) + 1 :]).encode()
    query: bytes = scope["query_string"]
    return path + b"?" + query if query else path


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data) if data else b""


def _response_headers(upstream_headers: Headers, extra: Headers, upstream: Upstream) -> Headers:
    headers: Headers = []
    connection_tokens: list[bytes] = []
    for name, value in upstream_headers:
        lowered = name.lower()
        if lowered in _HOP_BY_HOP:
            if lowered == b"connection":
                connection_tokens.extend(t.strip().lower() for t in value.split(b","))
            continue
        if lowered == b"location" or lowered == b"content-location":
            value = upstream.public_location(value)
        headers.append((name, value))
    named = set(connection_tokens) - {b"close", b"keep-alive"}
    if named:  # headers the upstream declared hop-by-hop in Connection
        headers = [(n, v) for n, v in headers if n.lower() not in named]
    headers.extend(extra)
    return headers


class Proxy:
    """Forwards one request to its upstream and streams the answer back."""

    def __init__(
        self,
        *,
        limiter: RateLimiter,
        keys: ClientKeys,
        timeout: float,
        access: AccessLog,
        hosts: AllowedHosts,
        max_body_bytes: int,
    ) -> None:
        self._limiter = limiter
        self._keys = keys
        self._timeout = timeout
        self._access = access
        self._hosts = hosts
        self._max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send, upstream: Upstream) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        target = _upstream_target(scope, upstream)
        client = scope.get("client")
        client_ip = client[0] if client else "unknown"

        head = [method.encode(), b" ", target, b" HTTP/1.1\r\nhost: ", upstream.pool.host_header, b"\r\n"]
        request_id: bytes | None = None
        authorization: bytes | None = None
        host: bytes | None = None
        content_length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            kind = _REQUEST_HEADERS.get(name)
            if kind is None:
                continue
            if kind == _FORWARD:
                head += (name, b": ", value, b"\r\n")
            elif kind == _AUTHORIZATION:
                authorization = value
                head += (name, b": ", value, b"\r\n")
            elif kind == _HOST:
                host = value
            elif kind == _REQUEST_ID:
                request_id = value
            elif kind == _CONTENT_LENGTH:
                content_length = value
            else:
                chunked = chunked or b"chunked" in value.lower()

        request_id_str = set_request_id(request_id.decode("latin-1") if request_id else None)
        rid = request_id_str.encode()
        head += (
            b"x-request-id: ",
            rid,
            b"\r\n",
            *_forwarded_headers(scope, client_ip, upstream.prefix),
        )
        extra: Headers = [(b"x-request-id", rid)]
        status = 500
        try:
            refused = await self._refusal(scope, send, host, content_length, extra)
            if refused:
                status = refused
                return
            decision = await self._limiter.hit(await self._keys.key(authorization, client_ip))
            if decision is not None:
                extra += decision.headers()
                if not decision.allowed:
                    status = 429
                    await send_problem(
                        send,
                        status=429,
                        code="rate-limited",
                        title="Too many requests",
                        title_fa="درخواست‌ها بیش از حد مجاز است",
                        detail=f"More than {self._limiter.item} for this client; retry after "
                        f"{decision.reset_seconds} s.",
                        instance=scope["path"],
                        headers=[*extra, (b"retry-after", b"%d" % decision.reset_seconds)],
                    )
                    return
            status = await self._forward(
                scope, receive, send, upstream, head, content_length, chunked, extra, method
            )
        finally:
            elapsed = time.perf_counter() - started
            self._access.record(request_id_str, method, scope["path"], upstream.route, status, elapsed)

    async def _refusal(
        self, scope: Scope, send: Send, host: bytes | None, content_length: bytes | None, extra: Headers
    ) -> int:
        """400 for a Host the gateway does not serve, 413 for a declared body over the limit (before a
        byte of it is read); 0 when the request may go on."""
        host_str = host.decode("latin-1") if host else ""
        if host_str not in self._hosts:
            await send_problem(
                send,
                status=400,
                code="host-not-allowed",
                title="Unknown host",
                title_fa="نام میزبان مجاز نیست",
                detail=f"This API does not answer to the host {host_str[:100]!r}.",
                instance=scope["path"],
                headers=extra,
            )
            return 400
        if content_length is not None and (
            not content_length.isdigit() or int(content_length) > self._max_body
        ):
            await self._too_large(send, scope, extra)
            return 413
        return 0

    async def _too_large(self, send: Send, scope: Scope, extra: Headers) -> None:
        await send_problem(
            send,
            status=413,
            code="payload-too-large",
            title="Request body too large",
            title_fa="حجم درخواست بیش از حد مجاز است",
            detail=f"The request body may be at most {self._max_body} bytes.",
            instance=scope["path"],
            headers=extra,
        )

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        upstream: Upstream,
        head: list[bytes],
        content_length: bytes | None,
        chunked: bool,
        extra: Headers,
        method: str,
    ) -> int:
        """Send the request, stream the answer; returns the status sent (499: the client left)."""
        message = await receive()
        if message["type"] != "http.request":
            return 499
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        if len(body) > self._max_body:
            await self._too_large(send, scope, extra)
            return 413
        if content_length is not None:
            head += (b"content-length: ", content_length, b"\r\n\r\n", body)
        elif chunked and more_body:
            head += (b"transfer-encoding: chunked\r\n\r\n", _chunk(body))
        elif body or chunked:  # a chunked body that came whole goes out with its length
            head += (b"content-length: %d\r\n\r\n" % len(body), body)
        else:
            head.append(b"\r\n")
        request = b"".join(head)
        streaming = chunked and content_length is None

        pool = upstream.pool
        conn: UpstreamConnection | None = None
        pump: asyncio.Task[None] | None = None
        try:
            try:
                conn, reused = await pool.acquire()
                pump = self._start(
                    conn, request, method, receive if more_body else None, streaming, len(body)
                )
                try:
                    status, headers = await conn.response_head()
                except UpstreamClosed as exc:
                    # A pooled connection the upstream had already closed: nothing reached it.
                    if not (reused and not exc.received_any and pump is None and method in _IDEMPOTENT):
                        raise
                    conn.close()
                    conn = await pool.connect()
                    self._start(conn, request, method, None, streaming=False, received=0)
                    status, headers = await conn.response_head()
            except UpstreamError as exc:
                failure = _failure(pump)
                if isinstance(failure, ClientGone):
                    return 499
                if isinstance(failure, BodyTooLarge):
                    await self._too_large(send, scope, extra)
                    return 413
                cause = failure if isinstance(failure, UpstreamError) else exc
                return await self._problem(send, scope, upstream, cause, extra)
            except Exception:
                logger.exception("proxying %s %s to %s failed", method, scope["path"], upstream.name)
                await send_problem(
                    send,
                    status=500,
                    code="internal-error",
                    title="Internal error",
                    title_fa="خطای داخلی",
                    detail="The gateway could not complete the request; quote the request ID when reporting it.",
                    instance=scope["path"],
                    headers=extra,
                )
                return 500

            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": _response_headers(headers, extra, upstream),
                }
            )
            try:
                while True:
                    data, done = await conn.read_body()
                    if done:
                        await send({"type": "http.response.body", "body": data})
                        break
                    await send({"type": "http.response.body", "body": data, "more_body": True})
            except UpstreamError as exc:
                logger.warning(
                    "%s broke off its answer to %s %s: %s", upstream.name, method, scope["path"], exc
                )
                return 502
            except Exception:  # the answer has started: all that is left is to cut the connection
                logger.exception("relaying %s's answer to %s %s failed", upstream.name, method, scope["path"])
                return 500
            if pump is None or (pump.done() and _failure(pump) is None):
                pool.release(conn)
                conn = None
            return status
        finally:
            if pump is not None:
                if pump.done():
                    _failure(pump)  # retrieved, so asyncio does not report it as lost
                else:
                    pump.cancel()  # the upstream answered without reading the whole body
            if conn is not None:
                conn.close()

    def _start(
        self,
        conn: UpstreamConnection,
        request: bytes,
        method: str,
        receive: Receive | None,
        streaming: bool,
        received: int,
    ) -> asyncio.Task[None] | None:
        """Send the request; with ``receive``, the rest of the body follows from a task so the
        answer can stream back while the client is still sending."""
        conn.begin(head_request=method == "HEAD", timeout=self._timeout)
        conn.write(request)
        if receive is None:
            return None
        return asyncio.create_task(self._pump(conn, receive, streaming, received))

    async def _pump(self, conn: UpstreamConnection, receive: Receive, streaming: bool, received: int) -> None:
        """Relay the rest of the body (``received`` bytes came with the head). A chunked body is
        counted as it comes: past the limit the upstream connection is cut and nothing more is read
        (a declared length was checked before; uvicorn delivers no more than it)."""
        try:
            more_body = True
            while more_body:
                message = await receive()
                if message["type"] != "http.request":
                    raise ClientGone
                body: bytes = message.get("body", b"")
                more_body = message.get("more_body", False)
                received += len(body)
                if received > self._max_body:
                    raise BodyTooLarge
                conn.write((_chunk(body) + (b"" if more_body else _CHUNK_END)) if streaming else body)
                await conn.drain()
                if conn.closed:
                    return  # the answer, or its failure, tells the rest
        except (ClientGone, BodyTooLarge, UpstreamError):
            conn.close()  # wakes the side waiting for the answer
            raise

    async def _problem(
        self, send: Send, scope: Scope, upstream: Upstream, exc: UpstreamError, extra: Headers
    ) -> int:
        name = upstream.name
        if isinstance(exc, UpstreamConnectError):
            status, code, title = 503, "service-unavailable", "Service unavailable"
            title_fa = "سرویس در دسترس نیست"
            detail = f"The {name} service is not reachable ({exc}); try again shortly."
            extra = [*extra, (b"retry-after", b"%d" % RETRY_AFTER_SECONDS)]
        elif isinstance(exc, UpstreamTimeout):
            status, code, title = 504, "upstream-timeout", "The service did not answer in time"
            title_fa = "پاسخ سرویس به موقع نرسید"
            detail = f"The {name} service did not answer in time ({exc})."
        else:
            status, code, title = 502, "bad-gateway", "The service broke off the exchange"
            title_fa = "خطا در پاسخ سرویس"
            detail = f"The {name} service did not complete its answer ({exc})."
        logger.warning("%s %s -> %d: %s", scope["method"], scope["path"], status, detail)
        await send_problem(
            send,
            status=status,
            code=code,
            title=title,
            title_fa=title_fa,
            detail=detail,
            instance=scope["path"],
            headers=extra,
            service=name,
        )
        return status
