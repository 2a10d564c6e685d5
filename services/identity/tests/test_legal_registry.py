"""Legal persons are what the companies registry says: only a manager it names registers
or manages one; an unverified (pending) legal person holds no rights; and the adapters
(sandbox, HTTP, none) behind the registry interface."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from fastapi import FastAPI
from identity_client.representations import LEGAL_PERSON_TOKEN_TYPE
from identity_testing.accounts import caller
from identity_testing.parties import (
    bearer,
    make_legal,
    make_user,
    national_code,
    national_id,
    register_company,
    token_for,
)
from identity_testing.representation import exchange, grant, grant_body, signing_key
from kit_testing import app_client
from pydantic import SecretStr
from sqlalchemy import func, select

from identity.adapters import AdapterNotConfigured, company_registry
from identity.adapters.company_registry import (
    HttpCompanyRegistry,
    SandboxCompanyRegistry,
    UnconfiguredCompanyRegistry,
)
from identity.exceptions import CompanyRegistryUnavailable
from identity.main import create_app
from identity.models import AuditEntry, LegalManager, Party
from kit.runtime import runtime_of

REGISTRY = "https://registry.test/v1/legal-persons"


async def _post(client: httpx.AsyncClient, app: FastAPI, user: Party, nid: str) -> httpx.Response:
    return await client.post(
        "/v1/legal-persons", json={"national_id": nid}, headers=bearer(await token_for(app, user))
    )


async def _parties_with(app: FastAPI, nid: str) -> int:
    async with runtime_of(app).sessionmaker() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Party).where(Party.national_id == nid)) or 0
        )


async def test_a_national_id_the_registry_does_not_know_is_refused(app: FastAPI) -> None:
    user = await make_user(app)
    nid = national_id()
    async with caller(app) as client:
        response = await _post(client, app, user, nid)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "legal-person-not-in-registry"
    assert response.json()["errors"][0]["pointer"] == "#/body/national_id"
    assert await _parties_with(app, nid) == 0


async def test_a_dissolved_legal_person_is_refused(app: FastAPI) -> None:
    user = await make_user(app)
    nid = national_id()
    await register_company(app, nid, [str(user.national_code)], status="dissolved")
    async with caller(app) as client:
        response = await _post(client, app, user, nid)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "legal-person-not-active-in-registry"
    assert await _parties_with(app, nid) == 0


async def test_a_squatter_is_refused_and_blocks_no_real_manager(app: FastAPI) -> None:
    squatter, manager, colleague = await make_user(app), await make_user(app), await make_user(app)
    nid = national_id()
    await register_company(app, nid, [str(manager.national_code), str(colleague.national_code)], name="پارس")
    async with caller(app) as client:
        refused = await _post(client, app, squatter, nid)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "not-a-registry-manager"
        assert await _parties_with(app, nid) == 0

        created = await _post(client, app, manager, nid)
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "پارس"
        # Another manager the registry names joins it (200), the squatter still cannot.
        joined = await _post(client, app, colleague, nid)
        assert joined.status_code == 200, joined.text
        assert joined.json()["id"] == created.json()["id"]
        assert {m["id"] for m in joined.json()["managers"]} == {str(manager.id), str(colleague.id)}
        assert (await _post(client, app, squatter, nid)).status_code == 422
    assert await _parties_with(app, nid) == 1


async def test_an_unverified_legal_person_holds_no_rights(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    """A legal person registered before verification existed (pending after the migration),
    with a squatter as its manager."""
    squatter, agent = await make_user(app), await make_user(app)
    legal = await make_legal(app, squatter, status="pending", roles=("base-legal", "trader"))
    squatter_token = await token_for(app, squatter)
    admin = bearer(admin_token)

    found = await client.get("/v1/parties", params={"national_id": legal.national_id}, headers=admin)
    assert found.status_code == 200
    assert found.json()["items"] == []

    card = {
        "role": "merchant",
        "commercial_card": {"number": "1234567890", "issued_on": "2025-01-01", "expires_on": "2035-01-01"},
    }
    assigned = await client.post(f"/v1/parties/{legal.id}/roles", json=card, headers=admin)
    assert assigned.status_code == 409, assigned.text
    assert assigned.json()["code"] == "legal-person-not-verified"

    acted = await exchange(client, str(legal.id), squatter_token, LEGAL_PERSON_TOKEN_TYPE)
    assert acted.status_code == 400, acted.text
    assert acted.json()["error"] == "invalid_grant"

    key = await signing_key(app, squatter)
    granted = await grant(
        client, squatter_token, key, grant_body(agent, role="trader", legal_person_id=str(legal.id))
    )
    assert granted.status_code == 422, granted.text
    assert granted.json()["code"] == "grantor-not-verified"

    added = await client.post(
        f"/v1/legal-persons/{legal.id}/managers",
        json={"national_code": agent.national_code},
        headers=bearer(squatter_token),
    )
    assert added.status_code == 409, added.text
    assert added.json()["code"] == "legal-person-not-verified"


async def test_a_real_manager_verifies_a_pending_legal_person_and_the_squatter_goes(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str
) -> None:
    squatter, manager = await make_user(app), await make_user(app)
    legal = await make_legal(app, squatter, status="pending")
    assert legal.national_id is not None
    await register_company(app, legal.national_id, [str(manager.national_code)], name="Real Co")

    # The squatter is not named by the registry: refused, and nothing changes.
    assert (await _post(client, app, squatter, legal.national_id)).status_code == 422

    verified = await _post(client, app, manager, legal.national_id)
    assert verified.status_code == 200, verified.text
    out = verified.json()
    assert (out["id"], out["status"], out["name"]) == (str(legal.id), "active", "Real Co")
    assert [m["id"] for m in out["managers"]] == [str(manager.id)]
    hidden = await client.get(f"/v1/legal-persons/{legal.id}", headers=bearer(await token_for(app, squatter)))
    assert hidden.status_code == 404

    found = await client.get(
        "/v1/parties", params={"national_id": legal.national_id}, headers=bearer(admin_token)
    )
    assert [p["id"] for p in found.json()["items"]] == [str(legal.id)]
    async with runtime_of(app).sessionmaker() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_id == str(legal.id)).order_by(AuditEntry.id)
            )
        ).all()
        links = (
            await session.scalars(select(LegalManager.manager_id).where(LegalManager.legal_id == legal.id))
        ).all()
    assert actions == ["legal-manager.removed", "legal-person.verified"]
    assert links == [manager.id]


async def test_concurrent_registrations_of_one_national_id_make_one_party(app: FastAPI) -> None:
    first, second = await make_user(app), await make_user(app)
    nid = national_id()
    await register_company(app, nid, [str(first.national_code), str(second.national_code)])
    async with caller(app) as one, caller(app) as two:
        answers = await asyncio.gather(_post(one, app, first, nid), _post(two, app, second, nid))
    assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
    assert await _parties_with(app, nid) == 1


# --- Adapters ------------------------------------------------------------------------------------


async def test_the_sandbox_registry_answers_from_its_table(app: FastAPI, client: httpx.AsyncClient) -> None:
    nid, manager = national_id(), national_code()
    registry = SandboxCompanyRegistry()
    async with runtime_of(app).sessionmaker() as session:
        assert await registry.lookup(session, nid) is None
    body = {"name": "پارس", "registration_number": "4711", "managers": [manager]}
    put = await client.put(f"/v1/sandbox/companies/{nid}", json=body)
    assert put.status_code == 200, put.text
    async with runtime_of(app).sessionmaker() as session:
        record = await registry.lookup(session, nid)
    assert record is not None
    assert (record.name, record.registration_number, record.active) == ("پارس", "4711", True)
    assert record.manager_national_codes == {manager}
    assert (await client.delete(f"/v1/sandbox/companies/{nid}")).status_code == 204
    async with runtime_of(app).sessionmaker() as session:
        assert await registry.lookup(session, nid) is None


@pytest.fixture
async def http_registry() -> AsyncIterator[HttpCompanyRegistry]:
    async with httpx.AsyncClient() as http:
        yield HttpCompanyRegistry(http, url=REGISTRY + "/", token="registry-token")


def _record(nid: str, **change: object) -> dict[str, object]:
    return {
        "national_id": nid,
        "name": "شرکت پارس",
        "registration_number": "۱۲۳۴۵",
        "status": "Active",
        "managers": [{"national_code": "0084575948", "role": "CEO"}, {"national_code": "0499370899"}],
        **change,
    }


@respx.mock
async def test_the_http_registry_reads_the_record(app: FastAPI, http_registry: HttpCompanyRegistry) -> None:
    nid = national_id()
    route = respx.get(f"{REGISTRY}/{nid}").mock(return_value=httpx.Response(200, json=_record(nid)))
    async with runtime_of(app).sessionmaker() as session:
        record = await http_registry.lookup(session, nid)
    assert record is not None
    assert (record.name, record.registration_number, record.active) == ("شرکت پارس", "12345", True)
    assert record.manager_national_codes == {"0084575948", "0499370899"}
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer registry-token"


@respx.mock
async def test_the_http_registry_not_found_is_none(app: FastAPI, http_registry: HttpCompanyRegistry) -> None:
    nid = national_id()
    respx.get(f"{REGISTRY}/{nid}").mock(return_value=httpx.Response(404, json={"detail": "no such"}))
    async with runtime_of(app).sessionmaker() as session:
        assert await http_registry.lookup(session, nid) is None


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, json={"error": "down"}),
        httpx.Response(401, json={"error": "bad token"}),
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"result": 1}),
        httpx.Response(200, json=["not", "an", "object"]),
        "other-national-id",
        "manager-without-code",
        "no-managers",
        "no-name",
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
    ids=lambda a: a if isinstance(a, str) else type(a).__name__ + getattr(a, "text", "")[:20],
)
@respx.mock
async def test_the_http_registry_out_of_contract_is_503(
    app: FastAPI, http_registry: HttpCompanyRegistry, answer: object
) -> None:
    nid = national_id()
    route = respx.get(f"{REGISTRY}/{nid}")
    if answer == "other-national-id":
        route.mock(return_value=httpx.Response(200, json=_record(national_id())))
    elif answer == "manager-without-code":
        route.mock(return_value=httpx.Response(200, json=_record(nid, managers=[{"name": "x"}])))
    elif answer == "no-managers":
        route.mock(return_value=httpx.Response(200, json=_record(nid, managers=None)))
    elif answer == "no-name":
        route.mock(return_value=httpx.Response(200, json=_record(nid, name="  ")))
    elif isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)
    async with runtime_of(app).sessionmaker() as session:
        with pytest.raises(CompanyRegistryUnavailable):
            await http_registry.lookup(session, nid)


def test_the_registry_adapter_is_chosen_by_settings(app: FastAPI) -> None:
    http = httpx.AsyncClient()
    sandbox = runtime_of(app).settings.model_copy(update={"company_registry_adapter": ""})
    assert isinstance(company_registry(sandbox, http), SandboxCompanyRegistry)
    production = sandbox.model_copy(update={"sandbox": False})
    assert isinstance(company_registry(production, http), UnconfiguredCompanyRegistry)
    with pytest.raises(AdapterNotConfigured, match="IDENTITY_COMPANY_REGISTRY_URL"):
        company_registry(production.model_copy(update={"company_registry_adapter": "http"}), http)
    configured = production.model_copy(
        update={
            "company_registry_adapter": "http",
            "company_registry_url": REGISTRY,
            "company_registry_token": SecretStr("t"),
        }
    )
    assert isinstance(company_registry(configured, http), HttpCompanyRegistry)


async def test_without_a_registry_no_legal_person_is_registered(settings_for) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings_for("identity", sandbox=False, company_registry_adapter=""))
    async with app_client(app):
        user = await make_user(app)
        nid = national_id()
        async with caller(app) as client:
            response = await _post(client, app, user, nid)
        assert await _parties_with(app, nid) == 0
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "company-registry-unavailable"
