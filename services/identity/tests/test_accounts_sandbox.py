"""Sandbox-only endpoints: the SMS outbox and the sandbox ownership answers; absent outside the sandbox."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.accounts import caller
from identity_testing.parties import mobile, national_code

from identity.adapters.sms import OutboxSms
from identity.state import identity_state_of
from kit.runtime import runtime_of


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/sandbox/sms?mobile=09121234567"),
        ("PUT", "/v1/sandbox/mobile-owners/09121234567"),
        ("DELETE", "/v1/sandbox/mobile-owners/09121234567"),
    ],
)
async def test_no_sandbox_endpoints_without_the_sandbox(
    identity: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await identity.request(
        method, path, json={"national_code": "0084575948"} if method == "PUT" else None
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not-found"
    assert "/v1/sandbox/sms" not in (await identity.get("/openapi.json")).json()["paths"]


async def test_the_outbox_newest_first_with_the_number_in_any_form(app: FastAPI) -> None:
    to = mobile()
    async with runtime_of(app).sessionmaker() as session, session.begin():
        for n in range(3):
            await OutboxSms().send(session, mobile=to, body=f"message {n}", purpose=f"p{n}")
    async with caller(app) as client:
        persian = "+۹۸" + to[1:].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        for form in (to, "+98" + to[1:], "0098 " + to[1:], persian):
            response = await client.get("/v1/sandbox/sms", params={"mobile": form})
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            assert [m["body"] for m in items] == ["message 2", "message 1", "message 0"]
            assert {m["mobile"] for m in items} == {to}
            assert set(items[0]) == {"id", "mobile", "body", "purpose", "created_at"}
        limited = await client.get("/v1/sandbox/sms", params={"mobile": to, "limit": 1})
        assert [m["body"] for m in limited.json()["items"]] == ["message 2"]
        assert (await client.get("/v1/sandbox/sms", params={"mobile": mobile()})).json()["items"] == []

        bad = await client.get("/v1/sandbox/sms", params={"mobile": "+4915123456789"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["pointer"] == "#/query/mobile"
        assert bad.json()["errors"][0]["type"] == "mobile_not_iranian"
        assert (await client.get("/v1/sandbox/sms")).status_code == 422


async def test_setting_and_clearing_who_owns_a_number(app: FastAPI) -> None:
    number, owner = mobile(), national_code()
    async with caller(app) as client:
        put = await client.put(f"/v1/sandbox/mobile-owners/+98{number[1:]}", json={"national_code": owner})
        assert put.status_code == 200
        assert put.json() == {"mobile": number, "national_code": owner}
        changed = await client.put(
            f"/v1/sandbox/mobile-owners/{number}", json={"national_code": national_code()}
        )
        assert changed.json()["national_code"] != owner
        async with runtime_of(app).sessionmaker() as session:
            assert not await identity_state_of(app).ownership.owns(
                session, national_code=owner, mobile=number
            )
        assert (await client.delete(f"/v1/sandbox/mobile-owners/{number}")).status_code == 204
        assert (await client.delete(f"/v1/sandbox/mobile-owners/{number}")).status_code == 204
        async with runtime_of(app).sessionmaker() as session:
            assert await identity_state_of(app).ownership.owns(session, national_code=owner, mobile=number)

        bad = await client.put(f"/v1/sandbox/mobile-owners/{number}", json={"national_code": "0084575949"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["type"] == "national_code_check_digit"
        not_a_mobile = await client.put("/v1/sandbox/mobile-owners/12345", json={"national_code": owner})
        assert not_a_mobile.json()["errors"][0]["pointer"] == "#/path/mobile"
