"""The merged OpenAPI document: the pure merge, and the one the gateway serves."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from kit_testing import Running

from gateway.openapi_merge import ApiSource, merge_openapi
from kit.registry import registry


def _doc(paths: dict[str, Any], schemas: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas or {}},
        **extra,
    }


def _get(ref: str, op_id: str = "read", tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "get": {
            "operationId": op_id,
            "tags": tags or ["things"],
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": ref}}}}},
        }
    }


def _merge(**documents: dict[str, Any]) -> dict[str, Any]:
    sources = [ApiSource(name, f"/{name}", doc) for name, doc in documents.items()]
    return merge_openapi(sources, title="All", version="9")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def _resolves(document: dict[str, Any], ref: str) -> bool:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_paths_go_under_the_service_prefix() -> None:
    merged = _merge(
        orders=_doc({"/v1/orders": _get("#/components/schemas/Order")}, {"Order": {"type": "object"}})
    )
    assert list(merged["paths"]) == ["/orders/v1/orders"]
    assert merged["openapi"] == "3.1.0"
    assert merged["info"]["title"] == "All"


def test_identical_components_are_kept_once() -> None:
    problem = {"type": "object", "properties": {"code": {"type": "string"}}}
    merged = _merge(
        a=_doc({"/x": _get("#/components/schemas/Problem")}, {"Problem": problem}),
        b=_doc({"/y": _get("#/components/schemas/Problem")}, {"Problem": problem}),
    )
    assert list(merged["components"]["schemas"]) == ["Problem"]
    assert _refs(merged["paths"]) == ["#/components/schemas/Problem"] * 2


def test_differing_components_are_prefixed_and_every_ref_follows() -> None:
    merged = _merge(
        orders=_doc(
            {"/items": _get("#/components/schemas/Page")},
            {
                "Item": {"type": "object", "properties": {"hs_code": {"type": "string"}}},
                # Same text in both services, but it points at a different Item: it must split too.
                "Page": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
                    },
                },
                "Pet": {
                    "oneOf": [{"$ref": "#/components/schemas/Item"}],
                    "discriminator": {
                        "propertyName": "kind",
                        "mapping": {"item": "#/components/schemas/Item"},
                    },
                },
            },
        ),
        permits=_doc(
            {"/items": _get("#/components/schemas/Page")},
            {
                "Item": {"type": "object", "properties": {"permit_no": {"type": "string"}}},
                "Page": {
                    "type": "object",
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
                    },
                },
            },
        ),
    )
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"OrdersItem", "PermitsItem", "OrdersPage", "PermitsPage", "Pet"}
    assert schemas["OrdersPage"]["properties"]["items"]["items"]["$ref"] == "#/components/schemas/OrdersItem"
    assert (
        schemas["PermitsPage"]["properties"]["items"]["items"]["$ref"] == "#/components/schemas/PermitsItem"
    )
    assert schemas["Pet"]["discriminator"]["mapping"]["item"] == "#/components/schemas/OrdersItem"
    assert _refs(merged["paths"]["/orders/items"]) == ["#/components/schemas/OrdersPage"]
    assert _refs(merged["paths"]["/permits/items"]) == ["#/components/schemas/PermitsPage"]
    assert all(_resolves(merged, ref) for ref in _refs(merged))


def test_security_schemes_are_renamed_in_requirements_too() -> None:
    def doc(description: str) -> dict[str, Any]:
        document = _doc(
            {"/x": _get("#/components/schemas/X")}, {"X": {"type": "string"}}, security=[{"Bearer": []}]
        )
        document["components"]["securitySchemes"] = {
            "Bearer": {"type": "http", "scheme": "bearer", "description": description}
        }
        return document

    merged = _merge(a=doc("from a"), b=doc("from b"))
    assert set(merged["components"]["securitySchemes"]) == {"ABearer", "BBearer"}
    assert merged["paths"]["/a/x"]["get"]["security"] == [{"ABearer": []}]
    assert merged["paths"]["/b/x"]["get"]["security"] == [{"BBearer": []}]


def test_operation_ids_and_tags_are_namespaced_and_grouped() -> None:
    merged = _merge(
        a=_doc(
            {"/health": _get("#/components/schemas/H", "health")},
            {"H": {}},
            tags=[{"name": "things", "description": "d"}],
        ),
        b=_doc({"/health": _get("#/components/schemas/H", "health", tags=["ops"])}, {"H": {}}),
    )
    ops = [merged["paths"][p]["get"] for p in ("/a/health", "/b/health")]
    assert [op["operationId"] for op in ops] == ["a_health", "b_health"]
    assert [op["tags"] for op in ops] == [["a: things"], ["b: ops"]]
    assert merged["tags"] == [{"name": "a: things", "description": "d"}, {"name": "b: ops"}]
    assert merged["x-tagGroups"] == [{"name": "a", "tags": ["a: things"]}, {"name": "b", "tags": ["b: ops"]}]


def test_the_inputs_are_left_alone() -> None:
    original = _doc({"/x": _get("#/components/schemas/X")}, {"X": {"type": "string"}})
    other = _doc({"/x": _get("#/components/schemas/X")}, {"X": {"type": "integer"}})
    _merge(a=original, b=other)
    assert original["paths"]["/x"]["get"]["operationId"] == "read"
    assert _refs(original) == ["#/components/schemas/X"]


def test_webhooks_are_kept_with_their_operations_namespaced() -> None:
    hook = {
        "post": {
            "operationId": "things_made",
            "tags": ["webhooks"],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/M"}}}},
            "responses": {"200": {"description": "ok"}},
        }
    }
    merged = _merge(
        shop=_doc({}, {"M": {"type": "object", "title": "shop"}}, webhooks={"shop.thing.made": hook}),
        other=_doc({}, {"M": {"type": "object", "title": "other"}}),
    )
    operation = merged["webhooks"]["shop.thing.made"]["post"]
    assert operation["operationId"] == "shop_things_made"
    assert operation["tags"] == ["shop: webhooks"]
    assert "security" not in operation
    assert (
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        == "#/components/schemas/ShopM"
    )
    assert _resolves(merged, "#/components/schemas/ShopM")
    with pytest.raises(ValueError, match=r"shop\.thing\.made"):
        _merge(
            shop=_doc({}, webhooks={"shop.thing.made": hook}),
            other=_doc({}, webhooks={"shop.thing.made": hook}),
        )


@pytest.fixture(scope="module")
async def served(gateway: Running) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{gateway.url}/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_the_served_document_has_every_service(served: dict[str, Any]) -> None:
    assert served["openapi"].startswith("3.1")
    assert "post" in served["paths"]["/identity/v1/token"]
    for service in registry():
        assert f"{service.prefix}/health" in served["paths"]
    assert "/health" in served["paths"]  # the gateway's own
    assert "x-unavailable-services" not in served


async def test_the_served_document_lists_every_event_type_as_a_webhook(served: dict[str, Any]) -> None:
    from panjereh_contract.event_types import event_types

    assert set(served["webhooks"]) == set(event_types())
    for item in served["webhooks"].values():
        ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert _resolves(served, ref)


async def test_the_served_document_is_consistent(served: dict[str, Any]) -> None:
    operation_ids = [
        op["operationId"] for item in served["paths"].values() for op in item.values() if "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))
    refs = _refs(served)
    assert refs
    assert [ref for ref in refs if not _resolves(served, ref)] == []


async def test_the_served_document_is_valid_openapi(served: dict[str, Any]) -> None:
    import schemathesis

    schema = schemathesis.openapi.from_dict(served)
    assert len(list(schema.get_all_operations())) >= len(registry().services)
