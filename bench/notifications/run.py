"""Notifications: from an event's commit to its signed webhook's receipt, with dead endpoints present.

    .venv/bin/python bench/notifications/run.py [--duration 30] [--rate 500] [--burst 3000] [--smoke]

Starts PostgreSQL (embedded, unless DATABASE_URL is set) with a fresh migrated database, the
services whose feeds notifications follows (identity, orders, permits, transit), notifications
(following them as its machine client) and a webhook receiver (bench/notifications/receiver.py),
each a uvicorn process with one worker, in the sandbox (the receiver is on 127.0.0.1). Twenty
machine clients subscribe to every event type with a webhook URL on the receiver, each answering
its challenge; the receiver verifies every signature with the subscriber's secret. Two of them
then go dead: one hangs (accepts, never answers), one answers 503.

Events are committed into identity's and orders' outboxes (``kit.outbox.publish``, one
transaction each, as the services write them) at ``--rate`` a second for ``--duration``
seconds, each the object of one of the twenty subscribers (in turn), on 50 objects each. The
latency of an event is its receipt time less its commit time (one clock). Measured:

- latency, with the dead endpoints present and without them (their subscriptions disabled), in
  ABBA order (half of ``--duration`` each run): p50 and p99 of the healthy receivers;
- throughput: ``--burst`` events committed at once, for the 18 healthy subscribers: deliveries a
  second from the first commit to the last receipt, against a plain httpx loop posting the same
  bodies to the same receiver (18 concurrent posters, signed the same way).

Targets (issue 12): p50 <= 200 ms and p99 <= 1 s with the dead endpoints present; the healthy
p99 with them <= 1.2x without them; delivery throughput >= 0.5x the plain loop; every message
to a healthy receiver delivered once, every signature valid. Exit status 0: targets met; 1:
missed; 2: could not run. ``--smoke``: 2 s runs, a 200-event burst, targets not judged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from notifications_client.webhooks import signed_headers
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for wrklib

from wrklib import (
    BenchError,
    migrated_database,
    save,
    say,
    start_uvicorn,
    wait_until_ok,
)

from identity.cli import _create_client
from identity.config import Settings as IdentitySettings
from identity.models import outbox_events as identity_outbox
from kit.outbox import publish
from kit.processes import free_port
from kit.settings import async_database_url
from orders.db import outbox_events as orders_outbox

SUBSCRIBERS = 20
DEAD = {18: "hang", 19: "fail"}
OBJECTS_PER_SUBSCRIBER = 50
WRITERS = 16
MAX_P50_MS = 200.0
MAX_P99_MS = 1000.0
MAX_DEAD_RATIO = 1.2
MIN_THROUGHPUT_RATIO = 0.5
DRAIN_SECONDS = 20.0
PUBLISHERS = ("identity", "orders", "permits", "transit")
FEED_SCOPES = ["events:read", "grants:read"]


@dataclass
class Subscriber:
    n: int
    party: str
    headers: dict[str, str]
    subscription: str = ""
    secret: str = ""
    objects: list[str] = field(default_factory=list)

    @property
    def dead(self) -> bool:
        return self.n in DEAD


@dataclass
class Run:
    name: str
    sent: int
    latencies_ms: list[float]
    duplicates: int
    missing: int

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("inf")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Producer:
    """Commits events into the services' outboxes and remembers when each committed."""

    def __init__(self, database_url: str, subscribers: list[Subscriber]) -> None:
        self.engine = create_async_engine(async_database_url(database_url), pool_size=WRITERS)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.subscribers = subscribers
        self.committed: dict[int, float] = {}  # seq -> when its transaction committed
        self.owner_of: dict[int, int] = {}  # seq -> the subscriber whose object it is
        self.seq = itertools.count(1)

    async def one(self, session: AsyncSession, seq: int, subscriber: Subscriber) -> None:
        self.owner_of[seq] = subscriber.n
        obj = subscriber.objects[seq % OBJECTS_PER_SUBSCRIBER]
        table, topic, kind = _kind_of(seq)
        await publish(
            session,
            table,
            topic,
            f"{kind}:{obj}",
            {"id": obj, "owner": subscriber.party, "status": topic.split(".")[-1], "bench_seq": seq},
            kind=kind,
            party=subscriber.party,
            url=None,
            access_level="full",
        )

    async def at_rate(self, rate: int, seconds: float, targets: list[Subscriber]) -> list[int]:
        """``rate`` events a second for ``seconds``, each its own transaction; returns their seqs."""
        sent: list[int] = []
        start = time.monotonic()
        total = int(rate * seconds)
        slots = iter(range(total))

        async def writer() -> None:
            for k in slots:
                due = start + k / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                seq = next(self.seq)
                async with self.sessions.begin() as session:
                    await self.one(session, seq, targets[k % len(targets)])
                self.committed[seq] = time.time()
                sent.append(seq)

        await asyncio.gather(*(writer() for _ in range(WRITERS)))
        return sent

    async def burst(self, count: int, targets: list[Subscriber]) -> list[int]:
        """``count`` events committed as fast as the writers go (a transaction per 50)."""
        sent: list[int] = []
        batches = iter(range(0, count, 50))

        async def writer() -> None:
            for first in batches:
                seqs = [next(self.seq) for _ in range(min(50, count - first))]
                async with self.sessions.begin() as session:
                    for i, seq in enumerate(seqs):
                        await self.one(session, seq, targets[(first + i) % len(targets)])
                now = time.time()
                for seq in seqs:
                    self.committed[seq] = now
                sent.extend(seqs)

        await asyncio.gather(*(writer() for _ in range(WRITERS)))
        return sent


