"""OpenAPI 3.1 documents with problem+json responses and our security scheme."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from kit.errors import PROBLEM_JSON, document_common_422
from kit.json_body import BODY_MODELS


class ProblemFieldError(BaseModel):
    pointer: str = Field(description="JSON pointer to the field, e.g. `#/body/items/0/hs_code`.")
    detail: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details. Switch on `code`; show `title`/`title_fa` to people."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str = Field(description="Stable machine-readable error code.")
    request_id: str | None = Field(default=None, description="Quote it when reporting a problem.")
    title_fa: str | None = None
    errors: list[ProblemFieldError] | None = None


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error documented as problem+json."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version="3.1.0",
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    _name_form_bodies(app, doc, schemas)
    _add_body_models(doc, schemas)
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            document_common_422(responses)
            responses.setdefault(
                "default",
                {
                    "description": "An error, as RFC 9457 problem details.",
                    "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
                },
            )
    return doc


def _name_form_bodies(app: FastAPI, doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """FastAPI names a form or multipart body ``Body_<operation id>`` (e.g.
    ``Body_add_attachment_v1_order_files__file_id__attachments_post``): a name that moves
    with the path and that client generators turn into noise. Each becomes
    ``<Endpoint>Form`` (``AddAttachmentForm``), and every reference follows."""
    renamed: dict[str, str] = {}
    for route in app.routes:
        old = f"Body_{getattr(route, 'unique_id', '')}"
        if old in schemas:
            new = "".join(part.capitalize() for part in route.name.split("_")) + "Form"
            if new in schemas or new in renamed.values():
                raise RuntimeError(f"two form bodies would be named {new}: rename an endpoint")
            renamed[old] = new
    for old, new in renamed.items():
        schema = schemas.pop(old)
        schema["title"] = new
        schemas[new] = schema
    refs = {f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in renamed.items()}

    def follow(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") in refs:
                node["$ref"] = refs[node["$ref"]]
            for value in node.values():
                follow(value)
        elif isinstance(node, list):
            for value in node:
                follow(value)

    if refs:
        follow(doc)


def _add_body_models(doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """The schemas of request bodies documented through ``kit.json_body.documented``."""
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            ref = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("$ref", "")
                if isinstance(operation, dict)
                else ""
            )
            name = ref.removeprefix("#/components/schemas/")
            model = BODY_MODELS.get(name)
            if model is None or name in schemas:
                continue
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for def_name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(def_name, definition)
            schemas[name] = schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
