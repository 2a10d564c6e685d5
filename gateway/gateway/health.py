"""``GET /health``: every service's ``/health``, asked in parallel with a short timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Literal

import httpx
from pydantic import BaseModel


class ServiceHealth(BaseModel):
    status: Literal["up", "down"]
    ms: float | None = None
    error: str | None = None


class GatewayHealth(BaseModel):
    status: Literal["ok"]
    services: dict[str, ServiceHealth]


async def _check(http: httpx.AsyncClient, url: str, timeout_seconds: float) -> ServiceHealth:
    started = time.perf_counter()
    try:
        response = await http.get(url.rstrip("/") + "/health", timeout=timeout_seconds)
    except httpx.TimeoutException:
        return ServiceHealth(status="down", error=f"no answer within {timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return ServiceHealth(status="down", error=str(exc) or type(exc).__name__)
    ms = round((time.perf_counter() - started) * 1000, 2)
    if response.status_code != 200:
        return ServiceHealth(status="down", ms=ms, error=f"HTTP {response.status_code}")
    return ServiceHealth(status="up", ms=ms)


async def check_services(
    http: httpx.AsyncClient, urls: Mapping[str, str], timeout_seconds: float
) -> dict[str, ServiceHealth]:
    results = await asyncio.gather(*(_check(http, url, timeout_seconds) for url in urls.values()))
    return dict(zip(urls, results, strict=True))
