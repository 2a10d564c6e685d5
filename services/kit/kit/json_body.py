"""A request body parsed and validated in one step, for hot endpoints.

FastAPI decodes a JSON body with ``json.loads`` and then validates the Python
objects; ``model_validate_json`` does both in pydantic's Rust core. On the rules
calculations the FastAPI path cost ~20 µs a request, about a tenth of the
whole. An endpoint that takes ``request: Request`` and calls ``parse`` gets the
same 422 problem (pointers under ``#/body``) and, through ``openapi_extra``,
the same documented request body.

A ``RootModel`` body is a union of models told apart by a discriminator (one field
decides which others are allowed). Pydantic puts the chosen variant's tag first in
an error's location; the pointer leaves it out: it names the field in the body.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, RootModel, ValidationError

from kit.errors import PROBLEM_RESPONSES

ModelT = TypeVar("ModelT", bound=BaseModel)

# Models documented as request bodies this way, by schema name; kit.openapi adds their schemas.
BODY_MODELS: dict[str, type[BaseModel]] = {}


async def parse(request: Request, model: type[ModelT]) -> ModelT:
    """The request's JSON body as ``model``, or a 422 naming each bad field."""
    body = await request.body()
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        tagged = issubclass(model, RootModel)
        errors = [
            {**error, "loc": ("body", *(error["loc"][1:] if tagged else error["loc"]))}
            for error in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise RequestValidationError(errors, body=body) from None


def documented(model: type[BaseModel]) -> dict[str, Any]:
    """Route arguments documenting ``model`` as the required JSON body, and its 422."""
    known = BODY_MODELS.setdefault(model.__name__, model)
    if known is not model:
        raise ValueError(f"two request-body models are named {model.__name__}")
    return {
        "openapi_extra": {
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
                },
            }
        },
        "responses": {422: PROBLEM_RESPONSES[422]},
    }
