"""The HTTP client notifications reaches subscribers' webhook URLs with, guarded against SSRF at
each connection (``addresses``): the host is resolved, every address it resolves to is checked
(``check_address``), and the connection is made to a checked address, never to the name again,
so a name that resolves elsewhere by the time of connecting (DNS rebinding) is refused. TLS still
names the host (SNI and certificate checks use the URL's host name).

    client = webhook_client(sandbox=settings.sandbox)
    await client.post(url, content=body, headers=headers)   # WebhookUrlRefused at connect

A refused address raises ``addresses.WebhookUrlRefused`` (a ``ValueError``) from the request;
any other failure is httpx's. Proxies from the environment are never used (they would connect
in our stead) and redirects are not followed.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

from notifications.webhooks.addresses import WebhookUrlRefused, check_address

# Resolves a host name and port to the IP addresses to try, in order.
Resolver = Callable[[str, int], Awaitable[list[str]]]
WEBHOOK_TIMEOUT = httpx.Timeout(5.0)


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses ``check_address`` allows."""

    def __init__(
        self,
        *,
        sandbox: bool,
        resolve: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.resolve = resolve
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(self.resolve(host, port), timeout)
        except (OSError, TimeoutError, UnicodeError) as exc:  # UnicodeError: a name IDNA refuses
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:  # every one, so a mixed answer is refused whole
            check_address(address, sandbox=self.sandbox)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise WebhookUrlRefused("Webhooks never connect to a Unix socket.")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_pool(
    *,
    sandbox: bool,
    resolve: Resolver = system_resolver,
    limits: httpx.Limits | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpcore.AsyncConnectionPool:
    """An httpcore connection pool connecting through ``GuardedNetworkBackend``: what the
    dispatcher sends with (httpcore alone costs a fraction of httpx's per-request work)."""
    limits = limits or httpx.Limits(max_connections=200, max_keepalive_connections=50)
    return httpcore.AsyncConnectionPool(
        # Loading the CA bundle costs ~25 ms: a caller making many pools passes one context.
        ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedNetworkBackend(sandbox=sandbox, resolve=resolve),
    )


class GuardedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose connection pool is a ``guarded_pool``."""

    def __init__(
        self,
        *,
        sandbox: bool,
        resolve: Resolver = system_resolver,
        limits: httpx.Limits | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        ssl_context = ssl_context or httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits or httpx.Limits())
        self._pool = guarded_pool(sandbox=sandbox, resolve=resolve, limits=limits, ssl_context=ssl_context)


def webhook_client(
    *,
    sandbox: bool,
    resolve: Resolver = system_resolver,
    timeout: httpx.Timeout = WEBHOOK_TIMEOUT,
    limits: httpx.Limits | None = None,
) -> httpx.AsyncClient:
    """The client for webhook URLs: guarded at each connection, no proxies, no redirects."""
    return httpx.AsyncClient(
        transport=GuardedTransport(sandbox=sandbox, resolve=resolve, limits=limits),
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
    )
