"""Helpers for tests of accounts: a client with its own caller address, the SMS code
read back from the sandbox outbox, and a whole registration through the API.

Each ``caller`` has its own address, hence its own per-requester SMS budget, so
tests that send codes do not use up one another's.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from identity_testing.parties import mobile, national_code

STRONG_PASSWORD = "Kavir-Lut-2041!"
_addresses = itertools.count(random.randrange(1, 200) * 65536)


@contextlib.asynccontextmanager
async def caller(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of the (already started) ``app`` from an address of its own."""
    n = next(_addresses)
    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def registration(**overrides: Any) -> dict[str, Any]:
    """A valid registration body with a fresh national code and mobile."""
    return {
        "national_code": national_code(),
        "mobile": mobile(),
        "postal_code": "1136913141",
        "first_name": "مریم",
        "last_name": "احمدی",
        "password": STRONG_PASSWORD,
        **overrides,
    }


async def sms_code(client: httpx.AsyncClient, to: str, purpose: str | None = None) -> str:
    """The code in the newest SMS sent to ``to`` (for ``purpose``), from the sandbox outbox."""
    response = await client.get("/v1/sandbox/sms", params={"mobile": to})
    assert response.status_code == 200, response.text
    for message in response.json()["items"]:
        if purpose is None or message["purpose"] == purpose:
            found = re.search(r"\b(\d{4,8})\b", message["body"])
            assert found, message
            return found.group(1)
    raise AssertionError(f"no SMS for {purpose or 'any purpose'} sent to {to}")


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Register and confirm through the API; the body sent, plus the person's ``id`` and
    ``subject`` and the ``registration_id``."""
    body = registration(**overrides)
    started = await client.post("/v1/registrations", json=body)
    assert started.status_code == 201, started.text
    registration_id = started.json()["id"]
    code = await sms_code(client, body["mobile"], "register")
    confirmed = await client.post(f"/v1/registrations/{registration_id}/confirm", json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    subject = confirmed.json()["subject"]
    return {
        **body,
        "id": subject.removeprefix("user:"),
        "registration_id": registration_id,
        "subject": subject,
    }
