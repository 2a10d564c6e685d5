"""The dispatcher's guarantees over real HTTP: a receiver served on a port, the notifications app with
its dispatcher on (small retry timings), subscriptions and messages written as the subscriptions
API and the fan-out would."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
import uuid
from collections import defaultdict

import pytest
from kit_testing import serve
from notifications_client.webhooks import WebhookVerificationError, new_secret, verify
from notifications_testing.deliveries import REVOKED, Deliveries, Receiver, eventually
from prometheus_client import REGISTRY, generate_latest
from sqlalchemy import select

from kit.processes import free_port
from kit.runtime import state_of
from notifications.messages import repository
from notifications.messages.dispatcher import Dispatcher, backoff_seconds, encode_body, retry_after_seconds
from notifications.messages.models import Message
from notifications.state import NotificationsState
from notifications.subscriptions.models import Subscription


def _name() -> str:
    return uuid.uuid4().hex[:12]


async def test_a_delivery_is_signed_with_every_current_secret_and_verifies(deliveries: Deliveries) -> None:
    name = _name()
    sub_id, secrets = await deliveries.subscribe(
        "user:signed", f"{deliveries.receiver_url}/hooks/{name}", secrets=2
    )
    message = await deliveries.message(sub_id, "order-file:s1", seq=7)

    async def arrived() -> bool:
        return len(deliveries.receiver.of(name)) == 1

    await eventually(arrived)
    got = deliveries.receiver.of(name)[0]
    assert got.headers["content-type"] == "application/json"
    assert got.json == message.body
    assert got.body == encode_body(got.json), "compact JSON, the exact bytes signed"
    assert got.json["data"] == {"seq": 7}
    for secret in secrets:  # during a rotation both the old and the new secret verify
        assert verify(secret, got.headers, got.body) == str(message.message_id)
    with pytest.raises(WebhookVerificationError):
        verify(secrets[0], got.headers, got.body.replace(b'"seq":7', b'"seq":8'))  # forged body
    with pytest.raises(WebhookVerificationError):
        verify(new_secret(), got.headers, got.body)  # a secret that did not sign it
    with pytest.raises(WebhookVerificationError):  # the same message replayed ten minutes later
        verify(secrets[0], got.headers, got.body, now=int(got.headers["webhook-timestamp"]) + 600)

    async def recorded() -> bool:
        return [m.status for m in await deliveries.messages(sub_id)] == ["delivered"]

    await eventually(recorded)
    (stored,) = await deliveries.messages(sub_id)
    assert stored.attempts == 1
    assert stored.delivered_at is not None
    (attempt,) = await deliveries.attempts(sub_id)
    assert attempt.status_code == 204
    assert attempt.error is None
    assert not attempt.replay


async def test_receiver_down_then_up_gets_each_message_once_in_order_per_object(
    deliveries: Deliveries,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/back"
    sub_id, _ = await deliveries.subscribe("user:down-then-up", url)
    objects = ["order-file:a", "order-file:b", "order-file:c"]
    sent = []
    for seq in range(4):
        for key in objects:
            sent.append(await deliveries.message(sub_id, key, seq=seq))

    async def tried_while_down() -> bool:
        return len(await deliveries.attempts(sub_id)) >= 6

    await eventually(tried_while_down)
    attempts = await deliveries.attempts(sub_id)
    assert all(a.status_code is None and a.error for a in attempts), "refused connections, recorded"
    tried = {a.message_id for a in attempts}
    first_of_each = {m.id for m in sent[:3]}
    assert tried <= first_of_each, "while an object's oldest message is retried, its later ones wait"

    receiver = Receiver()
    running = await serve(receiver.app(), port=port)
    try:

        async def all_delivered() -> bool:
            return all(m.status == "delivered" for m in await deliveries.messages(sub_id))

        await eventually(all_delivered, within=15)
        got = receiver.of("back")
        ids = [r.headers["webhook-id"] for r in got]
        assert sorted(ids) == sorted(str(m.message_id) for m in sent), "each message delivered once"
        per_object: dict[str, list[int]] = defaultdict(list)
        for r in got:
            per_object[r.json["object"]["id"]].append(r.json["data"]["seq"])
        assert per_object == {"a": [0, 1, 2, 3], "b": [0, 1, 2, 3], "c": [0, 1, 2, 3]}
    finally:
        await running.stop()


async def test_410_disables_the_subscription_and_stops_its_deliveries(deliveries: Deliveries) -> None:
    name = _name()
    deliveries.receiver.defaults[name] = (410, {}, 0.0)
    sub_id, _ = await deliveries.subscribe("user:gone", f"{deliveries.receiver_url}/hooks/{name}")
    await deliveries.message(sub_id, "order-file:g1")

    async def disabled() -> bool:
        return (await deliveries.subscription(sub_id)).state == "disabled"

    await eventually(disabled)
    sub = await deliveries.subscription(sub_id)
    assert sub.disabled_reason
    assert "410" in sub.disabled_reason
    await deliveries.message(sub_id, "order-file:g2")
    await asyncio.sleep(0.5)
    assert len(deliveries.receiver.of(name)) == 1, "nothing more is sent to a disabled endpoint"
    assert [a.status_code for a in await deliveries.attempts(sub_id)] == [410]
    assert [m.status for m in await deliveries.messages(sub_id)] == ["pending", "pending"], (
        "the box keeps them"
    )


async def test_retry_after_is_honoured_on_429(deliveries: Deliveries) -> None:
    name = _name()
    deliveries.receiver.scripts[name] = [(429, {"retry-after": "1"}, 0.0)]
    sub_id, _ = await deliveries.subscribe("user:throttled", f"{deliveries.receiver_url}/hooks/{name}")
    await deliveries.message(sub_id, "order-file:t1")

    async def twice() -> bool:
        return len(deliveries.receiver.of(name)) == 2

    await eventually(twice)
    first, second = deliveries.receiver.of(name)
    gap = second.at - first.at
    # Without Retry-After the backoff here is at most 0.05 s.
    assert 0.9 <= gap < 3.0, gap

    async def logged() -> bool:
        return [a.status_code for a in await deliveries.attempts(sub_id)] == [429, 204]

    await eventually(logged)


def test_retry_after_forms_and_the_backoff() -> None:
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Thu, 03 Dec 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Thu, 03 Dec 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
    samples = [backoff_seconds(n, 5.0, 3600.0) for n in range(1, 30) for _ in range(20)]
    assert all(0 <= s <= 3600 for s in samples)
    assert max(backoff_seconds(1, 5.0, 3600) for _ in range(200)) <= 5.0
    assert max(backoff_seconds(20, 5.0, 3600) for _ in range(200)) > 5.0, "it grows up to the cap"


async def test_a_slow_endpoint_does_not_delay_another_subscription(deliveries: Deliveries) -> None:
    slow, fast = _name(), _name()
    deliveries.receiver.defaults[slow] = (200, {}, 2.0)
    slow_id, _ = await deliveries.subscribe("user:slow", f"{deliveries.receiver_url}/hooks/{slow}")
    fast_id, _ = await deliveries.subscribe("user:fast", f"{deliveries.receiver_url}/hooks/{fast}")
    for i in range(5):
        await deliveries.message(slow_id, f"order-file:slow{i}")
    started = time.monotonic()
    await deliveries.message(fast_id, "order-file:fast")

    async def fast_arrived() -> bool:
        return len(deliveries.receiver.of(fast)) == 1

    await eventually(fast_arrived)
    assert deliveries.receiver.of(fast)[0].at - started < 0.5
    assert deliveries.receiver.of(slow) == [], "the slow endpoint has not answered yet"

    async def slow_done() -> bool:
        return len(deliveries.receiver.of(slow)) == 5

    await eventually(slow_done)


async def test_a_representation_message_no_longer_covered_is_withheld(deliveries: Deliveries) -> None:
    name = _name()
    revoked, kept = f"user:{_name()}", f"user:{_name()}"
    REVOKED.add(revoked)
    sub_id, _ = await deliveries.subscribe("client:agent", f"{deliveries.receiver_url}/hooks/{name}")
    withheld = await deliveries.message(sub_id, "order-file:w1", basis="representation", principal=revoked)
    sent = await deliveries.message(sub_id, "order-file:w2", basis="representation", principal=kept)

    async def settled() -> bool:
        return {m.status for m in await deliveries.messages(sub_id)} == {"withheld", "delivered"}

    await eventually(settled)
    ids = [r.headers["webhook-id"] for r in deliveries.receiver.of(name)]
    assert ids == [str(sent.message_id)]
    assert str(withheld.message_id) not in ids
    assert [a.message_id for a in await deliveries.attempts(sub_id)] == [sent.id], "no attempt for it"


async def test_two_dispatchers_never_send_a_message_twice(deliveries: Deliveries) -> None:
    """Claims are leased with SKIP LOCKED: a second dispatcher over the same table (another
    instance) sends none of what the first sends."""
    state = state_of(deliveries.app, NotificationsState)
    assert state.dispatcher is not None
    other = Dispatcher(state, state.dispatcher.delivery)
    task = asyncio.create_task(other.run())
    try:
        name = _name()
        sub_id, _ = await deliveries.subscribe("user:twice", f"{deliveries.receiver_url}/hooks/{name}")
        for i in range(30):
            await deliveries.message(sub_id, f"order-file:d{i}")
        other.wake()

        async def done() -> bool:
            return all(m.status == "delivered" for m in await deliveries.messages(sub_id))

        await eventually(done)
        ids = [r.headers["webhook-id"] for r in deliveries.receiver.of(name)]
        assert len(ids) == 30
        assert len(set(ids)) == 30
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_message_still_failing_after_its_retry_window_fails(deliveries: Deliveries) -> None:
    name = _name()
    deliveries.receiver.defaults[name] = (500, {}, 0.0)
    sub_id, _ = await deliveries.subscribe("user:failing", f"{deliveries.receiver_url}/hooks/{name}")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=3, seconds=1)
    await deliveries.message(sub_id, "order-file:f1", created_at=old)
    later = await deliveries.message(sub_id, "order-file:f1", seq=1)

    async def failed() -> bool:
        return next(m.status for m in await deliveries.messages(sub_id)) == "failed"

    await eventually(failed)
    attempts = await deliveries.attempts(sub_id)
    assert attempts[0].status_code == 500
    assert attempts[0].error == "HTTP 500"

    async def next_one_tried() -> bool:
        return any(a.message_id == later.id for a in await deliveries.attempts(sub_id))

    await eventually(next_one_tried)  # the failed one no longer holds its object back
    async with deliveries.sessionmaker() as session:
        statuses = (await session.scalars(select(Message.status).where(Message.id == later.id))).all()
    assert statuses == ["pending"], "retried, within its own window"
    async with deliveries.sessionmaker() as session, session.begin():  # stop the retries
        sub = await session.get(Subscription, sub_id)
        assert sub is not None
        sub.state = "disabled"


async def test_notify_wakes_the_listener_at_commit(deliveries: Deliveries) -> None:
    """LISTEN/NOTIFY: a transaction that made messages due wakes the scheduler at its commit, not
    at the next poll (here a minute away)."""
    state = state_of(deliveries.app, NotificationsState)
    assert state.dispatcher is not None
    settings = state.runtime.settings.model_copy(update={"delivery_poll_seconds": 60.0})
    other = Dispatcher(
        dataclasses.replace(state, runtime=dataclasses.replace(state.runtime, settings=settings)),
        state.dispatcher.delivery,
    )
    try:
        other.listener.start(settings.database_url)
        await asyncio.wait_for(other.listener.connected.wait(), 10)
        other._wake.clear()  # the wake-up every (re)connection gives
        async with deliveries.sessionmaker() as session, session.begin():
            await repository.notify_due(session)
            await asyncio.sleep(0.2)
            assert not other._wake.is_set(), "nothing before the commit"

        async def woken() -> bool:
            return other._wake.is_set()

        await eventually(woken, within=1.0)
    finally:
        await other.listener.stop()
        await other.close_clients()


async def test_a_message_leased_by_a_lost_instance_goes_out_once_its_lease_ends(
    deliveries: Deliveries,
) -> None:
    """An instance that claimed a message and died leaves it pending with its lease in
    ``next_attempt_at``: nobody sends it before the lease ends; then it goes (at-least-once)."""
    name = _name()
    sub_id, _ = await deliveries.subscribe("user:lease", f"{deliveries.receiver_url}/hooks/{name}")
    lease_end = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    message = await deliveries.message(sub_id, "order-file:l1", next_attempt_at=lease_end)
    await asyncio.sleep(0.6)
    assert deliveries.receiver.of(name) == [], "not while another instance holds it"

    async def sent() -> bool:
        return len(deliveries.receiver.of(name)) == 1

    await eventually(sent)
    assert deliveries.receiver.of(name)[0].headers["webhook-id"] == str(message.message_id)
    assert time.time() >= lease_end.timestamp()


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value("notifications_deliveries_total", {"outcome": outcome}) or 0.0


async def test_deliveries_are_counted_for_prometheus(deliveries: Deliveries) -> None:
    name = _name()
    deliveries.receiver.scripts[name] = [(500, {}, 0.0)]
    before = {outcome: _count(outcome) for outcome in ("delivered", "retried")}
    seconds_before = REGISTRY.get_sample_value("notifications_delivery_seconds_count") or 0.0
    sub_id, _ = await deliveries.subscribe("user:counted", f"{deliveries.receiver_url}/hooks/{name}")
    await deliveries.message(sub_id, "order-file:c1")

    async def delivered() -> bool:
        return [m.status for m in await deliveries.messages(sub_id)] == ["delivered"]

    await eventually(delivered)
    assert _count("retried") >= before["retried"] + 1
    assert _count("delivered") >= before["delivered"] + 1
    assert (REGISTRY.get_sample_value("notifications_delivery_seconds_count") or 0.0) >= seconds_before + 2
    assert b"notifications_deliveries_total" in generate_latest()


async def test_messages_of_a_subscription_not_yet_active_are_parked_then_resumed(
    deliveries: Deliveries,
) -> None:
    """The fan-out need not set ``next_attempt_at`` (due at once by default); a subscription that
    cannot deliver yet has its messages parked (out of the due index) until it becomes active
    and ``repository.resume`` makes them due."""
    name = _name()
    url = f"{deliveries.receiver_url}/hooks/{name}"
    sub_id, _ = await deliveries.subscribe("user:parked", url, state="pending-verification")
    await deliveries.message(sub_id, "order-file:p1")

    async def parked() -> bool:
        return [m.next_attempt_at for m in await deliveries.messages(sub_id)] == [None]

    await eventually(parked)
    assert deliveries.receiver.of(name) == []
    async with deliveries.sessionmaker() as session, session.begin():  # the challenge was answered
        sub = await session.get(Subscription, sub_id)
        assert sub is not None
        sub.state = "active"
        await repository.resume(session, sub_id, dt.datetime.now(dt.UTC))
        await repository.notify_due(session)

    async def sent() -> bool:
        return len(deliveries.receiver.of(name)) == 1

    await eventually(sent)


async def test_a_message_inserted_without_next_attempt_at_is_due_at_once(deliveries: Deliveries) -> None:
    name = _name()
    sub_id, _ = await deliveries.subscribe("user:default-due", f"{deliveries.receiver_url}/hooks/{name}")
    async with deliveries.sessionmaker() as session, session.begin():
        event_id = uuid.uuid4()
        body = {
            "type": "orders.order-file.approved",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "event_id": str(event_id),
            "subject": "user:x",
            "object": {"kind": "order-file", "id": "n1", "url": None},
            "data": {},
        }
        session.add(
            Message(
                subscription_id=sub_id,
                event_id=event_id,
                type=body["type"],
                object_key="order-file:n1",
                basis="own",
                body=body,
                occurred_at=dt.datetime.now(dt.UTC),
                status="pending",
                attempts=0,
            )
        )

    async def sent() -> bool:
        return len(deliveries.receiver.of(name)) == 1

    await eventually(sent)


async def test_a_dead_endpoint_is_probed_with_one_batch_not_every_message(deliveries: Deliveries) -> None:
    """When a whole batch fails the endpoint is down: until it answers, each probe tries the
    oldest batch again and the other messages wait (no attempt each) instead of each retrying."""
    url = f"http://127.0.0.1:{free_port()}/hooks/dead"
    sub_id, _ = await deliveries.subscribe("user:dead", url)
    made = [await deliveries.message(sub_id, f"order-file:dead{i}") for i in range(40)]

    async def probed_again() -> bool:
        return len(await deliveries.attempts(sub_id)) >= 60

    await eventually(probed_again)
    tried = {a.message_id for a in await deliveries.attempts(sub_id)}
    assert tried <= {m.id for m in made[:20]}, "the later messages wait for the endpoint"
    async with deliveries.sessionmaker() as session, session.begin():  # stop probing it
        sub = await session.get(Subscription, sub_id)
        assert sub is not None
        sub.state = "disabled"