def _kind_of(seq: int) -> tuple[Table, str, str]:
    """Alternately an order file approved (orders) and a representation accepted (identity)."""
    if seq % 2:
        return orders_outbox, "order.approved", "order-file"
    return identity_outbox, "representation.accepted", "representation"


async def collect(receiver: httpx.AsyncClient, expected: set[int], deadline: float) -> dict[int, list[float]]:
    """Receipts (seq -> receipt times) until every ``expected`` seq arrived or ``deadline``."""
    got: dict[int, list[float]] = {}
    while True:
        taken = (await receiver.get("/receipts")).json()
        if taken["refused"]:
            raise BenchError(f"the receiver refused {taken['refused']} signatures")
        for _, seq, at, _ in taken["receipts"]:
            got.setdefault(seq, []).append(at)
        if expected <= got.keys() or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.2)


async def measure_latency(
    name: str, producer: Producer, receiver: httpx.AsyncClient, rate: int, seconds: float
) -> Run:
    healthy = {s.n for s in producer.subscribers if not s.dead}
    sent = await producer.at_rate(rate, seconds, producer.subscribers)
    expected = {seq for seq in sent if producer.owner_of[seq] in healthy}
    got = await collect(receiver, expected, time.monotonic() + DRAIN_SECONDS)
    latencies = [(got[seq][0] - producer.committed[seq]) * 1000 for seq in expected if seq in got]
    duplicates = sum(len(times) - 1 for seq, times in got.items() if seq in expected)
    return Run(name, len(sent), latencies, duplicates, len(expected - got.keys()))


