"""The audit log: an entry carries the request's context, refusals survive the rollback, the
database refuses any change to an entry, and only admins query it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from kit.audit import MAX_USER_AGENT, Outcome, entry
from kit.request_context import set_client, set_request_id
from kit.settings import async_database_url
from panjereh_contract.client import ServiceCallError, ServiceClient


@pytest.fixture
def admin(signing_keys: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signing_keys.token(subject='client:auditor', scope='admin')}"}


async def _events(client: httpx.AsyncClient, admin: dict[str, str], **filters: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/audit-events", params=filters, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_entry_takes_where_from_the_request_context() -> None:
    set_request_id("ctx-rid-1")
    set_client("203.0.113.9", "x" * 500)
    row = entry(actor="user:a", action="thing.done", object_type="thing", object_id=7, on_behalf_of="user:a")
    assert row["request_id"] == "ctx-rid-1"
    assert row["source_address"] == "203.0.113.9"
    assert row["user_agent"] == "x" * MAX_USER_AGENT
    assert row["object_id"] == "7"
    assert row["on_behalf_of"] is None, "acting for oneself is not acting on behalf of someone"
    assert row["outcome"] == Outcome.SUCCESS


async def test_an_act_is_recorded_with_who_and_where(
    kit_client: httpx.AsyncClient, signing_keys: Any, admin: dict[str, str]
) -> None:
    rid = f"audit-{uuid.uuid4().hex}"
    token = signing_keys.token(subject="user:owner", act={"sub": "user:agent"})
    response = await kit_client.post(
        "/widgets/41/inspect",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": rid, "User-Agent": "tester/1.0"},
    )
    assert response.status_code == 204, response.text
    (event,) = await _events(kit_client, admin, request_id=rid)
    assert event["actor"] == "user:agent"
    assert event["on_behalf_of"] == "user:owner"
    assert (event["action"], event["object_type"], event["object_id"]) == ("widget.inspect", "widget", "41")
    assert event["outcome"] == "success"
    assert event["source_address"] == "127.0.0.1"
    assert event["user_agent"] == "tester/1.0"
    assert event["details"] == {"note": "looked"}


async def test_a_refusal_is_kept_though_its_transaction_is_rolled_back(
    kit_client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    rid = f"refused-{uuid.uuid4().hex}"
    response = await kit_client.post("/widgets/0/inspect", headers={**auth, "X-Request-ID": rid})
    assert response.status_code == 418
    (event,) = await _events(kit_client, admin, request_id=rid)
    assert event["outcome"] == "refused"
    assert event["actor"] == "user:1"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE kit_test.audit_log SET actor = 'user:someone-else'",
        "UPDATE kit_test.audit_log SET actor = actor WHERE false",
        "DELETE FROM kit_test.audit_log",
        "TRUNCATE kit_test.audit_log",
    ],
)
async def test_the_database_refuses_to_change_an_entry(
    kit_client: httpx.AsyncClient, auth: dict[str, str], kit_db: str, statement: str
) -> None:
    await kit_client.post("/widgets/1/inspect", headers=auth)
    engine = create_async_engine(async_database_url(kit_db))
    try:
        async with engine.connect() as conn:
            before = await conn.scalar(text("SELECT count(*) FROM kit_test.audit_log"))
            with pytest.raises(DBAPIError, match="append-only"):
                await conn.execute(text(statement))
            await conn.rollback()
            assert await conn.scalar(text("SELECT count(*) FROM kit_test.audit_log")) == before
            assert (
                await conn.scalar(
                    text("SELECT count(*) FROM kit_test.audit_log WHERE actor = 'user:someone-else'")
                )
                == 0
            )
    finally:
        await engine.dispose()


async def test_filters_and_pages(
    kit_client: httpx.AsyncClient, signing_keys: Any, admin: dict[str, str]
) -> None:
    subject = f"user:{uuid.uuid4().hex[:12]}"
    headers = {"Authorization": f"Bearer {signing_keys.token(subject=subject)}"}
    for seq in (101, 102, 103, 104, 105):
        assert (await kit_client.post(f"/widgets/{seq}/inspect", headers=headers)).status_code == 204
    first = await kit_client.get("/v1/audit-events", params={"actor": subject, "limit": 2}, headers=admin)
    body = first.json()
    assert [e["object_id"] for e in body["items"]] == ["101", "102"]
    seen = [e["object_id"] for e in body["items"]]
    next_url = body["next"]
    while next_url:
        page = (await kit_client.get(next_url, headers=admin)).json()
        seen += [e["object_id"] for e in page["items"]]
        next_url = page["next"]
    assert seen == ["101", "102", "103", "104", "105"]
    only = await _events(kit_client, admin, actor=subject, object_type="widget", object_id="103")
    assert [e["object_id"] for e in only] == ["103"]
    assert await _events(kit_client, admin, actor=subject, action="widget.other") == []
    assert await _events(kit_client, admin, actor=subject, outcome="refused") == []
    stamp = only[0]["occurred_at"]
    assert [e["object_id"] for e in await _events(kit_client, admin, actor=subject, to=stamp)] == [
        "101",
        "102",
    ]
    assert len(await _events(kit_client, admin, actor=subject, **{"from": stamp})) == 3
    assert await _events(kit_client, admin, actor=subject, to=stamp, **{"from": stamp}) == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-01-02T00:00:00"}, "validation-failed"),  # no time zone: ambiguous
        ({"to": "0.5"}, "validation-failed"),  # not a Unix time either
        ({"cursor": "bm9wZQ"}, "invalid-cursor"),
    ],
)
async def test_bad_queries_are_refused(
    kit_client: httpx.AsyncClient, admin: dict[str, str], params: dict[str, str], code: str
) -> None:
    response = await kit_client.get("/v1/audit-events", params=params, headers=admin)
    assert response.status_code in (400, 422)
    assert response.json()["code"] == code


async def test_only_admins_query(kit_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    assert (await kit_client.get("/v1/audit-events")).status_code == 401
    refused = await kit_client.get("/v1/audit-events", headers=auth)
    assert refused.status_code == 403


async def test_the_client_call_reads_the_log(kit_client: httpx.AsyncClient, signing_keys: Any) -> None:
    subject = f"user:{uuid.uuid4().hex[:12]}"
    headers = {"Authorization": f"Bearer {signing_keys.token(subject=subject)}"}
    assert (await kit_client.post("/widgets/7/inspect", headers=headers)).status_code == 204
    client = ServiceClient("http://testserver", kit_client)
    page = await client.audit_events(
        signing_keys.token(subject="client:auditor", scope="admin"), actor=subject
    )
    assert [(e.actor, e.object_id, e.outcome) for e in page.items] == [(subject, "7", Outcome.SUCCESS)]
    with pytest.raises(ServiceCallError) as refused:
        await client.audit_events(signing_keys.token(subject=subject))
    assert refused.value.status == 403


@pytest.mark.parametrize(
    "params",
    [
        {"actor": "user:\x00"},
        {"from": "0001-01-01T00:00:00+14:00"},
        {"to": "9999-12-31T23:59:59-12:00"},
        {"cursor": "WyI5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5Il0"},  # an id beyond bigint
    ],
)
async def test_odd_queries_are_answered_never_a_500(
    kit_client: httpx.AsyncClient, admin: dict[str, str], params: dict[str, str]
) -> None:
    response = await kit_client.get("/v1/audit-events", params=params, headers=admin)
    assert response.status_code in (200, 400, 422), response.text
