"""The gateway application: ``create_app()`` for uvicorn (``--factory``) and the tests.

``Gateway`` is the ASGI entry point. A path whose first segment is a
service's prefix (kit.registry) goes straight to the raw proxy; everything else (health, docs,
``/openapi.json``, 404s) goes to a small FastAPI app, ``Gateway.site``.
Metrics are on their own listener (``GATEWAY_METRICS_PORT``), and a service's
``/metrics`` is never forwarded.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from gateway.access import AccessLog
from gateway.config import GatewaySettings
from gateway.pool import ConnectionPool
from gateway.proxy import Proxy, Upstream, internal_path
from gateway.rate_limit import ClientKeys, RateLimiter
from gateway.service_docs import ServiceDocuments
from gateway.site import VERSION, create_site
from gateway.state import GatewayState
from kit.auth import TokenVerifier, http_jwks_fetcher
from kit.edge import AllowedHosts, EdgePolicy
from kit.http import create_http_client
from kit.metrics_listener import metrics_listener
from kit.observability import configure_logging
from kit.registry import registry
from kit.runtime import install as install_state


class Gateway:
    def __init__(self, settings: GatewaySettings | None = None) -> None:
        self._settings = settings
        self._proxy: Proxy | None = None
        self._routes: dict[str, Upstream] = {}
        self.site = create_site(self._lifespan)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            end = path.find("/", 1)
            upstream = self._routes.get(path[1:end] if end > 0 else path[1:])
            if upstream is not None and self._proxy is not None and not internal_path(path[end:]):
                await self._proxy(scope, receive, send, upstream)
                return
        await self.site(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        settings = self._settings or GatewaySettings()
        configure_logging(settings.log_level)
        http = create_http_client(
            timeout_seconds=settings.upstream_timeout_seconds,
            connect_timeout_seconds=settings.upstream_connect_timeout_seconds,
        )
        pools = {
            name: ConnectionPool(
                url,
                connect_timeout=settings.upstream_connect_timeout_seconds,
                keepalive_seconds=settings.upstream_keepalive_seconds,
                max_idle=settings.upstream_max_idle_connections,
            )
            for name, url in settings.service_urls.items()
        }
        verifier = TokenVerifier(
            fetch_jwks=http_jwks_fetcher(http, settings.jwks_url),
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            min_refresh_seconds=settings.jwks_min_refresh_seconds,
        )
        limiter = RateLimiter(
            settings.rate_limit,
            strategy=settings.rate_limit_strategy,
            redis_url=settings.redis_url,
            key_prefix=settings.rate_limit_key_prefix,
        )
        hosts = AllowedHosts(settings.allowed_host_names)
        state = GatewayState(
            settings=settings,
            http=http,
            documents=ServiceDocuments(
                http,
                settings.service_urls,
                gateway=app.openapi(),
                version=VERSION,
                ttl=settings.openapi_cache_seconds,
            ),
            edge_policy=EdgePolicy(hosts, settings.max_body_bytes),
        )
        install_state(app, state)
        access = AccessLog()
        access.start()
        self._proxy = Proxy(
            limiter=limiter,
            keys=ClientKeys(verifier),
            timeout=settings.upstream_timeout_seconds,
            access=access,
            hosts=hosts,
            max_body_bytes=settings.max_body_bytes,
        )
        prefixes = {service.name: service.prefix for service in registry()}
        self._routes = {
            prefixes[name][1:]: Upstream.create(name, prefixes[name], pool, settings.public_base_url)
            for name, pool in pools.items()
        }
        try:
            async with metrics_listener(settings.metrics_host, settings.metrics_port) as metrics_port:
                state.metrics_port = metrics_port
                yield
        finally:
            install_state(app, None)
            self._routes = {}
            self._proxy = None
            access.stop()
            for pool in pools.values():
                pool.close()
            await http.aclose()


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    return Gateway(settings)