async def main_async(args: argparse.Namespace, database_url: str, logs: Path) -> dict[str, Any]:
    base = {
        "DATABASE_URL": database_url,
        "PANJEREH_SANDBOX": "1",
        "LOG_LEVEL": "WARNING",
        "PANJEREH_RATE_LIMIT": "1000000000/minute",
    }
    identity_settings = IdentitySettings(database_url=database_url, sandbox=True)
    feed = await _create_client(identity_settings, "bench notifications feed", FEED_SCOPES)
    ports = {name: free_port() for name in (*PUBLISHERS, "notifications", "receiver")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        **os.environ,
        **base,
        **{f"{name.upper()}_URL": url for name, url in urls.items() if name != "receiver"},
        "NOTIFICATIONS_FEED_CLIENT_ID": feed["client_id"],
        "NOTIFICATIONS_FEED_CLIENT_SECRET": feed["client_secret"],
    }
    with contextlib.ExitStack() as stack:
        for name in (*PUBLISHERS, "notifications"):
            process, log = start_uvicorn(stack, name, f"{name}.main:create_app", ports[name], env, logs)
            wait_until_ok(name, f"{urls[name]}/health", process, log)
        process, log = start_uvicorn(
            stack,
            "receiver",
            "receiver:create_app",
            ports["receiver"],
            env,
            logs,
            app_dir=Path(__file__).parent,
        )
        wait_until_ok("receiver", f"{urls['receiver']}/health", process, log)
        async with (
            httpx.AsyncClient(base_url=urls["notifications"], timeout=30) as notifications,
            httpx.AsyncClient(base_url=urls["receiver"], timeout=30) as receiver,
            httpx.AsyncClient(base_url=urls["identity"], timeout=30) as identity,
        ):
            subscribers = await subscribe_all(
                identity_settings, identity, notifications, receiver, urls["receiver"]
            )
            producer = Producer(database_url, subscribers)
            return await measure_all(args, producer, notifications, receiver, urls["receiver"])


