"""RFC 9457 problem details for every error a service returns.

Each failure is one ``ProblemError`` subclass with a stable ``code``; clients
switch on ``code``, people read ``title``/``detail`` (and ``title_fa``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from kit.forwarded import caller_path
from kit.registry import registry
from kit.request_context import current_request_id

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://panjereh.ir/problems/"
logger = logging.getLogger("kit.errors")


def field_pointer(*loc: str | int) -> str:
    """The JSON pointer (RFC 6901, as a URI fragment) of a field: ``field_pointer("body", "items", 0, "hs")``
    or ``field_pointer(*error["loc"])`` -> ``#/body/items/0/hs``. The ``pointer`` of every ``errors`` entry."""
    return "#/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def field_error(pointer: str, detail: str, type_: str) -> dict[str, str]:
    """One entry of a problem's ``errors``: the field at fault (a JSON pointer), why, and a stable type."""
    return {"pointer": pointer, "detail": detail, "type": type_}


class ProblemError(Exception):
    """Base of every error a service raises on purpose."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    title_fa: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra


class NotFound(ProblemError):
    status = 404
    code = "not-found"
    title = "Resource not found"
    title_fa = "یافت نشد"


class Unauthenticated(ProblemError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"
    title_fa = "احراز هویت لازم است"

    def __init__(self, detail: str | None = None, *, token_sent: bool = True, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": bearer_challenge(detail, token_sent)}, **extra)


class TokenExpired(Unauthenticated):
    """A well-signed access token past its ``exp``: the client refreshes it, it did nothing wrong."""

    code = "token-expired"
    title = "Access token expired"
    title_fa = "توکن دسترسی منقضی شده است"


def bearer_challenge(description: str | None, token_sent: bool) -> str:
    """The ``WWW-Authenticate`` value (RFC 6750 §3): no error code when no token was sent,
    else ``invalid_token`` with ``error_description`` (quotes and backslashes dropped, ASCII only)."""
    if not token_sent:
        return 'Bearer realm="panjereh"'
    text = "".join(c for c in (description or "") if " " <= c <= "~" and c not in '"\\')
    return f'Bearer realm="panjereh", error="invalid_token", error_description="{text}"'


class Forbidden(ProblemError):
    status = 403
    code = "forbidden"
    title = "Not allowed"
    title_fa = "دسترسی مجاز نیست"


class InvalidCursor(ProblemError):
    status = 400
    code = "invalid-cursor"
    title = "The pagination cursor is not valid"


class ValidationFailed(ProblemError):
    """A request that breaks its schema (FastAPI's validation); ``errors`` points at each bad field."""

    status = 422
    code = "validation-failed"
    title = "The request is not valid"
    title_fa = "درخواست نامعتبر است"


class InvalidValue(ProblemError):
    """A value the database cannot store (PostgreSQL class 22: NUL in text, out of range...)."""

    status = 422
    code = "invalid-value"
    title = "A value in the request cannot be accepted"
    title_fa = "مقداری در درخواست پذیرفتنی نیست"


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    title_fa: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "request_id": current_request_id(),
    }
    if title_fa:
        body["title_fa"] = title_fa
    body.update(extra)
    return body


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
    title_fa: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body = problem_body(
        status=status, code=code, title=title, detail=detail, instance=instance, title_fa=title_fa, **extra
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _problem_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        title_fa=exc.title_fa,
        detail=exc.detail,
        instance=caller_path(request),
        headers=exc.headers,
        **exc.extra,
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        field_error(
            field_pointer(*err.get("loc", ())), err.get("msg", "invalid"), err.get("type", "value_error")
        )
        for err in exc.errors()
    ]
    fields = ", ".join(e["pointer"] for e in errors[:5])
    return problem_response(
        status=ValidationFailed.status,
        code=ValidationFailed.code,
        title=ValidationFailed.title,
        title_fa=ValidationFailed.title_fa,
        detail=f"{len(errors)} field(s) failed validation: {fields}",
        instance=caller_path(request),
        errors=errors,
    )


