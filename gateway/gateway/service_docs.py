"""The merged OpenAPI document served at ``/openapi.json``, from the services' own documents.

Each service's document is fetched from its ``/openapi.json`` and cached for
``ttl`` seconds; a service that does not answer is asked again on the next
request (its last good copy is used meanwhile, if there is one). The merged
document is rebuilt only when a fetched document changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from gateway.openapi_merge import ApiSource, merge_openapi
from gateway.openapi_public import path_templates, public_document
from gateway.proxy import INTERNAL_PATHS
from kit.access_levels import access_markdown
from kit.errors import REFUSALS_MARKDOWN
from kit.metrics_listener import METRICS_CONTENT_TYPE
from kit.registry import registry

logger = logging.getLogger("gateway.openapi")
FETCH_TIMEOUT_SECONDS = 5.0  # a service that hangs must not hold /openapi.json for the upstream timeout

TITLE = "Panjereh API"
DESCRIPTION = (
    "Every Panjereh service behind one gateway: a service's paths are under its name "
    f"(`{registry().token_service.token_endpoint}`). Errors are RFC 9457 problem details (`application/problem+json`); "
    "answers carry `X-Request-ID` and the `RateLimit-*` headers.\n\n"
    "Metrics are not part of this API: each process (the gateway, each service) serves them at "
    f"`GET /metrics` on a port of its own, in the Prometheus text format (`{METRICS_CONTENT_TYPE}`), "
    "for the cluster's Prometheus only.\n\n"
    f"{REFUSALS_MARKDOWN}\n\n{access_markdown()}"
)


def merged_document(
    services: Mapping[str, Mapping[str, Any]], gateway: Mapping[str, Any], version: str
) -> dict[str, Any]:
    """The platform document: the gateway's own paths, then each service's under its prefix."""
    templates = path_templates(services)
    sources = [ApiSource("gateway", "", gateway)]
    prefixes = {service.name: service.prefix for service in registry()}
    sources += [
        ApiSource(name, prefixes[name], public_document(name, document, templates, INTERNAL_PATHS))
        for name, document in services.items()
    ]
    return merge_openapi(sources, title=TITLE, version=version, description=DESCRIPTION)


class ServiceDocuments:
    def __init__(
        self,
        http: httpx.AsyncClient,
        urls: Mapping[str, str],
        *,
        gateway: Mapping[str, Any],
        version: str,
        ttl: float,
    ) -> None:
        self._http = http
        self._urls = dict(urls)
        self._gateway = gateway
        self._version = version
        self._ttl = ttl
        self._documents: dict[str, tuple[float, dict[str, Any]]] = {}
        self._merged: dict[str, Any] | None = None

    async def merged(self) -> dict[str, Any]:
        now = time.monotonic()
        due = [name for name in self._urls if self._due(name, now)]
        if due:
            fetched = await asyncio.gather(*(self._fetch(name) for name in due))
            for name, document in zip(due, fetched, strict=True):
                if document is None:
                    continue
                previous = self._documents.get(name)
                self._documents[name] = (now, document)
                if previous is None or previous[1] != document:
                    self._merged = None
        missing = [name for name in self._urls if name not in self._documents]
        if self._merged is None or missing:
            available = {name: self._documents[name][1] for name in self._urls if name in self._documents}
            merged = merged_document(available, self._gateway, self._version)
            if missing:
                merged["x-unavailable-services"] = missing
                merged["info"]["description"] += (
                    f"\n\n**Missing now:** {', '.join(missing)} did not answer; reload to try again."
                )
            else:
                self._merged = merged
            return merged
        return self._merged

    def _due(self, name: str, now: float) -> bool:
        entry = self._documents.get(name)
        return entry is None or now - entry[0] > self._ttl

    async def _fetch(self, name: str) -> dict[str, Any] | None:
        url = self._urls[name].rstrip("/") + "/openapi.json"
        try:
            response = await self._http.get(url, timeout=FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("cannot fetch the %s OpenAPI document: %s", name, exc)
            return None
        return document if isinstance(document, dict) else None
