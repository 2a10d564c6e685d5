"""The merged document, read as a client developer reads it: operation IDs, response headers,
``If-Match``, gateway paths, titled ``oneOf`` members and lists that do not page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kit.errors import NotFound, install_problem_handlers
from kit.openapi import UNPAGED
from kit.registry import registry
from openapi.export import rendered_documents

METHODS = ("get", "put", "post", "delete", "patch")
# FastAPI's default: the function name, then the path and the method (`create_file_v1_order_files_post`).
DEFAULT_ID = re.compile(r"_(v[0-9]+|health|ready)(_\w+)?_(get|put|post|delete|patch)$")
SERVICE_PATH = re.compile(r"(?<![\w/.~-])/(?:v[0-9]+|\.well-known)/[\w{}]")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(rendered_documents()["panjereh.json"])


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def proxied(path: str) -> bool:
    return path.split("/")[1] in registry().names


def test_operation_ids_are_unique_readable_and_name_their_service(doc: dict[str, Any]) -> None:
    ids = [(path, op["operationId"]) for path, _, op in operations(doc)]
    assert len({op_id for _, op_id in ids}) == len(ids)
    assert [op_id for _, op_id in ids if DEFAULT_ID.search(op_id)] == []
    for path, op_id in ids:
        service = path.split("/")[1] if proxied(path) else "gateway"
        assert op_id.startswith(f"{service}_"), (path, op_id)
    assert ("/orders/v1/order-files", "orders_create_file") in ids
    titles = re.findall(r'"title": "([^"]*)"', json.dumps(doc))
    assert [t for t in titles if t.startswith(("Response ", "Body_")) or " V1 " in t] == []


def test_every_response_names_x_request_id(doc: dict[str, Any]) -> None:
    missing = [
        (path, method, status)
        for path, method, op in operations(doc)
        for status, response in op["responses"].items()
        if response.get("headers", {}).get("X-Request-ID") != {"$ref": "#/components/headers/X-Request-ID"}
    ]
    assert missing == []
    assert doc["components"]["headers"]["X-Request-ID"]["required"] is True


def test_forwarded_responses_name_the_rate_limit_headers_and_the_gateway_429(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        if not proxied(path):
            assert "RateLimit-Limit" not in op["responses"].get("200", {}).get("headers", {}), path
            continue
        for status, response in op["responses"].items():
            names = set(response["headers"])
            assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= names, (path, status)
            if status in ("429", "503"):
                assert "Retry-After" in names, (path, method, status)
        assert "429" in op["responses"], (path, method)
    assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"} <= set(
        doc["components"]["headers"]
    )


def test_etag_is_named_where_it_is_sent(doc: dict[str, Any]) -> None:
    def etag(path: str, method: str, status: str) -> bool:
        return "ETag" in doc["paths"][path][method]["responses"][status]["headers"]

    assert etag("/orders/v1/order-files/{file_id}", "get", "200")
    assert etag("/orders/v1/order-files", "post", "201")
    assert etag("/orders/v1/order-files/{file_id}", "patch", "200")
    assert etag("/orders/v1/product-requests/{request_id}", "get", "200")
    assert not etag("/orders/v1/order-files/{file_id}/lines/{line_id}", "patch", "200")
    assert not any("x-sends-etag" in op for _, _, op in operations(doc))


def test_idempotent_posts_name_idempotent_replayed(doc: dict[str, Any]) -> None:
    checked = 0
    for path, method, op in operations(doc):
        keyed = any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
        for status, response in op["responses"].items():
            named = "Idempotent-Replayed" in response["headers"]
            replayable = keyed and method == "post" and status.isdigit() and int(status) < 500
            assert not named or replayable, (path, method, status)
            if replayable and status.startswith("2"):
                assert named, (path, method, status)
                checked += 1
    assert checked


def test_if_match_is_required_where_its_absence_is_428(doc: dict[str, Any]) -> None:
    guarded = []
    for path, method, op in operations(doc):
        for parameter in op.get("parameters", []):
            if parameter["name"] == "If-Match":
                guarded.append((path, method))
                assert parameter["required"] is True
                assert parameter["schema"]["type"] == "string"
                assert "428" in op["responses"], (path, method)
    assert ("/orders/v1/order-files/{file_id}", "patch") in guarded
    assert ("/orders/v1/product-requests/{request_id}", "put") in guarded


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def test_descriptions_name_gateway_paths(doc: dict[str, Any]) -> None:
    bare = sorted({m.group(0) for text in _texts(doc) for m in SERVICE_PATH.finditer(text)})
    assert bare == []
    token = doc["paths"]["/orders/v1/order-files/{file_id}/lines"]["post"]["description"]
    assert "`GET /orders/v1/tariff-lines/{hs_code}`" in token
    texts = "\n".join(_texts(doc))
    assert "/orders/v1/token" not in texts  # identity's token endpoint named in another service


def test_problem_instance_is_the_path_the_caller_asked() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/v1/things/{thing}")
    async def thing(thing: str) -> None:
        raise NotFound()

    async def ask(headers: dict[str, str]) -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/v1/things/x", headers=headers)
        return str(response.json()["instance"])

    import asyncio

    assert asyncio.run(ask({})) == "/v1/things/x"
    assert asyncio.run(ask({"X-Forwarded-Prefix": "/orders"})) == "/orders/v1/things/x"
    assert asyncio.run(ask({"X-Forwarded-Prefix": "https://evil.example/"})) == "/v1/things/x"


def test_one_of_members_are_titled_components(doc: dict[str, Any]) -> None:
    def one_ofs(node: Any) -> Iterator[list[Any]]:
        if isinstance(node, dict):
            if "oneOf" in node:
                yield node["oneOf"]
            for value in node.values():
                yield from one_ofs(value)
        elif isinstance(node, list):
            for value in node:
                yield from one_ofs(value)

    members = [member for group in one_ofs(doc) for member in group]
    assert members
    for member in members:
        assert "$ref" in member or member.get("title", "").isidentifier(), member
    schemas = doc["components"]["schemas"]
    token = doc["paths"]["/identity/v1/token"]["post"]["requestBody"]["content"]
    refs = [
        m["$ref"].rsplit("/", 1)[1] for m in token["application/x-www-form-urlencoded"]["schema"]["oneOf"]
    ]
    assert refs == ["ClientCredentialsGrant", "RefreshTokenGrant", "TokenExchangeGrant"]
    assert all(schemas[name]["title"] == name for name in refs)
    assert not [name for name in schemas if "Urn" in name or name.startswith("Identity_token")]


def test_limit_is_taken_only_by_lists_that_page(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for path, method, op in operations(doc):
        names = {p["name"] for p in op.get("parameters", [])}
        content = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
        schema = content.get("schema", {})
        schema = schemas.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
        properties = schema.get("properties", {})
        if "limit" in names:
            # A feed (GET /v1/events) resumes from the last event read: its cursor is `after`.
            assert names & {"cursor", "after"}, (path, method)
            assert "next" in properties, (path, method)
        elif method == "get" and (schema.get("type") == "array" or "items" in properties):
            assert UNPAGED in op.get("description", ""), path


def test_metrics_are_not_claimed_as_part_of_the_api(doc: dict[str, Any]) -> None:
    assert not [path for path in doc["paths"] if path.rstrip("/").endswith("/metrics")]
    assert "Prometheus text format (`text/plain; version=" in doc["info"]["description"]
