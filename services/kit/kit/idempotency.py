"""Idempotency-Key for POSTs that create (draft-ietf-httpapi-idempotency-key-header).

The key row and the business writes share one transaction, so a stored answer
always matches stored data, and a failure stores neither:

* first request: INSERT the key (``ON CONFLICT DO NOTHING``), run the handler
  on the same session, save the answer in the row, COMMIT;
* a concurrent duplicate blocks on the unique key until the first commits,
  then replays its answer; if the first is still running after
  ``idempotency_wait_seconds`` it gets 409;
* the same key with another body (or path) gets 422;
* a 5xx or an exception rolls everything back, so the client may retry.

Keys are scoped to the caller (token subject and actor), so one client can
never read another's answer. Opt in with ``APIRouter(route_class=IdempotentRoute)``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.canonical_json import NotCanonicalisable, canonical
from kit.errors import ProblemError, merge_problem_responses, problem_responses
from kit.runtime import runtime

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("content-type", "location", "etag")
logger = logging.getLogger("kit.idempotency")


class IdempotencyKeyInvalid(ProblemError):
    status = 400
    code = "idempotency-key-invalid"
    title = "The Idempotency-Key header is not valid"


class IdempotencyKeyReused(ProblemError):
    status = 422
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used for another request"
    title_fa = "این کلید یکتایی برای درخواست دیگری به کار رفته است"


class IdempotencyRequestInFlight(ProblemError):
    status = 409
    code = "idempotency-request-in-flight"
    title = "A request with this Idempotency-Key is still being processed"
    title_fa = "درخواستی با همین کلید یکتایی در حال پردازش است"


def idempotency_table(metadata: MetaData) -> Table:
    """The key store, created in the service's own schema by its migrations."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("owner", String(300), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", SmallInteger, nullable=True),
        Column("response_body", LargeBinary, nullable=True),
        Column("response_headers", JSONB, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )


def _fingerprint(request: Request, body: bytes) -> str:
    """What makes a retry "the same request": method, path, query and the body in its
    canonical JSON form (key order and whitespace aside); a body that is not JSON as sent."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0" + request.url.path.encode() + b"\0" + request.url.query.encode() + b"\0")
    try:
        digest.update(b"json\0" + canonical(body))
    except NotCanonicalisable:
        digest.update(b"raw\0" + body)
    return digest.hexdigest()


async def _owner(request: Request) -> str:
    """The caller the key belongs to: verified subject and actor, else the client address."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        try:
            principal = await runtime(request).token_verifier.verify(auth[7:].strip())
        except ProblemError:
            principal = None
        if principal is not None:
            return f"{principal.subject}|{principal.actor or ''}"
    host = request.client.host if request.client else "unknown"
    return f"anonymous|{host}"


def _replay(row: Any) -> Response:
    headers = dict(row.response_headers or {})
    headers[REPLAYED_HEADER] = "true"
    media_type = headers.pop("content-type", None)
    return Response(
        row.response_body or b"", status_code=row.status_code, headers=headers, media_type=media_type
    )


async def run_idempotent(
    request: Request, key: str, handler: Callable[[Request], Awaitable[Response]]
) -> Response:
    if not KEY_PATTERN.fullmatch(key):
        raise IdempotencyKeyInvalid(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (a UUID is best)."
        )
    rt = runtime(request)
    table: Table = rt.idempotency_table
    wait_ms = int(rt.settings.idempotency_wait_seconds * 1000)
    body = await request.body()
    fingerprint = _fingerprint(request, body)
    owner = await _owner(request)
    session: AsyncSession = rt.sessionmaker()
    try:
        await session.execute(text(f"SET LOCAL lock_timeout = '{wait_ms}ms'"))
        try:
            inserted = await session.scalar(
                insert(table)
                .values(owner=owner, key=key, fingerprint=fingerprint)
                .on_conflict_do_nothing()
                .returning(table.c.key)
            )
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise IdempotencyRequestInFlight(
                    "Wait for the first request to finish, then retry with the same key."
                ) from exc
            raise
        if inserted is None:
            row = (
                await session.execute(select(table).where(table.c.owner == owner, table.c.key == key))
            ).one()
            await session.rollback()
            if row.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    f"The {HEADER} {key!r} was first used with another request body or path; "
                    "use a new key for a new request."
                )
            return _replay(row)
        await session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))

        request.state.db_session = session
        response = await handler(request)
        if response.status_code >= 500 or not hasattr(response, "body"):
            await session.rollback()
            return response
        headers = {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS}
        await session.execute(
            update(table)
            .where(table.c.owner == owner, table.c.key == key)
            .values(
                status_code=response.status_code, response_body=bytes(response.body), response_headers=headers
            )
        )
        await session.commit()
        return response
    except BaseException:
        await session.rollback()
        raise
    finally:
        request.state.db_session = None
        await session.close()


class IdempotentRoute(APIRoute):
    """A route whose POST honours ``Idempotency-Key`` (and documents it)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in (kwargs.get("methods") or [])}
        if "POST" in methods:
            extra = dict(kwargs.get("openapi_extra") or {})
            params = list(extra.get("parameters", []))
            params.append(
                {
                    "name": HEADER,
                    "in": "header",
                    "required": False,
                    "description": (
                        "A unique key (a UUID is best) that makes a retry safe: the same key and body "
                        "replay the first answer with `Idempotent-Replayed: true`; the same key with "
                        "another body is 422; while the first is running, 409. Keys live 24 hours."
                    ),
                    "schema": {"type": "string", "pattern": f"^{KEY_PATTERN.pattern}$"},
                }
            )
            extra["parameters"] = params
            kwargs["openapi_extra"] = extra
            kwargs["responses"] = merge_problem_responses(
                kwargs.get("responses") or {},
                problem_responses(IdempotencyKeyInvalid, IdempotencyRequestInFlight, IdempotencyKeyReused),
            )
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            key = request.headers.get(HEADER)
            if key is None or request.method != "POST":
                return await original(request)
            return await run_idempotent(request, key, original)

        return handler


async def purge_expired(sessionmaker: async_sessionmaker[AsyncSession], table: Table, ttl_hours: int) -> int:
    """Delete keys older than the TTL; returns how many."""
    cutoff = datetime.now(UTC) - timedelta(hours=ttl_hours)
    async with sessionmaker() as session, session.begin():
        result = await session.execute(delete(table).where(table.c.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
