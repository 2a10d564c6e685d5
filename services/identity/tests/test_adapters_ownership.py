"""Mobile-ownership inquiry: the sandbox adapter, Zohal's Shahkar (respx), selection and refusal to start."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from fastapi import FastAPI
from identity_testing.accounts import caller, registration
from identity_testing.parties import mobile, national_code
from kit_testing import app_client
from pydantic import SecretStr
from sqlalchemy import select

from identity.adapters import AdapterNotConfigured, ownership_inquiry
from identity.adapters.ownership import SandboxOwnership, ZohalShahkar
from identity.exceptions import OwnershipInquiryUnavailable
from identity.main import create_app
from identity.models import RegistrationAttempt, SandboxMobileOwner
from kit.runtime import runtime_of

ZOHAL = "https://zohal.test/api/v0/services/inquiry/shahkar"


def _answer(matched: bool) -> dict:
    return {"result": 1, "response_body": {"data": {"matched": matched}, "message": None, "error_code": None}}


async def test_sandbox_ownership_answers_from_its_table(app: FastAPI) -> None:
    number, owner, other = mobile(), national_code(), national_code()
    inquiry = SandboxOwnership()
    async with runtime_of(app).sessionmaker() as session:
        assert await inquiry.owns(session, national_code=other, mobile=number)  # no row: whoever asks
    async with runtime_of(app).sessionmaker() as session, session.begin():
        session.add(SandboxMobileOwner(mobile=number, national_code=owner))
    async with runtime_of(app).sessionmaker() as session:
        assert await inquiry.owns(session, national_code=owner, mobile=number)
        assert not await inquiry.owns(session, national_code=other, mobile=number)


@pytest.fixture
async def zohal() -> AsyncIterator[ZohalShahkar]:
    async with httpx.AsyncClient() as http:
        yield ZohalShahkar(http, url=ZOHAL, token="secret-token")


@pytest.mark.parametrize("matched", [True, False])
@respx.mock
async def test_zohal_asks_shahkar(app: FastAPI, zohal: ZohalShahkar, matched: bool) -> None:
    route = respx.post(ZOHAL).mock(return_value=httpx.Response(200, json=_answer(matched)))
    async with runtime_of(app).sessionmaker() as session:
        assert await zohal.owns(session, national_code="0084575948", mobile="09121234567") is matched
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer secret-token"
    assert json.loads(request.content) == {"national_code": "0084575948", "mobile": "09121234567"}


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            200, json={"result": 5, "response_body": {"data": {}, "message": "سرویس در دسترس نیست"}}
        ),
        httpx.Response(200, json={"result": 4, "response_body": None}),
        httpx.Response(200, json={"result": 1, "response_body": {"data": {"matched": "yes"}}}),
        httpx.Response(200, json={"result": 1, "response_body": "matched"}),
        httpx.Response(200, json=[1, 2]),
        httpx.Response(401, json={"result": 1, "response_body": {"data": {"matched": True}}}),
        httpx.Response(500, text="oops"),
        httpx.ReadTimeout("slow"),
    ],
)
@respx.mock
async def test_zohal_failures_are_503(app: FastAPI, zohal: ZohalShahkar, answer: object) -> None:
    route = respx.post(ZOHAL)
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)
    async with runtime_of(app).sessionmaker() as session:
        with pytest.raises(OwnershipInquiryUnavailable) as caught:
            await zohal.owns(session, national_code="0084575948", mobile="09121234567")
    assert caught.value.status == 503


def test_selection_and_refusal_to_start(app: FastAPI) -> None:
    http = httpx.AsyncClient()
    sandbox = runtime_of(app).settings.model_copy(update={"ownership_adapter": ""})
    assert sandbox.sandbox
    assert isinstance(ownership_inquiry(sandbox, http), SandboxOwnership)
    production = sandbox.model_copy(update={"sandbox": False, "ownership_adapter": ""})
    with pytest.raises(AdapterNotConfigured, match="IDENTITY_OWNERSHIP_ADAPTER"):
        ownership_inquiry(production, http)
    explicit = production.model_copy(update={"ownership_adapter": "sandbox"})
    assert isinstance(ownership_inquiry(explicit, http), SandboxOwnership)
    with pytest.raises(AdapterNotConfigured, match="IDENTITY_ZOHAL_TOKEN"):
        ownership_inquiry(production.model_copy(update={"ownership_adapter": "zohal"}), http)
    zohal = production.model_copy(update={"ownership_adapter": "zohal", "zohal_token": SecretStr("t")})
    assert isinstance(ownership_inquiry(zohal, http), ZohalShahkar)


async def test_identity_refuses_to_start_outside_the_sandbox_without_an_inquiry(settings_for) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings_for("identity", sandbox=False, ownership_adapter=""))
    with pytest.raises(AdapterNotConfigured):
        async with app_client(app):
            pass


@pytest.fixture(scope="module")
async def zohal_app(settings_for) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    app = create_app(
        settings_for("identity", sandbox=True, ownership_adapter="zohal", zohal_token="t", zohal_url=ZOHAL)
    )
    async with app_client(app):
        yield app


@respx.mock
async def test_registration_through_zohal(zohal_app: FastAPI) -> None:
    async with caller(zohal_app) as client:
        down = registration()
        respx.post(ZOHAL).mock(return_value=httpx.Response(200, json={"result": 5}))
        response = await client.post("/v1/registrations", json=down)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "ownership-inquiry-unavailable"

        not_theirs = registration()
        respx.post(ZOHAL).mock(return_value=httpx.Response(200, json=_answer(False)))
        response = await client.post("/v1/registrations", json=not_theirs)
        assert response.status_code == 422
        assert response.json()["errors"][0]["type"] == "mobile_not_owned"

        theirs = registration()
        respx.post(ZOHAL).mock(return_value=httpx.Response(200, json=_answer(True)))
        assert (await client.post("/v1/registrations", json=theirs)).status_code == 201

    async with runtime_of(zohal_app).sessionmaker() as session:
        created = set(
            (
                await session.scalars(
                    select(RegistrationAttempt.national_code).where(
                        RegistrationAttempt.national_code.in_(
                            [b["national_code"] for b in (down, not_theirs, theirs)]
                        )
                    )
                )
            ).all()
        )
    assert created == {theirs["national_code"]}
