"""The dispatcher: delivers the pending messages of active subscriptions to their webhooks.

One scheduler loop looks for due work (``repository.due_subscriptions``, a range scan of the
partial index ``ix_messages_due``) every ``delivery_poll_seconds`` or as soon as ``wake()`` is
called, and starts one worker per subscription with due messages (at most
``delivery_max_workers`` at once). A worker leases a batch of its subscription's due messages
(``repository.claim``: oldest first, at most one per object, ``FOR UPDATE SKIP LOCKED`` and a
lease in ``next_attempt_at``), withholds those the subscriber may no longer read, sends the others
concurrently, records every attempt and schedules what failed, then claims again until nothing is
due. A slow or dead endpoint thus only holds its own worker: each subscription has its own HTTP
client (its own connection pool), connect and read timeouts are short, and other subscriptions'
workers run beside it. New messages wake the scheduler at their commit (LISTEN on
``repository.CHANNEL``, NOTIFY'd by ``repository.notify_due``); the poll is the fallback.

Order per object: a message is claimed only when no older message of its object is pending; a
retried message holds its object's later messages back (their ``next_attempt_at`` follows its own)
and releases them when it settles.

Retries: exponential backoff with full jitter (``retry_first_seconds`` doubling up to
``retry_cap_seconds``), ``Retry-After`` honoured on 429 and 503 (up to
``retry_after_cap_seconds``), until ``retry_for_seconds`` after the message was made: then it is
``failed``. When a whole batch fails, the endpoint rather than a message is at fault: until a
probe time (the same backoff per consecutive failed batch, or the Retry-After) none of its
messages is tried, and the failed batch is the probe; one success ends it. A 410 disables the
subscription. Replays (an operator's) are recorded with
``replay=true`` and change neither the message nor the subscription.

Collaborators (``Delivery``): ``signing_secrets(session, subscription_id, now)`` (the secrets that
sign now), ``still_visible(state, messages)`` (IDs of the representation-basis messages still
covered by a live grant), and the SSRF-guarded transport the webhook client uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import logging
import random
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpcore
import httpx
from notifications_client.webhooks import signed_headers
from sqlalchemy.ext.asyncio import AsyncSession

from kit.clock import now_utc
from kit.pg_listener import PgListener
from notifications.config import Settings
from notifications.messages import repository
from notifications.messages.exceptions import GrantsUnavailable
from notifications.messages.metrics import COMMIT_TO_DELIVERY, DELIVERIES, LATENCY
from notifications.messages.models import Message, MessageAttempt
from notifications.subscriptions.models import Subscription
from notifications.subscriptions.repository import signing_secrets
from notifications.visibility import still_visible
from notifications.webhooks.transport import guarded_pool
from panjereh_contract.client import ServiceCallError

if TYPE_CHECKING:
    from kit.runtime import Runtime
    from notifications.state import NotificationsState

logger = logging.getLogger("notifications.dispatcher")

SigningSecrets = Callable[[AsyncSession, uuid.UUID, dt.datetime], Awaitable[Sequence[str]]]
StillVisible = Callable[[Any, Sequence[Message]], Awaitable[set[int]]]
USER_AGENT = "Panjereh-Webhooks/1.0"
GONE_REASON = "The webhook answered 410 Gone."


@dataclass(frozen=True)
class Delivery:
    """What the dispatcher needs from the other domains (injected at start-up)."""

    signing_secrets: SigningSecrets
    still_visible: StillVisible
    # Makes the SSRF-guarded connection pool (notifications.webhooks.transport) of one
    # subscription (each endpoint has its own) with these limits and TLS context.
    pool: Callable[[httpx.Limits, ssl.SSLContext], httpcore.AsyncConnectionPool]


def default_delivery(runtime: Runtime) -> Delivery:
    """The collaborators of the other domains: the subscription's secrets, the visibility
    re-check and the SSRF-guarded transport (one per endpoint: each has its own pool)."""
    return Delivery(
        signing_secrets=signing_secrets,
        still_visible=still_visible,
        pool=lambda limits, tls: guarded_pool(
            sandbox=runtime.settings.sandbox, limits=limits, ssl_context=tls
        ),
    )


def _header(response: httpcore.Response, name: bytes) -> str | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def encode_body(body: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempts: int, first: float, cap: float) -> float:
    """Full jitter: uniform in [0, min(cap, first * 2**(attempts-1))] after the ``attempts``-th try."""
    ceiling = min(cap, first * (2 ** max(0, min(attempts - 1, 60))))
    return random.uniform(0, ceiling)


@dataclass(frozen=True)
class Endpoint:
    """Where a worker sends and what it signs with, as read at ``read_at``."""

    url: str
    secrets: list[str]
    read_at: dt.datetime


@dataclass
class Outcome:
    """What one attempt came to."""

    message: Message
    attempted_at: dt.datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


async def visible_only(
    delivery: Delivery, state: Any, messages: Sequence[Message]
) -> tuple[list[Message], list[Message]]:
    """(to send, to withhold): representation-basis messages not still covered are withheld.
    ``GrantsUnavailable`` when identity cannot be asked: nothing is sent or shown meanwhile."""
    represented = [m for m in messages if m.basis == "representation"]
    if not represented:
        return list(messages), []
    try:
        visible = await delivery.still_visible(state, represented)
    except (ServiceCallError, httpx.HTTPError) as exc:
        raise GrantsUnavailable() from exc
    withheld = [m for m in represented if m.id not in visible]
    gone = {m.id for m in withheld}
    return [m for m in messages if m.id not in gone], withheld


class Dispatcher:
    def __init__(self, state: NotificationsState, delivery: Delivery) -> None:
        settings = state.runtime.settings
        assert isinstance(settings, Settings)
        self.state = state
        self.delivery = delivery
        self.settings = settings
        self.sessionmaker = state.runtime.sessionmaker
        # One client (one connection pool) per subscription: an endpoint's connections are its
        # own, and a pool stays small (httpcore scans its connections on every request).
        self._clients: dict[uuid.UUID, tuple[httpcore.AsyncConnectionPool, float]] = {}
        self._tls = httpx.create_ssl_context()  # loaded once (about 25 ms), shared by every pool
        timeout, connect = settings.delivery_timeout_seconds, settings.delivery_connect_timeout_seconds
        self._timeouts = {"timeout": {"connect": connect, "read": timeout, "write": timeout, "pool": timeout}}
        self._swept = time.monotonic()
        self._wake = asyncio.Event()
        # LISTEN on repository.CHANNEL (NOTIFY'd by repository.notify_due): wakes at commit.
        self.listener = PgListener(repository.CHANNEL, self.wake)
        self._workers: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(settings.delivery_max_workers)
        self._replays: set[asyncio.Task[None]] = set()
        # Endpoints found down: (consecutive failed batches, when to probe again), in this instance.
        self._probes: dict[uuid.UUID, tuple[int, dt.datetime]] = {}

    # --- lifecycle --------------------------------------------------------------------------

    def wake(self) -> None:
        """New messages were committed: look for due work now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """The background task: the scheduler (when ``deliver`` is on), woken at the commit of new
        due messages (``listener``, on a connection of its own); closes the clients at the end."""
        try:
            if not self.settings.deliver:
                await asyncio.Event().wait()
            self.listener.start(self.settings.database_url)
            while True:
                self._wake.clear()
                try:
                    await self.schedule()
                except Exception:
                    logger.exception("the delivery scheduler failed; trying again")
                    await asyncio.sleep(1.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.delivery_poll_seconds)
        finally:
            tasks = [*self._workers.values(), *self._replays]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.listener.stop()
            await self.close_clients()

    def client(self, subscription_id: uuid.UUID) -> httpcore.AsyncConnectionPool:
        """The subscription's connection pool, made on first use."""
        found = self._clients.get(subscription_id)
        if found is None:
            size = max(1, self.settings.delivery_batch_size)
            pool = self.delivery.pool(
                httpx.Limits(max_connections=size, max_keepalive_connections=size), self._tls
            )
        else:
            pool = found[0]
        self._clients[subscription_id] = (pool, time.monotonic())
        return pool

    async def sweep_clients(self, idle_seconds: float = 300.0) -> None:
        """Close the clients of subscriptions that sent nothing for ``idle_seconds``."""
        now = time.monotonic()
        self._swept = now
        for subscription_id, (client, used) in list(self._clients.items()):
            if now - used > idle_seconds and subscription_id not in self._workers:
                del self._clients[subscription_id]
                await client.aclose()

    async def close_clients(self) -> None:
        clients = [client for client, _ in self._clients.values()]
        self._clients.clear()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def schedule(self) -> None:
        """Start a worker for every subscription with due messages and none running."""
        if time.monotonic() - self._swept > 60:
            await self.sweep_clients()
        async with self.sessionmaker() as session:
            due = await repository.due_subscriptions(session, now_utc(), limit=10_000)
        for subscription_id in due:
            if subscription_id not in self._workers:
                self._workers[subscription_id] = asyncio.create_task(self._work(subscription_id))

    # --- one subscription's worker ----------------------------------------------------------

    async def _work(self, subscription_id: uuid.UUID) -> None:
        endpoint: Endpoint | None = None
        try:
            async with self._slots:
                while True:
                    go_on, endpoint = await self._round(subscription_id, endpoint)
                    if not go_on:
                        break
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("delivering to subscription %s failed", subscription_id)
        finally:
            self._workers.pop(subscription_id, None)

    async def _round(
        self, subscription_id: uuid.UUID, endpoint: Endpoint | None
    ) -> tuple[bool, Endpoint | None]:
        """Claim, send and record one batch; answers whether to go on, and the endpoint (its URL
        and secrets, read again once ``delivery_endpoint_cache_seconds`` old). The claim itself
        checks the subscription is still active with a webhook, so disabling stops it at once."""
        settings = self.settings
        now = now_utc()
        async with self.sessionmaker() as session, session.begin():
            if (
                endpoint is None
                or (now - endpoint.read_at).total_seconds() > settings.delivery_endpoint_cache_seconds
            ):
                sub = await repository.subscription(session, subscription_id)
                if sub is None:
                    return False, None
                if sub.state != "active" or not sub.webhook_url:
                    await repository.park(session, subscription_id)
                    return False, None
                secrets = list(await self.delivery.signing_secrets(session, subscription_id, now))
                endpoint = Endpoint(sub.webhook_url, secrets, now)
            probe_at = self._probes.get(subscription_id)
            if probe_at is not None and now < probe_at[1]:
                # The endpoint is down: what became due waits for the next probe.
                await repository.defer(session, subscription_id, probe_at[1])
                return False, endpoint
            lease = now + dt.timedelta(seconds=settings.delivery_lease_seconds)
            batch = await repository.claim(session, subscription_id, now, lease, settings.delivery_batch_size)
            if not batch:
                return False, endpoint
        to_send, withheld = await visible_only(self.delivery, self.state, batch)
        client = self.client(subscription_id)
        outcomes = await asyncio.gather(
            *(self.post(client, endpoint.url, endpoint.secrets, m) for m in to_send)
        )
        gone = await self._record(subscription_id, outcomes, withheld)
        return not gone, endpoint

    async def post(
        self, client: httpcore.AsyncConnectionPool, url: str, secrets: Sequence[str], message: Message
    ) -> Outcome:
        """Send ``message`` once, signed now with every secret in ``secrets``."""
        attempted_at = now_utc()
        if not secrets:
            return Outcome(message, attempted_at, None, 0, "No signing secret: not sent.")
        body = encode_body(message.body)
        headers = [
            *(
                (name.encode(), value.encode())
                for name, value in signed_headers(secrets, str(message.message_id), body).items()
            ),
            (b"content-type", b"application/json"),
            (b"user-agent", USER_AGENT.encode()),
        ]
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        retry_after: float | None = None
        try:
            response = await client.request(
                "POST", url, headers=headers, content=body, extensions=self._timeouts
            )
        except httpcore.TimeoutException as exc:
            error = f"timed out ({type(exc).__name__})"
        except Exception as exc:  # refused, reset, address not allowed (the guarded pool)...
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        else:
            status = response.status
            if not 200 <= status < 300:
                error = f"HTTP {status}"
            if status in (429, 503):
                retry_after = retry_after_seconds(_header(response, b"retry-after"), now_utc())
        elapsed = time.perf_counter() - started
        LATENCY.observe(elapsed)
        return Outcome(message, attempted_at, status, round(elapsed * 1000), error, retry_after)

    async def _record(
        self, subscription_id: uuid.UUID, outcomes: Iterable[Outcome], withheld: Sequence[Message]
    ) -> bool:
        """Store the attempts and what they mean for each message; answers whether the endpoint
        is gone (410)."""
        settings = self.settings
        now = now_utc()
        gone = False
        outcomes = list(outcomes)
        settled: list[Message] = list(withheld)  # their objects' next messages may go now
        async with self.sessionmaker() as session, session.begin():
            if withheld:
                await repository.withhold(session, [m.id for m in withheld])
                DELIVERIES.labels("withheld").inc(len(withheld))
            await repository.add_attempts(
                session,
                [
                    {
                        "message_id": o.message.id,
                        "subscription_id": subscription_id,
                        "attempted_at": o.attempted_at,
                        "status_code": o.status_code,
                        "latency_ms": o.latency_ms,
                        "error": o.error[:500] if o.error else None,
                        "replay": False,
                    }
                    for o in outcomes
                ],
            )
            ok = [o.message for o in outcomes if o.ok]
            if ok:
                await repository.delivered(session, [m.id for m in ok], now)
                settled.extend(ok)
                DELIVERIES.labels("delivered").inc(len(ok))
                for message in ok:
                    COMMIT_TO_DELIVERY.observe(max(0.0, (now - message.created_at).total_seconds()))
            for outcome in outcomes:
                message = outcome.message
                if outcome.ok:
                    continue
                if outcome.gone:
                    gone = True
                    await repository.retry_at(session, message.id, None, failed=False)
                    DELIVERIES.labels("gone").inc()
                    continue
                attempts = message.attempts + 1
                if outcome.retry_after is not None:
                    delay = min(outcome.retry_after, settings.retry_after_cap_seconds)
                else:
                    delay = backoff_seconds(
                        attempts, settings.retry_first_seconds, settings.retry_cap_seconds
                    )
                deadline = message.created_at + dt.timedelta(seconds=settings.retry_for_seconds)
                failed = now >= deadline
                when = min(now + dt.timedelta(seconds=delay), deadline)
                await repository.retry_at(session, message.id, when, failed=failed)
                if failed:
                    settled.append(message)
                    DELIVERIES.labels("failed").inc()
                else:
                    await repository.hold(session, message, when)
                    DELIVERIES.labels("retried").inc()
            # Only a message tried before held its object's later messages back (``hold``).
            retried = [m for m in settled if m.attempts > 0]
            if retried:
                await repository.release(session, subscription_id, retried, now)
            if gone:
                await repository.disable(session, subscription_id, GONE_REASON, now)
                await repository.park(session, subscription_id)
                self._probes.pop(subscription_id, None)
            elif outcomes and not ok:
                await self._endpoint_down(session, subscription_id, outcomes, now)
            elif ok:
                self._probes.pop(subscription_id, None)
        return gone

    async def _endpoint_down(
        self, session: AsyncSession, subscription_id: uuid.UUID, outcomes: Sequence[Outcome], now: dt.datetime
    ) -> None:
        """A whole batch failed: the endpoint, not a message, is at fault. Until a probe time
        (full-jitter backoff per consecutive failed batch, or the largest Retry-After), none of its
        messages is tried: they wait, deferred to the probe, and the failed batch (its messages'
        next try, rather than their own backoff) is the probe. Messages past their retry window
        fail now rather than wait."""
        settings = self.settings
        failures = self._probes.get(subscription_id, (0, now))[0] + 1
        delay = backoff_seconds(failures, settings.retry_first_seconds, settings.retry_cap_seconds)
        waits = [o.retry_after for o in outcomes if o.retry_after is not None]
        if waits:
            delay = min(max(waits), settings.retry_after_cap_seconds)
        probe_at = now + dt.timedelta(seconds=delay)
        self._probes[subscription_id] = (failures, probe_at)
        await repository.fail_expired(
            session, subscription_id, now - dt.timedelta(seconds=settings.retry_for_seconds)
        )
        # The batch is the probe's: it goes first again (oldest first), then the rest in order.
        await repository.reschedule(session, [o.message.id for o in outcomes], probe_at)
        await repository.defer(session, subscription_id, probe_at)

    # --- replays ----------------------------------------------------------------------------

    async def replay(
        self, session: AsyncSession, subscription: Subscription, messages: Sequence[Message]
    ) -> list[MessageAttempt]:
        """Send ``messages`` again now, signed with the current secrets, in ``session``'s
        transaction: the attempts are recorded with ``replay=true`` and change nothing else.
        Representation-basis messages the subscriber may no longer read are withheld instead."""
        assert subscription.webhook_url
        now = now_utc()
        secrets = list(await self.delivery.signing_secrets(session, subscription.id, now))
        to_send, withheld = await visible_only(self.delivery, self.state, messages)
        if withheld:
            await repository.withhold(session, [m.id for m in withheld])
            DELIVERIES.labels("withheld").inc(len(withheld))
        outcomes: list[Outcome] = []
        client = self.client(subscription.id)
        size = max(1, self.settings.delivery_batch_size)
        for start in range(0, len(to_send), size):
            chunk = to_send[start : start + size]
            outcomes.extend(
                await asyncio.gather(
                    *(self.post(client, subscription.webhook_url, secrets, m) for m in chunk)
                )
            )
        recorded = []
        for outcome in outcomes:
            attempt = await repository.add_attempt(
                session,
                message_id=outcome.message.id,
                subscription_id=subscription.id,
                attempted_at=outcome.attempted_at,
                status_code=outcome.status_code,
                latency_ms=outcome.latency_ms,
                error=outcome.error,
                replay=True,
            )
            recorded.append(attempt)
        DELIVERIES.labels("replayed").inc(len(outcomes))
        return recorded

    def replay_later(self, subscription_id: uuid.UUID, ids: Sequence[int]) -> None:
        """Replay the messages ``ids`` of a subscription in the background (a time range)."""
        task = asyncio.create_task(self._replay_task(subscription_id, list(ids)))
        self._replays.add(task)
        task.add_done_callback(self._replays.discard)

    async def _replay_task(self, subscription_id: uuid.UUID, ids: list[int]) -> None:
        size = max(1, self.settings.delivery_batch_size) * 5
        try:
            for start in range(0, len(ids), size):
                async with self.sessionmaker() as session, session.begin():
                    sub = await repository.subscription(session, subscription_id)
                    if sub is None or not sub.webhook_url:
                        return
                    messages = await repository.messages_by_id(session, ids[start : start + size])
                    await self.replay(session, sub, [m for m in messages if m.status != "withheld"])
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("replaying messages of subscription %s failed", subscription_id)


async def dispatch(state: NotificationsState) -> None:
    """The background task (ServiceSpec.background): the dispatcher's loop, when it is wired."""
    if state.dispatcher is not None:
        await state.dispatcher.run()