async def subscribe_all(
    identity_settings: IdentitySettings,
    identity: httpx.AsyncClient,
    notifications: httpx.AsyncClient,
    receiver: httpx.AsyncClient,
    receiver_url: str,
) -> list[Subscriber]:
    subscribers = []
    for n in range(SUBSCRIBERS):
        client = await _create_client(identity_settings, f"bench subscriber {n}", ["events:read"])
        token = await identity.post(
            "/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        if token.status_code != 200:
            raise BenchError(f"no token: {token.status_code} {token.text}")
        subscriber = Subscriber(
            n=n,
            party=f"client:{client['client_id']}",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            objects=[str(uuid.uuid4()) for _ in range(OBJECTS_PER_SUBSCRIBER)],
        )
        created = await notifications.post(
            "/v1/subscriptions",
            json={
                "event_types": ["*"],
                "webhook_url": f"{receiver_url}/hook/{n}",
                "description": f"bench {n}",
            },
            headers=subscriber.headers,
        )
        if created.status_code != 201 or created.json()["state"] != "active":
            raise BenchError(f"subscription {n}: {created.status_code} {created.text[:300]}")
        subscriber.subscription = created.json()["id"]
        subscriber.secret = created.json()["secret"]
        await receiver.put(f"/hook/{n}", json={"secret": subscriber.secret, "mode": "ok"})
        subscribers.append(subscriber)
    for n, mode in DEAD.items():
        await receiver.put(f"/hook/{n}", json={"mode": mode})
    return subscribers


async def set_dead_enabled(notifications: httpx.AsyncClient, producer: Producer, enabled: bool) -> None:
    for subscriber in producer.subscribers:
        if subscriber.dead:
            path = f"/v1/subscriptions/{subscriber.subscription}"
            read = await notifications.get(path, headers=subscriber.headers)
            changed = await notifications.patch(
                path,
                json={"state": "active" if enabled else "disabled"},
                headers={**subscriber.headers, "If-Match": read.headers["ETag"]},
            )
            if changed.status_code != 200:
                raise BenchError(f"PATCH subscription: {changed.status_code} {changed.text[:300]}")


async def measure_all(
    args: argparse.Namespace,
    producer: Producer,
    notifications: httpx.AsyncClient,
    receiver: httpx.AsyncClient,
    receiver_url: str,
) -> dict[str, Any]:
    half = args.duration / 2
    runs: dict[str, list[Run]] = {"with-dead": [], "without-dead": []}
    say(f"warming up ({min(3.0, half):.0f} s)")
    await producer.at_rate(args.rate, min(3.0, half), producer.subscribers)
    await collect(receiver, set(), time.monotonic())
    for name in ("with-dead", "without-dead", "without-dead", "with-dead"):
        await set_dead_enabled(notifications, producer, name == "with-dead")
        say(f"measuring {name}: {args.rate} events/s for {half:.0f} s")
        runs[name].append(await measure_latency(name, producer, receiver, args.rate, half))
    await set_dead_enabled(notifications, producer, False)
    healthy = [s for s in producer.subscribers if not s.dead]
    say(f"burst: {args.burst} events to {len(healthy)} subscribers")
    started = time.time()
    sent = await producer.burst(args.burst, healthy)
    got = await collect(receiver, set(sent), time.monotonic() + DRAIN_SECONDS * 3)
    last = max((times[0] for seq, times in got.items() if seq in set(sent)), default=time.time())
    delivered = len(set(sent) & got.keys())
    through_rate = delivered / max(1e-9, last - started)
    plain_rate = await plain_loop(producer, receiver_url, healthy, args.burst)
    await where_the_time_went(producer)
    return {
        "runs": runs,
        "burst": args.burst,
        "delivered": delivered,
        "notifications_rate": through_rate,
        "plain_rate": plain_rate,
    }


async def where_the_time_went(producer: Producer) -> None:
    """The two halves of the latency, from notifications' own rows: commit to message made (the
    feed and the fan-out) and message made to delivered (the dispatcher and the receiver)."""
    query = text(
        """
        SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - occurred_at)),
               percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at))
        FROM notifications.messages WHERE delivered_at IS NOT NULL
        """
    )
    async with producer.sessions() as session:
        made, sent = (await session.execute(query)).one()
    say(
        f"commit -> message made p50 {made[0] * 1000:.0f} ms, p99 {made[1] * 1000:.0f} ms; "
        f"made -> delivered p50 {sent[0] * 1000:.0f} ms, p99 {sent[1] * 1000:.0f} ms"
    )


async def plain_loop(producer: Producer, receiver_url: str, healthy: list[Subscriber], count: int) -> float:
    """The baseline: the same bodies, signed the same way, posted by 18 concurrent httpx loops."""
    bodies = []
    for k in range(count):
        subscriber = healthy[k % len(healthy)]
        seq = -(k + 1)  # negative: not confused with the measured ones
        body = {
            "type": "orders.order-file.approved",
            "timestamp": "2026-12-03T00:00:00Z",
            "event_id": str(uuid.uuid4()),
            "subject": subscriber.party,
            "object": {
                "kind": "order-file",
                "id": subscriber.objects[k % OBJECTS_PER_SUBSCRIBER],
                "url": None,
            },
            "access_level": "full",
            "data": {"id": "x", "owner": subscriber.party, "status": "approved", "bench_seq": seq},
        }
        bodies.append((subscriber, json.dumps(body, separators=(",", ":")).encode()))
    per_subscriber: dict[int, list[tuple[Subscriber, bytes]]] = {}
    for subscriber, raw in bodies:
        per_subscriber.setdefault(subscriber.n, []).append((subscriber, raw))
    async with httpx.AsyncClient(timeout=30) as http:

        async def poster(items: list[tuple[Subscriber, bytes]]) -> None:
            for subscriber, raw in items:
                headers = {
                    **signed_headers([subscriber.secret], f"msg_{uuid.uuid4().hex}", raw),
                    "content-type": "application/json",
                }
                response = await http.post(
                    f"{receiver_url}/hook/{subscriber.n}", content=raw, headers=headers
                )
                if response.status_code >= 300:
                    raise BenchError(f"plain loop: {response.status_code}")

        started = time.monotonic()
        await asyncio.gather(*(poster(items) for items in per_subscriber.values()))
        elapsed = time.monotonic() - started
    return count / elapsed


def report(outcome: dict[str, Any], smoke: bool) -> bool:
    runs: dict[str, list[Run]] = outcome["runs"]
    say("")
    say(f"{'run':<14} {'events':>7} {'p50 ms':>8} {'p99 ms':>8} {'missing':>8} {'dupes':>6}")
    passed = True
    merged = {}
    for name, items in runs.items():
        latencies = [x for run in items for x in run.latencies_ms]
        merged[name] = Run(
            name,
            sum(r.sent for r in items),
            latencies,
            sum(r.duplicates for r in items),
            sum(r.missing for r in items),
        )
        m = merged[name]
        say(
            f"{name:<14} {m.sent:>7} {m.percentile(0.5):>8.1f} {m.percentile(0.99):>8.1f} {m.missing:>8} {m.duplicates:>6}"
        )
        passed &= m.missing == 0 and m.duplicates == 0
    dead, alive = merged["with-dead"], merged["without-dead"]
    ratio = dead.percentile(0.99) / max(1e-9, alive.percentile(0.99))
    checks = [
        (
            f"p50 with dead endpoints {dead.percentile(0.5):.1f} ms <= {MAX_P50_MS:g}",
            dead.percentile(0.5) <= MAX_P50_MS,
        ),
        (
            f"p99 with dead endpoints {dead.percentile(0.99):.1f} ms <= {MAX_P99_MS:g}",
            dead.percentile(0.99) <= MAX_P99_MS,
        ),
        (f"healthy p99 with/without dead {ratio:.2f}x <= {MAX_DEAD_RATIO}x", ratio <= MAX_DEAD_RATIO),
    ]
    through = outcome["notifications_rate"] / max(1e-9, outcome["plain_rate"])
    say(
        f"burst of {outcome['burst']}: notifications {outcome['notifications_rate']:.0f} deliveries/s "
        f"({outcome['delivered']} delivered), plain httpx loop {outcome['plain_rate']:.0f}/s"
    )
    checks.append(
        (
            f"throughput notifications/plain {through:.2f}x >= {MIN_THROUGHPUT_RATIO}x",
            through >= MIN_THROUGHPUT_RATIO,
        )
    )
    checks.append(
        (
            f"burst delivered {outcome['delivered']}/{outcome['burst']}",
            outcome["delivered"] == outcome["burst"],
        )
    )
    for check, ok in checks:
        say(f"  {check}: {'PASS' if ok else 'FAIL'}")
        passed &= ok
    say(f"RESULT: {'PASS' if passed else 'FAIL'}" + (" (smoke: not judged)" if smoke else ""))
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load in all (default 30)")
    parser.add_argument("--rate", type=int, default=500, help="events committed a second (default 500)")
    parser.add_argument(
        "--burst", type=int, default=3000, help="events of the throughput burst (default 3000)"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="2 s runs, a 200-event burst, targets not judged"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.burst = 4, 200
    logs = Path(tempfile.mkdtemp(prefix="panjereh-bench-"))
    try:
        with migrated_database("panjereh_bench") as database_url:
            outcome = asyncio.run(main_async(args, database_url, logs))
    except BenchError as exc:
        say(f"ERROR: {exc}")
        return 2
    passed = report(outcome, args.smoke)
    if args.smoke:
        complete = all(run.missing == 0 for items in outcome["runs"].values() for run in items)
        return 0 if complete and outcome["delivered"] == outcome["burst"] else 2
    runs = outcome["runs"]
    out = save(
        "notifications",
        {
            "runs": {
                name: [
                    {
                        "sent": r.sent,
                        "p50_ms": r.percentile(0.5),
                        "p99_ms": r.percentile(0.99),
                        "missing": r.missing,
                        "duplicates": r.duplicates,
                    }
                    for r in items
                ]
                for name, items in runs.items()
            },
            "notifications_rate": outcome["notifications_rate"],
            "plain_rate": outcome["plain_rate"],
            "passed": passed,
        },
    )
    say(f"saved {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