_HTTP_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
}


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http-{exc.status_code}")
    title = code.replace("-", " ").capitalize()
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route matches {request.method} {request.url.path}"
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}."
    return problem_response(
        status=exc.status_code,
        code=code,
        title=title,
        detail=detail,
        instance=caller_path(request),
        headers=headers,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route offers on this path (Starlette lists only the
    first matching route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\0"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _data_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL class 22 (data exception: NUL in text, a value too long, out of
    range...) is the caller's bad input, not our failure. Other database errors
    stay 500s."""
    assert isinstance(exc, DBAPIError)
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if not sqlstate.startswith("22"):
        raise exc
    message = str(getattr(exc.orig, "args", [""])[0] or "").split("\n")[0]
    reason = message.rsplit(": ", 1)[-1] if message else "a value cannot be stored"
    return problem_response(
        status=InvalidValue.status,
        code=InvalidValue.code,
        title=InvalidValue.title,
        title_fa=InvalidValue.title_fa,
        detail=f"A value in the request cannot be accepted ({reason}). Text may not contain NUL characters.",
        instance=caller_path(request),
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every handled error as problem+json. Unhandled ones are caught by
    ``RequestContextMiddleware`` (a 500 without stack trace)."""
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(DBAPIError, _data_exception_handler)


# The order every endpoint checks a request in, so that the first refusal a client meets
# does not depend on the endpoint; the API descriptions show it (``REFUSALS_MARKDOWN``).
CHECK_ORDER: tuple[tuple[str, str], ...] = (
    (
        "400, 409, 422",
        "`Idempotency-Key`, on a POST that sends one: its form (`idempotency-key-invalid`), then a "
        "retry still running (`idempotency-request-in-flight`) or the key used for another request "
        "(`idempotency-key-reused`); a finished retry is replayed before anything else runs",
    ),
    (
        "401, 403",
        "authenticate: a missing, invalid or expired access token (401); an endpoint for one kind of "
        "caller only (a person's own token, an administrator, a feed client) refuses the others (403)",
    ),
    (
        "422",
        "the request's form against its schema (`validation-failed`; a body that is not JSON at all "
        "is refused even before step 2)",
    ),
    (
        "403",
        "an act only one role performs, refused to every other caller before any object is looked up "
        "(a merchant to register, an officer to decide)",
    ),
    (
        "404",
        "find the object: one the caller may not see, or above the access level of their grant, "
        "answers 404 as well, never 403",
    ),
    (
        "403",
        "access to this object: the owner only, the grant's scope, the role the owner's act needs, "
        "a conflict of interest",
    ),
    (
        "428, 412, 400, 403, 409",
        "the version: `If-Match` absent (428) or stale (412); on a signed act the `Panjereh-Signature`, "
        "which binds the version: absent (428), malformed (400), its key, binding or validity refused "
        "(403), its `jti` already used (409)",
    ),
    ("409", "the object's state"),
    (
        "422, 400, 503",
        "the content against the endpoint's own checks (its own codes; a list's paging cursor, "
        "`invalid-cursor`), then the services it asks (503)",
    ),
)
REFUSALS_MARKDOWN = (
    "## Refusals\n\n"
    "Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`: switch on "
    "`code`, show `title`/`title_fa` and `detail`. Each response of each operation lists the codes it "
    "can carry (in its description and in `x-problem-codes`). A request is checked in this order, the "
    "same on every endpoint, and the first check that fails answers:\n\n"
    + "\n".join(f"{n}. **{statuses}**: {step}" for n, (statuses, step) in enumerate(CHECK_ORDER, start=1))
)


def problem_doc(description: str) -> dict[str, Any]:
    """A documented problem response (an entry of a route's ``responses``), worded for the route."""
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_doc(description)
    for status, description in (
        (400, "Bad request"),
        (
            401,
            "Missing or invalid token (`unauthenticated`), or a valid token past its expiry "
            f"(`token-expired`, with `expired_at`: refresh it at `POST {registry().token_service.token_endpoint}`)",
        ),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflict"),
        (410, "Expired"),
        (412, "The `If-Match` ETag is stale: it changed since it was read"),
        (422, "Validation failed: `errors` points at each bad field"),
        (428, "`If-Match` is required"),
        (429, "Rate limited"),
        (500, "Internal error"),
        (502, "A service this one depends on failed"),
        (503, "Unavailable now; nothing was done (retry after `Retry-After`)"),
    )
}


_CODES_INTRO = "\n\n`code` is one of:\n\n| code | meaning |\n|---|---|\n"
CODES_KEY = "x-problem-codes"
# Refusals any endpoint taking input can answer, merged into each documented 422.
COMMON_422: tuple[type[ProblemError], ...] = (ValidationFailed, InvalidValue)

Refusal = int | type[ProblemError]


def problem_responses(
    *refusals: Refusal, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The documented problem responses of a route: statuses (``401``) and the
    ``ProblemError`` classes it can raise, grouped by status. A status with classes lists
    every ``code`` (with its title) in its description and in ``x-problem-codes``
    (``{code: title}``), so a client sees what it must handle; ``described`` gives a
    status the route's own wording (503: which service did not answer)::

        responses=problem_responses(401, AccountNotFound, NameTaken)
    """
    codes: dict[int, dict[str, str]] = {}
    for refusal in refusals:
        if isinstance(refusal, int):
            codes.setdefault(refusal, {})
        else:
            codes.setdefault(refusal.status, {})[refusal.code] = refusal.title
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted(codes):
        base = (described or {}).get(status) or _base_description(status)
        out[status] = _response(base, codes[status])
    return out


def merge_problem_responses(
    first: dict[int | str, dict[str, Any]], second: dict[int | str, dict[str, Any]]
) -> dict[int | str, dict[str, Any]]:
    """Two sets of documented responses as one: a status in both lists the codes of both,
    under the description of ``first``."""
    out = {**second, **first}
    for status in first.keys() & second.keys():
        a, b = first[status], second[status]
        if CODES_KEY in a or CODES_KEY in b:
            base = a["description"].split(_CODES_INTRO)[0]
            out[status] = _response(base, {**a.get(CODES_KEY, {}), **b.get(CODES_KEY, {})})
    return out


def document_common_422(responses: dict[str, Any]) -> None:
    """Make an operation's documented 422 (FastAPI's own or the route's) list the
    refusals of any request with input (``COMMON_422``) before the route's own."""
    if "422" not in responses:
        return
    declared = responses["422"]
    own = declared.get(CODES_KEY, {}) if isinstance(declared, dict) else {}
    common = {cls.code: cls.title for cls in COMMON_422}
    responses["422"] = _response(_base_description(422), {**common, **own})


def _base_description(status: int) -> str:
    if status in PROBLEM_RESPONSES:
        return str(PROBLEM_RESPONSES[status]["description"])
    return HTTPStatus(status).phrase


def _response(description: str, codes: dict[str, str]) -> dict[str, Any]:
    response = problem_doc(description)
    if codes:
        rows = "".join(f"| `{code}` | {title.replace('|', '/')} |\n" for code, title in codes.items())
        response["description"] = description + _CODES_INTRO + rows.rstrip("\n")
        response[CODES_KEY] = codes
    return response
