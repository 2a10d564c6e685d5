"""Deliveries in tests: a webhook receiver served over real HTTP, the collaborators other domains
provide (signing secrets, visibility) as minimal local versions, and factories writing
subscriptions and messages as the subscriptions API and the fan-out would."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from notifications_client.messages import MessageBody
from notifications_client.webhooks import new_secret
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response
from starlette.routing import Route

from kit.runtime import runtime_of, state_of
from notifications.messages.dispatcher import Delivery
from notifications.messages.models import Message, MessageAttempt
from notifications.state import NotificationsState
from notifications.subscriptions.models import Subscription, SubscriptionSecret
from notifications.subscriptions.repository import signing_secrets
from notifications.webhooks.transport import guarded_pool
from panjereh_contract.events import EventObject


@dataclass
class Received:
    name: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Webhook endpoints ``/hooks/{name}``: each records what it got and answers what its script
    says (a list of (status, headers, delay) consumed one per request, then ``default``)."""

    received: list[Received] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, dict[str, str], float]]] = field(default_factory=dict)
    defaults: dict[str, tuple[int, dict[str, str], float]] = field(default_factory=dict)

    def of(self, name: str) -> list[Received]:
        return [r for r in self.received if r.name == name]

    def app(self) -> Starlette:
        async def hook(request: StarletteRequest) -> Response:
            name = request.path_params["name"]
            body = await request.body()
            script = self.scripts.get(name)
            status, headers, delay = script.pop(0) if script else self.defaults.get(name, (204, {}, 0.0))
            if delay:
                await asyncio.sleep(delay)
            self.received.append(Received(name, dict(request.headers), body, time.monotonic()))
            return Response(status_code=status, headers=headers)

        return Starlette(routes=[Route("/hooks/{name}", hook, methods=["POST"])])


# Principals whose representation grants are "revoked": still_visible answers no for their messages.
REVOKED: set[str] = set()


async def local_still_visible(state: Any, messages: Sequence[Message]) -> set[int]:
    """The visibility re-check as a switch (``REVOKED``), so the dispatcher's and the box's
    withholding are tested alone; the real one, asking identity, is tested in test_visibility."""
    return {m.id for m in messages if m.principal not in REVOKED}


# The real secrets and SSRF-guarded transport (sandbox: the receiver is on 127.0.0.1).
TEST_DELIVERY = Delivery(
    signing_secrets=signing_secrets,
    still_visible=local_still_visible,
    pool=lambda limits, tls: guarded_pool(sandbox=True, limits=limits, ssl_context=tls),
)


@dataclass
class Deliveries:
    """The notifications app with its dispatcher on (small timings), the receiver, and factories."""

    api: httpx.AsyncClient
    app: FastAPI
    receiver: Receiver
    receiver_url: str

    @property
    def sessionmaker(self) -> Any:
        return runtime_of(self.app).sessionmaker

    def wake(self) -> None:
        dispatcher = state_of(self.app, NotificationsState).dispatcher
        assert dispatcher is not None
        dispatcher.wake()

    async def subscribe(
        self, owner: str, url: str | None, *, state: str = "active", secrets: int = 1
    ) -> tuple[uuid.UUID, list[str]]:
        keys = [new_secret() for _ in range(secrets)]
        async with self.sessionmaker() as session, session.begin():
            sub = Subscription(owner=owner, event_types=["*"], webhook_url=url, state=state)
            session.add(sub)
            await session.flush()
            for key in keys:
                session.add(SubscriptionSecret(subscription_id=sub.id, secret=key))
        return sub.id, keys

    async def message(
        self,
        subscription_id: uuid.UUID,
        object_key: str = "order-file:1",
        *,
        seq: int = 0,
        basis: str = "own",
        principal: str | None = None,
        due: bool = True,
        **columns: Any,
    ) -> Message:
        """A message as the fan-out makes it (due now), its body carrying ``seq``."""
        now = dt.datetime.now(dt.UTC)
        event_id = uuid.uuid4()
        kind, _, object_id = object_key.partition(":")
        body = MessageBody(
            type="orders.order-file.approved",
            timestamp=now,
            event_id=event_id,
            subject=principal or "user:owner",
            object=EventObject(kind=kind, id=object_id, url=f"/orders/v1/order-files/{object_id}"),
            data={"seq": seq},
        )
        async with self.sessionmaker() as session, session.begin():
            values: dict[str, Any] = {
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now if due else None,
                **columns,
            }
            message = Message(
                subscription_id=subscription_id,
                event_id=event_id,
                type=body.type,
                object_key=object_key,
                basis=basis,
                principal=principal,
                body=body.model_dump(mode="json"),
                occurred_at=now,
                **values,
            )
            session.add(message)
        self.wake()
        return message

    async def messages(self, subscription_id: uuid.UUID) -> list[Message]:
        async with self.sessionmaker() as session:
            rows = await session.scalars(
                select(Message).where(Message.subscription_id == subscription_id).order_by(Message.id)
            )
            return list(rows.all())

    async def attempts(self, subscription_id: uuid.UUID) -> list[MessageAttempt]:
        async with self.sessionmaker() as session:
            rows = await session.scalars(
                select(MessageAttempt)
                .where(MessageAttempt.subscription_id == subscription_id)
                .order_by(MessageAttempt.id)
            )
            return list(rows.all())

    async def subscription(self, subscription_id: uuid.UUID) -> Subscription:
        async with self.sessionmaker() as session:
            sub = await session.get(Subscription, subscription_id)
            assert sub is not None
            return sub


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until ``check()`` holds (polling), or fail."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.02)


@dataclass
class Owner:
    """A caller: its token's subject and the headers carrying the token."""

    subject: str
    headers: dict[str, str]
