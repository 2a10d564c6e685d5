"""SMS adapters: the outbox, Kavenegar (respx), and selection by settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from fastapi import FastAPI
from identity_testing.parties import mobile
from pydantic import SecretStr
from sqlalchemy import select

from identity.adapters import AdapterNotConfigured, sms_sender
from identity.adapters.sms import KavenegarSms, OutboxSms
from identity.exceptions import SmsUnavailable
from identity.models import SmsMessage
from kit.runtime import runtime_of

BASE = "https://kavenegar.test/v1"
LOOKUP = f"{BASE}/the-key/verify/lookup.json"
SEND = f"{BASE}/the-key/sms/send.json"


def _accepted(message_id: int = 8792343) -> dict:
    return {
        "return": {"status": 200, "message": "تایید شد"},
        "entries": [
            {
                "messageid": message_id,
                "message": "...",
                "status": 5,
                "statustext": "ارسال به مخابرات",
                "sender": "10004346",
                "receptor": "09121234567",
                "date": 1356619709,
                "cost": 120,
            }
        ],
    }


@pytest.fixture
async def kavenegar() -> AsyncIterator[KavenegarSms]:
    async with httpx.AsyncClient() as http:
        yield KavenegarSms(http, base_url=BASE, api_key="the-key", template="panjereh-verify")


async def _stored(app: FastAPI, to: str) -> list[SmsMessage]:
    async with runtime_of(app).sessionmaker() as session:
        return list((await session.scalars(select(SmsMessage).where(SmsMessage.mobile == to))).all())


@respx.mock
async def test_kavenegar_sends_a_code_through_its_template_and_records_it_masked(
    app: FastAPI, kavenegar: KavenegarSms
) -> None:
    route = respx.post(LOOKUP).mock(return_value=httpx.Response(200, json=_accepted()))
    to = mobile()
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await kavenegar.send(session, mobile=to, body="Panjereh code: 4821", purpose="register", code="4821")
    sent = dict(httpx.QueryParams(route.calls.last.request.content.decode()))
    assert sent == {"receptor": to, "token": "4821", "template": "panjereh-verify"}
    [message] = await _stored(app, to)
    assert message.body == "Panjereh code: ****"  # no live code in the table
    assert (message.adapter, message.provider_message_id, message.status) == ("kavenegar", "8792343", "5")


@respx.mock
async def test_kavenegar_sends_a_plain_message_without_a_template(
    app: FastAPI, kavenegar: KavenegarSms
) -> None:
    route = respx.post(SEND).mock(return_value=httpx.Response(200, json=_accepted(17)))
    to = mobile()
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await kavenegar.send(session, mobile=to, body="Your number was changed.", purpose="notice")
    assert dict(httpx.QueryParams(route.calls.last.request.content.decode())) == {
        "receptor": to,
        "message": "Your number was changed.",
    }
    [message] = await _stored(app, to)
    assert (message.body, message.provider_message_id) == ("Your number was changed.", "17")


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            418, json={"return": {"status": 418, "message": "اعتبار حساب شما کافی نیست"}, "entries": None}
        ),
        httpx.Response(
            200, json={"return": {"status": 424, "message": "الگوی مورد نظر پیدا نشد"}, "entries": []}
        ),
        httpx.Response(200, json={"return": {"status": 200}, "entries": []}),
        httpx.Response(200, json={"return": "ok"}),
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.ConnectTimeout("timed out"),
    ],
)
@respx.mock
async def test_kavenegar_failures_are_503(app: FastAPI, kavenegar: KavenegarSms, answer: object) -> None:
    route = respx.post(LOOKUP)
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)
    to = mobile()
    with pytest.raises(SmsUnavailable) as caught:
        async with runtime_of(app).sessionmaker() as session, session.begin():
            await kavenegar.send(
                session, mobile=to, body="Panjereh code: 1111", purpose="register", code="1111"
            )
    assert caught.value.status == 503
    assert "the-key" not in caught.value.detail
    assert await _stored(app, to) == []


async def test_outbox_records_the_message_as_sent(app: FastAPI) -> None:
    to = mobile()
    async with runtime_of(app).sessionmaker() as session, session.begin():
        await OutboxSms().send(
            session, mobile=to, body="Panjereh code: 1234", purpose="register", code="1234"
        )
    [message] = await _stored(app, to)
    assert (message.body, message.adapter, message.status) == ("Panjereh code: 1234", "outbox", "stored")


def test_selection_by_settings(app: FastAPI) -> None:
    http = httpx.AsyncClient()
    settings = runtime_of(app).settings
    assert isinstance(sms_sender(settings, http), OutboxSms)
    chosen = sms_sender(
        settings.model_copy(update={"sms_adapter": "kavenegar", "kavenegar_api_key": SecretStr("k")}), http
    )
    assert isinstance(chosen, KavenegarSms)
    with pytest.raises(AdapterNotConfigured, match="IDENTITY_KAVENEGAR_API_KEY"):
        sms_sender(settings.model_copy(update={"sms_adapter": "kavenegar"}), http)
