"""The gateway's own routes: health, the merged OpenAPI document and the docs pages.

Metrics are not here: they are on the metrics listener (``GATEWAY_METRICS_PORT``).

FastAPI serves these; proxied paths never reach it (``main.Gateway`` sends
them straight to the proxy).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from importlib.metadata import version
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.docs import install_docs
from gateway.health import GatewayHealth, check_services
from gateway.responses import DateHeaderMiddleware
from gateway.state import edge_policy_of, gateway_state
from kit.edge import EdgeMiddleware
from kit.errors import PROBLEM_JSON, install_problem_handlers, problem_response
from kit.observability import RequestContextMiddleware
from kit.openapi import install_openapi
from kit.registry import registry

TITLE = "Panjereh gateway"
VERSION = version("panjereh-gateway")
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    summary="Health of every service behind the gateway",
    response_model=GatewayHealth,
    responses={
        503: {
            "description": "A service is down; `services` says which (problem+json)",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    },
)
async def health(request: Request) -> Any:
    """Asks each service's `/health` in parallel. 200 when all answer, 503 naming those that do not."""
    state = gateway_state(request.app)
    statuses = await check_services(
        state.http, state.settings.service_urls, state.settings.health_timeout_seconds
    )
    down = [name for name, status in statuses.items() if status.status != "up"]
    if down:
        return problem_response(
            status=503,
            code="services-unavailable",
            title="Services unavailable",
            title_fa="برخی سرویس‌ها در دسترس نیستند",
            detail=f"Not answering: {', '.join(down)}.",
            instance="/health",
            services={name: status.model_dump(exclude_none=True) for name, status in statuses.items()},
        )
    return GatewayHealth(status="ok", services=statuses)


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(await gateway_state(request.app).documents.merged())


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(
        status=404,
        code="not-found",
        title="No such service or route",
        title_fa="یافت نشد",
        detail=f"Nothing answers {request.method} {request.url.path}: a path starts with a service "
        f"({', '.join(service.prefix for service in registry())}) or is one of the gateway's own.",
        instance=request.url.path,
    )


def create_site(lifespan: Lifespan) -> FastAPI:
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description="The gateway's own operations. The platform's API is at `/openapi.json`.",
        openapi_tags=[{"name": "operations", "description": "Health."}],
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_problem_handlers(app)
    app.add_exception_handler(404, _not_found)
    install_openapi(app)
    app.add_middleware(EdgeMiddleware, policy_of=edge_policy_of)  # Host and body size
    app.add_middleware(DateHeaderMiddleware)
    app.add_middleware(RequestContextMiddleware, service="gateway")
    app.include_router(router)
    install_docs(app, "Panjereh API")
    return app
