"""The hot-path helpers behave exactly as what they replace: routing, JSON bodies, request IDs, text types."""

from __future__ import annotations

import os
import re

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel, TypeAdapter, ValidationError

from kit import json_body
from kit.errors import install_problem_handlers
from kit.openapi import install_openapi
from kit.request_context import _mint, set_request_id
from kit.routing import ExactPathIndex
from panjereh_contract.types import single_line


class Order(BaseModel):
    quantity: int
    name: str


def routed_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_openapi(app)

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        return {"route": "item", "id": item_id}

    @app.get("/items/special")  # shadowed by the parameterised route above, as in a scan
    async def special() -> dict[str, str]:
        return {"route": "special"}

    @app.get("/stock")
    async def stock() -> dict[str, str]:
        return {"route": "stock-get"}

    @app.put("/stock")
    async def stock_put() -> dict[str, str]:
        return {"route": "stock-put"}

    @app.post("/orders", **json_body.documented(Order))
    async def create_order(request: Request) -> dict[str, int]:
        order = await json_body.parse(request, Order)
        return {"quantity": order.quantity}

    app.router.routes.insert(0, ExactPathIndex(app.router.routes))
    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=routed_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def test_index_holds_only_paths_a_scan_would_give_it() -> None:
    index = ExactPathIndex(routed_app().router.routes)
    assert len(index.by_path["/stock"]) == 2
    assert "/items/special" not in index.by_path
    assert "/items/{item_id}" not in index.by_path


async def test_routes_answer_as_without_the_index(client: httpx.AsyncClient) -> None:
    assert (await client.get("/items/special")).json() == {"route": "item", "id": "special"}
    assert (await client.get("/stock")).json() == {"route": "stock-get"}
    assert (await client.put("/stock")).json() == {"route": "stock-put"}
    refused = await client.delete("/stock")
    assert refused.status_code == 405
    assert set(refused.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "PUT"}
    assert (await client.get("/nowhere")).status_code == 404


async def test_json_body_errors_point_into_the_body(client: httpx.AsyncClient) -> None:
    assert (await client.post("/orders", json={"quantity": 3, "name": "x"})).json() == {"quantity": 3}
    bad = await client.post("/orders", json={"quantity": "many"})
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} == {"#/body/quantity", "#/body/name"}
    broken = await client.post("/orders", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["type"] == "json_invalid"


def test_json_body_is_documented_like_a_declared_body() -> None:
    doc = routed_app().openapi()
    operation = doc["paths"]["/orders"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Order"
    }
    assert set(doc["components"]["schemas"]["Order"]["required"]) == {"quantity", "name"}
    assert "422" in operation["responses"]


def test_two_body_models_with_one_name_are_refused() -> None:
    other = type("Order", (BaseModel,), {"__annotations__": {"x": int}})
    with pytest.raises(ValueError, match="named Order"):
        json_body.documented(other)


def test_minted_request_ids_are_unique_valid_and_new_in_a_forked_child() -> None:
    ids = {set_request_id(None) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids)
    assert set_request_id("caller-id.1") == "caller-id.1"
    assert set_request_id("bad id\n") != "bad id\n"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report its first ID and leave at once
        os.write(write, _mint().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child_id = os.read(read, 64).decode()
    assert child_id[:16] != _mint()[:16]


@pytest.mark.parametrize("text", ["ok", "Tehran Customs", "گمرک شهید رجایی"])
def test_single_line_accepts_text(text: str) -> None:
    assert TypeAdapter(single_line(50)).validate_python(text) == text


@pytest.mark.parametrize(
    "text", ["", " lead", "trail ", "two\nlines", "nel\x85", "\x85", "tab\tin", "nul\x00"]
)
def test_single_line_refuses_hidden_characters(text: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(single_line(50)).validate_python(text)
