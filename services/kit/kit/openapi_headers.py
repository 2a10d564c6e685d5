"""The headers a service's answers carry, named in its OpenAPI document (``components.headers``).

Each response refers to the headers it is sent with:

* ``X-Request-ID`` on every answer (``kit.observability``);
* ``ETag`` on the 2xx answers of a route declared with ``openapi_extra=SENDS_ETAG``
  (``kit.etags``: the version ``If-Match`` must carry);
* ``Idempotent-Replayed`` on the answers (below 500) of a POST that takes ``Idempotency-Key``:
  a repeated key replays the first answer, whatever its status (``kit.idempotency``);
* ``Retry-After`` on 429 (always sent) and 503 (sent when the service can tell).

``If-Match`` is marked required: its absence is 428 (``kit.etags.check_if_match``), so a
client must always send it even though FastAPI parses it as optional to answer 428, not 422.
"""

from __future__ import annotations

from typing import Any

from kit.etags import SENDS_ETAG
from kit.idempotency import HEADER as IDEMPOTENCY_KEY
from kit.idempotency import REPLAYED_HEADER

REQUEST_ID = "X-Request-ID"
ETAG = "ETag"
RETRY_AFTER = "Retry-After"
IF_MATCH = "If-Match"
_ETAG_MARK = next(iter(SENDS_ETAG))

HEADERS: dict[str, dict[str, Any]] = {
    REQUEST_ID: {
        "description": "This request's ID (the one sent in `X-Request-ID`, else a new one): "
        "quote it when reporting a problem.",
        "required": True,
        "schema": {"type": "string"},
    },
    ETAG: {
        "description": "The resource's version: send it back in `If-Match` to change it.",
        "required": True,
        "schema": {"type": "string"},
    },
    REPLAYED_HEADER: {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "`Idempotency-Key` (nothing was done again); absent on a first answer.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    RETRY_AFTER: {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
}


def header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def document_headers(doc: dict[str, Any]) -> None:
    """Add the header components and refer to them from each response (see the module's docstring)."""
    doc.setdefault("components", {}).setdefault("headers", {}).update(HEADERS)
    for path_item in doc.get("paths", {}).values():
        for method, operation in path_item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _document_operation(method, operation)


def _document_operation(method: str, operation: dict[str, Any]) -> None:
    sends_etag = operation.pop(_ETAG_MARK, False)
    parameters = operation.get("parameters", [])
    idempotent = method == "post" and any(
        p.get("in") == "header" and p.get("name") == IDEMPOTENCY_KEY for p in parameters
    )
    for parameter in parameters:
        if parameter.get("in") == "header" and parameter.get("name") == IF_MATCH:
            parameter["required"] = True
            parameter["schema"] = _not_null(parameter.get("schema", {}))
    for status, response in operation["responses"].items():
        headers = response.setdefault("headers", {})
        headers[REQUEST_ID] = header_ref(REQUEST_ID)
        code = int(status) if status.isdigit() else None
        if code is None:
            continue
        if sends_etag and 200 <= code < 300:
            headers[ETAG] = header_ref(ETAG)
        if idempotent and code < 500:
            headers[REPLAYED_HEADER] = header_ref(REPLAYED_HEADER)
        if code in (429, 503):
            headers[RETRY_AFTER] = header_ref(RETRY_AFTER)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [X, null]`` (an optional Python parameter) as ``X`` with the outer keywords."""
    members = [m for m in schema.get("anyOf", []) if m.get("type") != "null"]
    if len(members) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**members[0], **rest}
