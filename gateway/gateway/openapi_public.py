"""A service's OpenAPI document as the public sees it through the gateway. Pure: dicts in, dict out.

* The paths the gateway does not forward (``/metrics``) are left out.
* A service path named in a ``description`` or ``summary`` (```GET /v1/tariff-lines/{hs_code}```)
  becomes the gateway path (``/orders/v1/tariff-lines/{hs_code}``): the service whose document
  it is when one of its paths matches, else the one other service with a matching path
  (identity's ``POST /v1/token`` named in the orders document).
* Every response of a forwarded operation names the ``RateLimit-*`` headers the gateway adds
  (``gateway.rate_limit``), and each operation may answer the gateway's own 429 (rate limited,
  with ``Retry-After``) and 503 (the service is not reachable, with ``Retry-After``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kit.errors import PROBLEM_JSON
from kit.openapi_headers import REQUEST_ID, RETRY_AFTER, header_ref
from kit.registry import registry

_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# A service-relative path in prose: not preceded by anything that makes it part of a longer path or URL.
_SERVICE_PATH = re.compile(r"(?<![\w/.~-])/(?:v[0-9]+|\.well-known)/[\w.~{}/-]*[\w}]")
_TEXT_KEYS = frozenset({"description", "summary"})

RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Limit": {
        "description": "Requests allowed per window for this client (the gateway's rate limit).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the window resets.",
        "schema": {"type": "integer", "minimum": 0},
    },
}
_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
GATEWAY_RESPONSES: dict[str, dict[str, Any]] = {
    "429": {
        "description": "Rate limited (`rate-limited`): wait `Retry-After` seconds.",
        "content": _PROBLEM,
    },
    "503": {
        "description": "The service is not reachable now (`service-unavailable`, from the gateway), "
        "or cannot do this now: try again after `Retry-After` seconds.",
        "content": _PROBLEM,
    },
}

Templates = Mapping[str, list[tuple[str, ...]]]  # service -> its paths, split into segments


def path_templates(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, list[tuple[str, ...]]]:
    return {name: [tuple(p.split("/")) for p in doc.get("paths", {})] for name, doc in documents.items()}


def public_document(
    service: str, document: Mapping[str, Any], templates: Templates, internal_paths: frozenset[str]
) -> dict[str, Any]:
    """``document`` as the gateway publishes it (see the module's docstring)."""
    paths = {
        path: {
            key: _forwarded(operation) if key in _HTTP_METHODS and isinstance(operation, dict) else operation
            for key, operation in item.items()
        }
        for path, item in document.get("paths", {}).items()
        if path not in internal_paths
    }
    components = dict(document.get("components", {}))
    components["headers"] = {**components.get("headers", {}), **RATE_LIMIT_HEADERS}
    public = {**document, "paths": paths, "components": components}
    return _rewrite_text(public, lambda text: rewrite_paths(text, service, templates))


def rewrite_paths(text: str, service: str, templates: Templates) -> str:
    """Each service path in ``text`` as its gateway path (see the module's docstring)."""

    def public(match: re.Match[str]) -> str:
        path = match.group(0)
        return registry()[_owner(path, service, templates)].prefix + path

    return _SERVICE_PATH.sub(public, text)


def _owner(path: str, service: str, templates: Templates) -> str:
    segments = tuple(path.split("/"))
    owners = [name for name, paths in templates.items() if any(_matches(segments, t) for t in paths)]
    if service in owners or len(owners) != 1:
        return service
    return owners[0]


def _matches(segments: tuple[str, ...], template: tuple[str, ...]) -> bool:
    return len(segments) == len(template) and all(
        s == t or s.startswith("{") or t.startswith("{") for s, t in zip(segments, template, strict=True)
    )


def _forwarded(operation: dict[str, Any]) -> dict[str, Any]:
    responses = {**GATEWAY_RESPONSES, **operation.get("responses", {})}
    for status, response in responses.items():
        headers = {**response.get("headers", {}), REQUEST_ID: header_ref(REQUEST_ID)}
        headers.update({name: header_ref(name) for name in RATE_LIMIT_HEADERS})
        if status in GATEWAY_RESPONSES:
            headers[RETRY_AFTER] = header_ref(RETRY_AFTER)
        responses[status] = {**response, "headers": headers}
    return {**operation, "responses": responses}


def _rewrite_text(node: Any, rewrite: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: rewrite(value)
            if key in _TEXT_KEYS and isinstance(value, str)
            else _rewrite_text(value, rewrite)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_text(value, rewrite) for value in node]
    return node
