"""Delivery operations over real HTTP: the attempt log, replays (logged as replays, counted nowhere
else), a test event that arrives signed, metrics, retention; and the refusals of every route."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from notifications_client.webhooks import verify
from notifications_testing.deliveries import Deliveries, Owner, eventually
from sqlalchemy import select

from kit.pagination import encode_cursor
from notifications.messages.models import Message, MessageAttempt
from notifications.messages.service import purge


def _name() -> str:
    return uuid.uuid4().hex[:12]


async def _delivered_subscription(deliveries: Deliveries, owner: Owner, count: int = 2):  # type: ignore[no-untyped-def]
    name = _name()
    sub_id, secrets = await deliveries.subscribe(owner.subject, f"{deliveries.receiver_url}/hooks/{name}")
    messages = [await deliveries.message(sub_id, f"order-file:o{i}", seq=i) for i in range(count)]

    async def delivered() -> bool:
        return all(m.status == "delivered" for m in await deliveries.messages(sub_id))

    await eventually(delivered)
    return sub_id, secrets, messages, name


async def test_the_attempt_log_newest_first_paged_and_per_message(
    deliveries: Deliveries, owner: Owner
) -> None:
    sub_id, _, messages, _ = await _delivered_subscription(deliveries, owner, 3)
    base = f"/v1/subscriptions/{sub_id}/attempts"
    first = await deliveries.api.get(f"{base}?limit=2", headers=owner.headers)
    assert first.status_code == 200, first.text
    second = await deliveries.api.get(first.json()["next"], headers=owner.headers)
    items = first.json()["items"] + second.json()["items"]
    assert second.json()["next"] is None
    assert len(items) == 3
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True), "newest first"
    assert {i["message_id"] for i in items} == {str(m.message_id) for m in messages}
    assert all(i["status_code"] == 204 and i["replay"] is False for i in items)
    assert all(isinstance(i["latency_ms"], int) for i in items)
    for forged in (encode_cursor(["x"]), encode_cursor([str(2**70)]), "garbage"):
        refused = await deliveries.api.get(f"{base}?cursor={forged}", headers=owner.headers)
        assert refused.status_code == 400, forged
        assert refused.json()["code"] == "invalid-cursor"
    one = await deliveries.api.get(f"{base}?message_id={messages[1].message_id}", headers=owner.headers)
    assert [i["message_id"] for i in one.json()["items"]] == [str(messages[1].message_id)]


async def test_a_replay_is_sent_signed_now_and_logged_as_a_replay(
    deliveries: Deliveries, owner: Owner
) -> None:
    sub_id, secrets, messages, name = await _delivered_subscription(deliveries, owner, 1)
    message = messages[0]
    deliveries.receiver.scripts[name] = [(410, {}, 0.0)]  # a replay's 410 disables nothing
    replay = await deliveries.api.post(
        f"/v1/subscriptions/{sub_id}/messages/{message.message_id}/replay", headers=owner.headers
    )
    assert replay.status_code == 200, replay.text
    assert replay.json()["replay"] is True
    assert replay.json()["status_code"] == 410
    got = deliveries.receiver.of(name)
    assert [r.headers["webhook-id"] for r in got] == [str(message.message_id)] * 2, "the same webhook-id"
    assert verify(secrets[0], got[1].headers, got[1].body) == str(message.message_id)
    (stored,) = await deliveries.messages(sub_id)
    assert stored.status == "delivered"
    assert stored.attempts == 1, "a replay is not a retry"
    assert (await deliveries.subscription(sub_id)).state == "active"
    assert [a.replay for a in await deliveries.attempts(sub_id)] == [False, True]


async def test_replaying_a_time_range(deliveries: Deliveries, owner: Owner) -> None:
    sub_id, _, messages, name = await _delivered_subscription(deliveries, owner, 3)
    since = min(m.created_at for m in messages) - dt.timedelta(seconds=1)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    base = f"/v1/subscriptions/{sub_id}/replay"
    answer = await deliveries.api.post(
        base, json={"since": since.isoformat(), "until": until.isoformat()}, headers=owner.headers
    )
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"replaying": 3, "truncated": False}

    async def replayed() -> bool:
        return sum(a.replay for a in await deliveries.attempts(sub_id)) == 3

    await eventually(replayed)
    assert len(deliveries.receiver.of(name)) == 6
    empty = await deliveries.api.post(
        base, json={"since": until.isoformat(), "until": since.isoformat()}, headers=owner.headers
    )
    assert empty.status_code == 422
    assert empty.json()["code"] == "invalid-time-range"
    box_only, _ = await deliveries.subscribe(owner.subject, None)
    no_hook = await deliveries.api.post(
        f"/v1/subscriptions/{box_only}/replay",
        json={"since": since.isoformat(), "until": until.isoformat()},
        headers=owner.headers,
    )
    assert no_hook.status_code == 409
    assert no_hook.json()["code"] == "webhook-not-active"


async def test_a_test_event_arrives_signed(deliveries: Deliveries, owner: Owner) -> None:
    name = _name()
    sub_id, secrets = await deliveries.subscribe(owner.subject, f"{deliveries.receiver_url}/hooks/{name}")
    made = await deliveries.api.post(
        f"/v1/subscriptions/{sub_id}/test", json={"message": "hello receiver"}, headers=owner.headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["type"] == "notifications.test.sent"

    async def arrived() -> bool:
        return len(deliveries.receiver.of(name)) == 1

    await eventually(arrived)
    got = deliveries.receiver.of(name)[0]
    assert verify(secrets[0], got.headers, got.body) == made.json()["id"]
    assert got.json["type"] == "notifications.test.sent"
    assert got.json["data"] == {"message": "hello receiver"}
    assert got.json["object"] == {
        "kind": "subscription",
        "id": str(sub_id),
        "url": f"/notifications/v1/subscriptions/{sub_id}",
    }


async def test_metrics_count_the_last_day(deliveries: Deliveries, owner: Owner) -> None:
    sub_id, _ = await deliveries.subscribe(owner.subject, None)
    message = await deliveries.message(sub_id, "order-file:m1")
    pending_old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    await deliveries.message(sub_id, "order-file:m2", created_at=pending_old)
    now = dt.datetime.now(dt.UTC)
    async with deliveries.sessionmaker() as session, session.begin():
        for code, latency in [(200, 10), (204, 20), (500, 30), (None, 40)]:
            session.add(
                MessageAttempt(
                    message_id=message.id,
                    subscription_id=sub_id,
                    status_code=code,
                    latency_ms=latency,
                    error=None if code and code < 300 else "failed",
                    replay=False,
                    attempted_at=now,
                )
            )
        session.add(  # older than a day: not counted
            MessageAttempt(
                message_id=message.id,
                subscription_id=sub_id,
                status_code=500,
                latency_ms=999,
                error="old",
                replay=False,
                attempted_at=now - dt.timedelta(hours=25),
            )
        )
    answer = await deliveries.api.get(f"/v1/subscriptions/{sub_id}/statistics", headers=owner.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["attempts"] == 4
    assert body["successes"] == 2
    assert body["failures"] == 2
    assert body["success_rate"] == 0.5
    assert body["latency_p50_ms"] == 25.0
    assert body["latency_p99_ms"] == pytest.approx(39.7)
    assert body["pending"] == 2
    assert 590 <= body["oldest_pending_age_seconds"] <= 700


async def test_retention_deletes_only_old_settled_messages_and_old_attempts(deliveries: Deliveries) -> None:
    sub_id, _ = await deliveries.subscribe("user:retention", None)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    old_settled = await deliveries.message(sub_id, "order-file:x1", created_at=old, status="delivered")
    old_pending = await deliveries.message(sub_id, "order-file:x2", created_at=old)
    recent = await deliveries.message(sub_id, "order-file:x3", status="acknowledged")
    async with deliveries.sessionmaker() as session, session.begin():
        for attempted_at in (old, dt.datetime.now(dt.UTC)):
            session.add(
                MessageAttempt(
                    message_id=old_pending.id,
                    subscription_id=sub_id,
                    status_code=503,
                    latency_ms=5,
                    error="HTTP 503",
                    replay=False,
                    attempted_at=attempted_at,
                )
            )
    async with deliveries.sessionmaker() as session, session.begin():
        await purge(session, 30)
    async with deliveries.sessionmaker() as session:
        left = set((await session.scalars(select(Message.id).where(Message.subscription_id == sub_id))).all())
        attempts = (
            await session.scalars(
                select(MessageAttempt.attempted_at).where(MessageAttempt.subscription_id == sub_id)
            )
        ).all()
    assert left == {old_pending.id, recent.id}, "a pending message stays, whatever its age"
    assert old_settled.id not in left
    assert len(attempts) == 1
    assert attempts[0] > old


ROUTES = [
    ("GET", "/v1/subscriptions/{s}/messages", None),
    ("POST", "/v1/subscriptions/{s}/messages/{m}/acknowledge", None),
    ("POST", "/v1/subscriptions/{s}/acknowledgements", {"message_ids": ["{m}"]}),
    ("GET", "/v1/subscriptions/{s}/attempts", None),
    ("POST", "/v1/subscriptions/{s}/messages/{m}/replay", None),
    (
        "POST",
        "/v1/subscriptions/{s}/replay",
        {"since": "2026-01-01T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
    ),
    ("POST", "/v1/subscriptions/{s}/test", {"message": "hi"}),
    ("GET", "/v1/subscriptions/{s}/statistics", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_refusals_another_owner_gets_404_and_no_token_401(  # type: ignore[no-untyped-def]
    deliveries: Deliveries, owner: Owner, stranger: Owner, method: str, path: str, body
) -> None:
    name = _name()
    sub_id, _ = await deliveries.subscribe(owner.subject, f"{deliveries.receiver_url}/hooks/{name}")
    message = await deliveries.message(sub_id, "order-file:z1")
    url = path.format(s=sub_id, m=message.message_id)
    payload = None if body is None else _fill(body, str(message.message_id))
    foreign = await deliveries.api.request(method, url, json=payload, headers=stranger.headers)
    assert foreign.status_code == 404, foreign.text
    assert foreign.json()["code"] == "subscription-not-found"
    anonymous = await deliveries.api.request(method, url, json=payload)
    assert anonymous.status_code == 401
    missing = await deliveries.api.request(
        method, path.format(s=uuid.uuid4(), m=message.message_id), json=payload, headers=owner.headers
    )
    assert missing.status_code == 404
    assert len(deliveries.receiver.of(name)) <= 1, "a refused replay or test sends nothing"
    owned = await deliveries.api.request(method, url, json=payload, headers=owner.headers)
    assert owned.status_code < 300, owned.text


def _fill(body: dict, message_id: str) -> dict:  # type: ignore[type-arg]
    return {k: [message_id] if v == ["{m}"] else v for k, v in body.items()}
