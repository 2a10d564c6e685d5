"""OpenAPI 3.1 documents with problem+json responses and our security scheme.

Operation IDs are the route functions' names (``create_file``), unique within a
service; the gateway's merge puts the service in front (``orders_create_file``).
FastAPI's default (``create_file_v1_order_files_post``) repeats the method and
path and changes whenever a path does, which renames every generated client
method with it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from kit.errors import PROBLEM_JSON, document_common_422
from kit.json_body import BODY_MODELS
from kit.openapi_headers import document_headers
from panjereh_contract.problems import Problem

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
        webhooks=app.webhooks.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    _name_form_bodies(app, doc, schemas)
    _name_operations(app, doc)
    _lift_one_of_members(doc, schemas)
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
    document_headers(doc)
    _document_unpaged_lists(doc, schemas)
    _drop_webhook_validation_answers(doc)
    return doc


def _drop_webhook_validation_answers(doc: dict[str, Any]) -> None:
    """A webhook is a request the service sends: the receiver's answers are its own, so the 422
    FastAPI adds to every operation with a body (referring to the schema dropped above) goes."""
    for path_item in doc.get("webhooks", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)


UNPAGED = "Not paged: the whole list in one answer (no `limit`, no `cursor`; they are ignored)."


def _document_unpaged_lists(doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A list a GET answers whole (an array, or ``items`` and no ``next`` link) says so, so that a
    client does not send ``limit`` expecting pages; the paged ones take ``limit`` and ``cursor``
    (``kit.pagination``) and answer ``next``."""
    for path_item in doc.get("paths", {}).values():
        operation = path_item.get("get")
        if not isinstance(operation, dict):
            continue
        schema = (
            operation.get("responses", {})
            .get("200", {})
            .get("content", {})
            .get("application/json", {})
            .get("schema", {})
        )
        schema = schemas.get(schema.get("$ref", "").removeprefix("#/components/schemas/"), schema)
        properties = schema.get("properties", {})
        whole = schema.get("type") == "array" or properties.get("items", {}).get("type") == "array"
        if whole and "next" not in properties:
            description = operation.get("description", "")
            operation["description"] = f"{description}\n\n{UNPAGED}" if description else UNPAGED


def _lift_one_of_members(doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """An inline object in an operation's ``oneOf`` (the token endpoint's form, one per grant type)
    becomes the component its ``title`` names and is referred to: a generator then names its model
    after the title, not after the operation and the member's position
    (``IdentityTokenV1TokenPostUrnietf...``). A member without a title is an error."""
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
            for body in bodies:
                for media in body.get("content", {}).values():
                    members = media.get("schema", {}).get("oneOf", [])
                    for index, member in enumerate(members):
                        if "$ref" in member:
                            continue
                        title = member.get("title")
                        if not title or not title.isidentifier():
                            raise RuntimeError(f"oneOf member without a component-like title: {member}")
                        if schemas.setdefault(title, member) != member:
                            raise RuntimeError(f"two different schemas would be named {title}")
                        members[index] = {"$ref": f"#/components/schemas/{title}"}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _route_names(app: FastAPI) -> dict[str, str]:
    """FastAPI's default operation ID of each route (also in its form body's name) -> the
    route's name, included routers' routes too."""
    return {
        context.unique_id: context.name
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    }


def _name_operations(app: FastAPI, doc: dict[str, Any]) -> None:
    """Each operation's ID becomes its route function's name (see the module's docstring), and an
    inline answer's title (FastAPI's ``Response <default ID>``) ``<Name>Response``."""
    names = _route_names(app)
    seen: set[str] = set()
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or operation.get("operationId") not in names:
                continue
            name = names[operation["operationId"]]
            if name in seen:
                raise RuntimeError(f"two operations would have the ID {name}: rename an endpoint")
            seen.add(name)
            operation["operationId"] = name
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    if media.get("schema", {}).get("title", "").startswith("Response "):
                        media["schema"]["title"] = _camel(name) + "Response"


def _name_form_bodies(app: FastAPI, doc: dict[str, Any], schemas: dict[str, Any]) -> None:
    """FastAPI names a form or multipart body ``Body_<operation id>`` (e.g.
    ``Body_add_attachment_v1_order_files__file_id__attachments_post``): a name that moves
    with the path and that client generators turn into noise. Each becomes
    ``<Endpoint>Form`` (``AddAttachmentForm``), and every reference follows."""
    renamed: dict[str, str] = {}
    for unique_id, name in _route_names(app).items():
        old = f"Body_{unique_id}"
        if old in schemas:
            new = _camel(name) + "Form"
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
