"""The application factory every service uses.

Settings are built in the lifespan (or passed in by tests), never at import, so
importing a service has no side effects and its OpenAPI can be exported
without a database.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Table

from kit.auth import TokenVerifier, http_jwks_fetcher
from kit.db import (
    assert_at_head,
    connection_gate,
    create_engine,
    create_sessionmaker,
    current_revision,
    migration_head,
)
from kit.edge import EdgeMiddleware, EdgePolicy
from kit.errors import REFUSALS_MARKDOWN, install_problem_handlers, problem_response
from kit.feed_api import events_router
from kit.feed_signal import FeedSignal
from kit.forwarded import caller_path
from kit.http import create_http_client
from kit.idempotency import purge_expired
from kit.metrics_listener import metrics_listener
from kit.observability import RequestContextMiddleware, configure_logging
from kit.openapi import install_openapi
from kit.routing import ExactPathIndex
from kit.runtime import Runtime, RuntimeDep, ServiceState
from kit.runtime import install as install_state
from kit.settings import ServiceSettings, sandbox_enabled

logger = logging.getLogger("kit.app")
# Allocations between young collections (CPython's default is 700) and the older generations'
# ratios (10, 10): measured with bench/orders.
GC_THRESHOLDS = (20_000, 20, 20)
PURGE_INTERVAL_SECONDS = 600

# A periodic task: gets the running service's state (kit.runtime).
Hook = Callable[[Any], Awaitable[None]]


@dataclass
class ServiceSpec:
    """What a service tells the factory about itself."""

    name: str
    title: str
    description: str
    version: str
    service_dir: Path
    settings_factory: Callable[[], ServiceSettings]
    routers: Sequence[APIRouter]
    idempotency_table: Table
    tags: list[dict[str, Any]] = field(default_factory=list)
    # Builds the service's own typed state (a kit.runtime.ServiceState subclass) once the runtime
    # exists: reference data, adapters, keys. Without it the service runs with a bare ServiceState.
    state: Callable[[Runtime], Awaitable[ServiceState]] | None = None
    check_migrations: bool = True
    # Mounted only when PANJEREH_SANDBOX is on: without it these endpoints do not exist.
    sandbox_routers: Sequence[APIRouter] = ()
    # Body limits below PANJEREH_MAX_BODY_BYTES for some routes: path regex -> bytes (kit.edge),
    # e.g. a multipart upload of one small file, capped while it streams in.
    body_limits: Mapping[str, int] = field(default_factory=dict)
    # Housekeeping run every PURGE_INTERVAL_SECONDS beside the idempotency purge
    # (expired rows, files whose validity ran out); each gets the service's state; a failure
    # is logged, not fatal.
    periodic: Sequence[Hook] = ()
    # Long-running tasks (a kit.feeds.FeedFollower's run), started with the service's state and
    # cancelled at shutdown.
    background: Sequence[Hook] = ()
    # The service's outbox (kit.outbox.outbox_table): served as its feed at /v1/events.
    outbox_table: Table | None = None
    # Requests the service sends to its subscribers' URLs, documented under the OpenAPI
    # document's ``webhooks`` (FastAPI's ``app.webhooks``): each route's path is the webhook's
    # name, its body what is sent. Documentation only: nothing is served.
    webhooks: APIRouter | None = None


async def _purge_loop(state: ServiceState, periodic: Sequence[Hook]) -> None:
    rt = state.runtime
    while True:
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
        try:
            await purge_expired(rt.sessionmaker, rt.idempotency_table, rt.settings.idempotency_ttl_hours)
        except Exception:  # a failed purge must not stop the service
            logger.exception("idempotency purge failed")
        for hook in periodic:
            try:
                await hook(state)
            except Exception:
                logger.exception("periodic task %s failed", getattr(hook, "__qualname__", hook))


def tune_garbage_collector() -> None:
    """Freeze what start-up built and collect less often.

    A served process builds its routes, schemas and catalogues once; without ``gc.freeze()``
    every full collection walks them again, and at CPython's default thresholds the collector
    took about a fifth of an ORM server's CPU (ARCHITECTURE.md). bench/orders --quick, two
    runs back to back, untuned then tuned: CPU per file read 670 then 544 µs (0.52x then 0.71x
    the raw baseline), per create 1,001 then 794 µs, read p99 144 then 44 ms.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_service_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> FastAPI:
    # Wakes the feed's long-polls when an event commits (its listener runs with the app).
    feed_signal = FeedSignal(spec.outbox_table) if spec.outbox_table is not None else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings or spec.settings_factory()
        configure_logging(cfg.log_level)
        engine = create_engine(cfg)
        http = create_http_client(
            timeout_seconds=cfg.http_timeout_seconds, connect_timeout_seconds=cfg.http_connect_timeout_seconds
        )
        tasks: list[asyncio.Task[None]] = []
        metrics = contextlib.AsyncExitStack()
        try:
            metrics_port = await metrics.enter_async_context(
                metrics_listener(cfg.metrics_host, cfg.metrics_port)
            )
            head = migration_head(spec.service_dir) if spec.check_migrations else None
            if head is not None:
                await assert_at_head(engine, spec.name, head)
            runtime = Runtime(
                service_name=spec.name,
                settings=cfg,
                engine=engine,
                sessionmaker=create_sessionmaker(engine),
                connection_gate=connection_gate(cfg),
                http=http,
                token_verifier=TokenVerifier(
                    fetch_jwks=http_jwks_fetcher(http, cfg.jwks_url),
                    issuer=cfg.token_issuer,
                    audience=cfg.token_audience,
                    min_refresh_seconds=cfg.jwks_min_refresh_seconds,
                ),
                idempotency_table=spec.idempotency_table,
                edge_policy=EdgePolicy.of(cfg.allowed_hosts.split(","), cfg.max_body_bytes, spec.body_limits),
                migration_head=head,
                metrics_port=metrics_port,
            )
            state = await spec.state(runtime) if spec.state else ServiceState(runtime=runtime)
            install_state(app, state)
            if cfg.gc_tuning:
                tune_garbage_collector()
            tasks.append(asyncio.create_task(_purge_loop(state, spec.periodic)))
            tasks.extend(asyncio.create_task(hook(state)) for hook in spec.background)
            yield
        finally:
            for task in tasks:
                task.cancel()
            if feed_signal is not None:
                await feed_signal.stop()
            install_state(app, None)
            await http.aclose()
            await engine.dispose()
            await metrics.aclose()

    app = FastAPI(
        title=spec.title,
        description=f"{spec.description}\n\n{REFUSALS_MARKDOWN}",
        version=spec.version,
        openapi_tags=[*spec.tags, {"name": "operations", "description": "Health and readiness."}],
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(EdgeMiddleware)  # Host and body size, from the runtime's edge policy
    app.add_middleware(RequestContextMiddleware, service=spec.name)
    for router in spec.routers:
        _mount(app, router)
    if sandbox_enabled(settings):
        for router in spec.sandbox_routers:
            _mount(app, router)
    if feed_signal is not None:
        _mount(app, events_router(spec.outbox_table, spec.name, feed_signal))
    _mount(app, _operations_router(spec))
    if spec.webhooks is not None:
        app.webhooks.routes.extend(spec.webhooks.routes)
    app.router.routes.insert(0, ExactPathIndex(app.router.routes))
    return app


def _mount(app: FastAPI, router: APIRouter) -> None:
    """Add the router's routes to the app as they are.

    Our routers carry no prefix or include-time dependencies (tags and route
    classes are applied when a route is declared), so this is what
    ``include_router`` would produce, without the wrapper it adds in front of
    every route: that wrapper made routing cost grow with the number of routes
    ahead (measured ~50 µs on a rules calculation).
    """
    app.router.routes.extend(router.routes)


def _operations_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="Liveness: the process is up")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @router.get(
        "/ready",
        summary="Readiness: the database answers and is at the migration head",
        responses={503: {"description": "Not ready (problem+json)"}},
    )
    async def ready(request: Request, rt: RuntimeDep) -> JSONResponse:
        expected = rt.migration_head
        try:
            actual = await current_revision(rt.engine, spec.name)
        except Exception as exc:  # any driver or network error means "not ready"
            logger.warning("readiness check failed: %s", exc)
            actual, reason = None, "the database does not answer"
        else:
            reason = f"the schema is at {actual or 'no migration'}, the code needs {expected}"
        if actual != expected:
            return problem_response(
                status=503,
                code="not-ready",
                title="Service not ready",
                detail=f"{spec.name} is not ready: {reason}.",
                instance=caller_path(request),
            )
        return JSONResponse({"status": "ready", "service": spec.name, "migration": actual})

    return router
