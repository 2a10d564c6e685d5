"""A small app built with kit alone, on its own schema of the test database."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from kit_testing import app_client
from kit_testing.tokens import new_es256_key, sign_access_token
from pydantic import BaseModel, Field
from sqlalchemy import DateTime, String, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit import audit
from kit.app import Hook, ServiceSpec, create_service_app
from kit.audit_api import audit_router
from kit.auth import PrincipalDep, TokenVerifier
from kit.db import SessionDep, service_metadata, statement_connection
from kit.errors import ProblemError
from kit.feeds import feed_cursor_table, seen_events_table
from kit.idempotency import IdempotentRoute, idempotency_table
from kit.outbox import outbox_table, publish
from kit.pagination import Page, PageParams, encode_cursor, fetch_page, page_of, page_params
from kit.runtime import Runtime, ServiceState, runtime_of
from kit.settings import ServiceSettings, async_database_url
from kit.signatures import signature_jti_table

SCHEMA = "kit_test"
ISSUER = "https://panjereh.ir/identity"
AUDIENCE = "panjereh"
metadata = service_metadata(SCHEMA)
keys_table = idempotency_table(metadata)
jtis_table = signature_jti_table(metadata)
audit_log = audit.audit_table(metadata)
outbox_events = outbox_table(metadata)
feed_cursors = feed_cursor_table(metadata)
seen_events = seen_events_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Widget(Base):
    __tablename__ = "widgets"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(server_default=text("nextval('kit_test.widget_seq')"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WidgetIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    delay: float = Field(default=0, ge=0, le=5)


class WidgetOut(BaseModel):
    id: uuid.UUID
    seq: int
    name: str


class Teapot(ProblemError):
    status = 418
    code = "teapot"
    title = "I am a teapot"
    title_fa = "قوری"


router = APIRouter(route_class=IdempotentRoute)


@router.post("/widgets", status_code=201)
async def create_widget(data: WidgetIn, session: SessionDep, _: PrincipalDep) -> WidgetOut:
    widget = Widget(name=data.name)
    session.add(widget)
    await session.flush()
    await session.refresh(widget)
    if data.delay:
        await asyncio.sleep(data.delay)
    return WidgetOut(id=widget.id, seq=widget.seq, name=widget.name)


@router.post("/widgets/fail", status_code=201)
async def create_then_fail(data: WidgetIn, session: SessionDep) -> WidgetOut:
    session.add(Widget(name=data.name))
    await session.flush()
    raise RuntimeError("boom after a write")


@router.post("/fast-widgets", status_code=201)
async def create_widget_in_one_statement(data: WidgetIn, request: Request) -> WidgetOut:
    """One INSERT on ``statement_connection`` (no session); a name starting with ``fail`` is
    refused after the write, to show which unit of work the write belonged to."""
    async with statement_connection(request) as conn:
        row = await conn.fetchrow(
            f"INSERT INTO {SCHEMA}.widgets (id, name) VALUES ($1, $2) RETURNING id, seq, name",
            uuid.uuid4(),
            data.name,
        )
    if data.delay:
        await asyncio.sleep(data.delay)
    if data.name.startswith("fail"):
        raise Teapot("Refused after the write.")
    return WidgetOut(id=row["id"], seq=row["seq"], name=row["name"])


@router.get("/widgets")
async def list_widgets(
    request: Request, session: SessionDep, params: Annotated[PageParams, Depends(page_params)]
) -> Page[WidgetOut]:
    rows = await fetch_page(session, select(Widget), order_by=[Widget.seq], params=params)
    items, next_url = page_of(rows, params=params, request=request, key_of=lambda w: (w.seq,))
    return Page[WidgetOut](items=[WidgetOut(id=w.id, seq=w.seq, name=w.name) for w in items], next=next_url)


@router.post("/widgets/{seq}/inspect", status_code=204)
async def inspect_widget(seq: int, request: Request, session: SessionDep, principal: PrincipalDep) -> None:
    """Audited: an inspection by the caller is recorded; seq 0 is refused, and its refusal
    recorded apart from the rolled-back transaction."""
    fields = {
        "actor": principal.actor or principal.subject,
        "on_behalf_of": principal.subject,
        "action": "widget.inspect",
        "object_type": "widget",
        "object_id": seq,
    }
    if seq == 0:
        await audit.record_apart(runtime_of(request.app).sessionmaker, audit_log, outcome="refused", **fields)
        raise Teapot("Widget 0 is not inspected.")
    await audit.record(session, audit_log, details={"note": "looked"}, **fields)


@router.get("/widgets/count")
async def count_widgets(session: SessionDep, name: str) -> dict[str, int]:
    count = await session.scalar(select(func.count()).select_from(Widget).where(Widget.name == name))
    return {"count": int(count or 0)}


@router.get("/teapot")
async def teapot() -> None:
    raise Teapot("Short and stout.", extra_field="kept")


@router.get("/crash")
async def crash() -> None:
    raise RuntimeError("secret internal detail")


@router.get("/me")
async def me(principal: PrincipalDep) -> dict[str, Any]:
    return {"subject": principal.subject, "actor": principal.actor}


class SigningKeys:
    """Two ES256 keys the tests sign with; the verifier knows the first only."""

    issuer = ISSUER
    audience = AUDIENCE

    def __init__(self) -> None:
        self.kid, self.pem, self.public = new_es256_key()
        self.other_kid, self.other_pem, self.other_public = new_es256_key()
        self.jwks: dict[str, Any] = {"keys": [self.public]}
        self.fetches = 0

    async def fetch(self) -> dict[str, Any]:
        self.fetches += 1
        return self.jwks

    def token(self, subject: str = "user:1", ttl: int = 600, **claims: Any) -> str:
        return sign_access_token(
            kid=self.kid,
            private_pem=self.pem,
            issuer=ISSUER,
            audience=AUDIENCE,
            subject=subject,
            ttl_seconds=ttl,
            extra_claims=claims,
        )


@pytest.fixture(scope="session")
def signing_keys() -> SigningKeys:
    return SigningKeys()


@pytest.fixture(scope="session")
async def kit_db(database_url: str) -> str:
    engine = create_async_engine(async_database_url(database_url))
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        await conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {SCHEMA}.widget_seq"))
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    return database_url


def build_app(
    database_url: str,
    keys: SigningKeys,
    *,
    signature_verifier: Any = None,
    background: Sequence[Hook] = (),
    **overrides: Any,
) -> FastAPI:
    """A kit test app whose tokens are verified against ``keys`` (and signed requests against
    ``signature_verifier`` when given)."""

    async def state(runtime: Runtime) -> ServiceState:
        verifier = TokenVerifier(
            fetch_jwks=keys.fetch, issuer=ISSUER, audience=AUDIENCE, min_refresh_seconds=0
        )
        return ServiceState(
            runtime=dataclasses.replace(runtime, token_verifier=verifier),
            signature_verifier=signature_verifier,
        )

    values: dict[str, Any] = {"database_url": database_url, "log_level": "WARNING", "gc_tuning": False}
    settings = ServiceSettings(**{**values, **overrides})
    spec = ServiceSpec(
        name=SCHEMA,
        title="kit test app",
        description="Exercises kit.",
        version="0",
        service_dir=Path(__file__).parent,
        settings_factory=lambda: settings,
        routers=[router, audit_router(audit_log)],
        idempotency_table=keys_table,
        outbox_table=outbox_events,
        background=background,
        state=state,
        check_migrations=False,
    )
    return create_service_app(spec, settings)


@pytest.fixture(scope="session")
def kit_app(kit_db: str, signing_keys: SigningKeys) -> Callable[..., FastAPI]:
    """``kit_app(**settings)``: another test app on the test database, with these settings."""
    return lambda **overrides: build_app(kit_db, signing_keys, **overrides)


@pytest.fixture(scope="session")
async def kit_client(kit_db: str, signing_keys: SigningKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(build_app(kit_db, signing_keys, idempotency_wait_seconds=0.5)) as client:
        yield client


@pytest.fixture
def auth(signing_keys: SigningKeys) -> dict[str, str]:
    return {"Authorization": f"Bearer {signing_keys.token()}"}


@pytest.fixture
async def sessions(kit_db: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(async_database_url(kit_db))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def tail(sessions: async_sessionmaker[AsyncSession]) -> str:
    """The cursor after every event written so far (other tests write to the same outbox)."""
    async with sessions() as session:
        last = await session.scalar(select(func.coalesce(func.max(outbox_events.c.id), 0)))
    return encode_cursor([last])


async def write(session: AsyncSession, name: str, **fields: Any) -> uuid.UUID:
    return await publish(session, outbox_events, "widget.made", f"widget:{name}", {"name": name}, **fields)


async def committed(sessions: async_sessionmaker[AsyncSession], *names: str) -> list[uuid.UUID]:
    async with sessions.begin() as session:
        return [await write(session, name) for name in names]
