"""Legal persons: registration by a natural person, managers, and who may see them."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.accounts import caller
from identity_testing.parties import (
    bearer,
    make_user,
    national_code,
    national_id,
    register_company,
    token_for,
)
from sqlalchemy import select

from identity.models import AuditEntry, Party
from identity.state import identity_state_of
from identity.tokens import issue_access_token
from kit.runtime import runtime_of


async def _headers(app: FastAPI, party: Party) -> dict[str, str]:
    return bearer(await token_for(app, party))


async def _create(
    client: httpx.AsyncClient, app: FastAPI, user: Party, *, managers: list[str] | None = None, **body: str
) -> httpx.Response:
    """Register a legal person as ``user``; the sandbox registry names ``managers`` (by default
    ``user``) as its managers."""
    data = {"national_id": national_id(), "name": "پارس", **body}
    nid = data["national_id"].translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    if len(nid) == 11:
        await register_company(app, nid, managers if managers is not None else [str(user.national_code)])
    return await client.post("/v1/legal-persons", json=data, headers=await _headers(app, user))


async def test_register_a_legal_person(app: FastAPI) -> None:
    user = await make_user(app)
    nid = national_id()
    async with caller(app) as client:
        response = await _create(
            client, app, user, national_id=nid.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        )
    assert response.status_code == 201, response.text
    legal = response.json()
    assert legal["national_id"] == nid
    assert legal["status"] == "active"
    assert legal["name"] == "Test Co"  # the registry's name, not the one sent
    assert legal["registration_number"] is not None
    assert legal["verified_at"] is not None
    assert legal["subject"] == f"legal:{legal['id']}"
    assert response.headers["location"].endswith(f"/v1/legal-persons/{legal['id']}")
    assert [m["subject"] for m in legal["managers"]] == [f"user:{user.id}"]
    assert legal["managers"][0]["added_by"] == f"user:{user.id}"
    assert [r["role"] for r in legal["roles"]] == ["base-legal"]
    async with runtime_of(app).sessionmaker() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.object_id == legal["id"]))
    assert entry is not None
    assert (entry.actor, entry.action) == (f"user:{user.id}", "legal-person.registered")


async def test_bad_national_ids_are_refused(app: FastAPI) -> None:
    user = await make_user(app)
    nid = national_id()
    wrong = nid[:10] + str((int(nid[10]) + 1) % 10)
    async with caller(app) as client:
        bad = await _create(client, app, user, national_id=wrong)
        short = await _create(client, app, user, national_id=nid[:10])
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {
            "pointer": "#/body/national_id",
            "detail": "This national ID's check digit (the last) does not match.",
            "type": "legal_national_id_check_digit",
        }
    ]
    assert short.json()["errors"][0]["type"] == "legal_national_id_invalid"
    async with runtime_of(app).sessionmaker() as session:
        assert await session.scalar(select(Party).where(Party.national_id == wrong)) is None


async def test_managers_see_theirs_others_get_404(app: FastAPI) -> None:
    manager, stranger = await make_user(app), await make_user(app)
    async with caller(app) as client:
        mine = [(await _create(client, app, manager)).json() for _ in range(3)]
        theirs = (await _create(client, app, stranger)).json()

        listed = await client.get(
            "/v1/legal-persons", params={"limit": 2}, headers=await _headers(app, manager)
        )
        assert listed.status_code == 200
        page = listed.json()
        assert [p["id"] for p in page["items"]] == [m["id"] for m in mine[:2]]
        rest = await client.get(page["next"], headers=await _headers(app, manager))
        assert [p["id"] for p in rest.json()["items"]] == [mine[2]["id"]]
        assert rest.json()["next"] is None

        own = await client.get(f"/v1/legal-persons/{mine[0]['id']}", headers=await _headers(app, manager))
        assert own.status_code == 200
        assert own.json()["managers"][0]["id"] == str(manager.id)
        for path in (f"/v1/legal-persons/{theirs['id']}", f"/v1/legal-persons/{uuid.uuid4()}"):
            hidden = await client.get(path, headers=await _headers(app, manager))
            assert hidden.status_code == 404
            assert hidden.json()["code"] == "legal-person-not-found"
        # A natural person's ID is not a legal person.
        assert (
            await client.get(f"/v1/legal-persons/{manager.id}", headers=await _headers(app, manager))
        ).status_code == 404


async def test_a_manager_adds_another(app: FastAPI) -> None:
    manager, colleague, stranger = await make_user(app), await make_user(app), await make_user(app)
    pending = await make_user(app, status="pending")
    outsider = await make_user(app)
    registry = [str(p.national_code) for p in (manager, colleague, stranger, pending)]
    async with caller(app) as client:
        legal = (await _create(client, app, manager, managers=registry)).json()
        path = f"/v1/legal-persons/{legal['id']}/managers"

        added = await client.post(
            path, json={"national_code": colleague.national_code}, headers=await _headers(app, manager)
        )
        assert added.status_code == 201, added.text
        assert added.json()["subject"] == f"user:{colleague.id}"
        assert added.json()["added_by"] == f"user:{manager.id}"

        seen = await client.get(f"/v1/legal-persons/{legal['id']}", headers=await _headers(app, colleague))
        assert seen.status_code == 200
        assert {m["id"] for m in seen.json()["managers"]} == {str(manager.id), str(colleague.id)}
        listed = await client.get("/v1/legal-persons", headers=await _headers(app, colleague))
        assert legal["id"] in [p["id"] for p in listed.json()["items"]]

        again = await client.post(
            path, json={"national_code": colleague.national_code}, headers=await _headers(app, colleague)
        )
        assert again.status_code == 409
        assert again.json()["code"] == "already-manager"

        for code in (national_code(), pending.national_code):
            unknown = await client.post(
                path, json={"national_code": code}, headers=await _headers(app, manager)
            )
            assert unknown.status_code == 422
            assert unknown.json()["errors"][0]["pointer"] == "#/body/national_code"
            assert unknown.json()["errors"][0]["type"] == "person_not_registered"

        # Registered, but the companies registry does not name them.
        unnamed = await client.post(
            path, json={"national_code": outsider.national_code}, headers=await _headers(app, manager)
        )
        assert unnamed.status_code == 422, unnamed.text
        assert unnamed.json()["code"] == "not-a-registry-manager"
        assert unnamed.json()["errors"][0]["pointer"] == "#/body/national_code"

        intruder = await client.post(
            path, json={"national_code": stranger.national_code}, headers=await _headers(app, stranger)
        )
        assert intruder.status_code == 404
        async with runtime_of(app).sessionmaker() as session:
            actions = (
                await session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == legal["id"]))
            ).all()
        assert sorted(actions) == ["legal-manager.added", "legal-person.registered"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/legal-persons"),
        ("POST", "/v1/legal-persons"),
        ("GET", "/v1/legal-persons/00000000-0000-0000-0000-000000000000"),
        ("POST", "/v1/legal-persons/00000000-0000-0000-0000-000000000000/managers"),
    ],
)
async def test_only_a_user_acting_for_themselves(app: FastAPI, method: str, path: str) -> None:
    user, agent = await make_user(app), await make_user(app)
    body = {"national_id": national_id(), "name": "x"} if method == "POST" else None
    if path.endswith("managers"):
        body = {"national_code": agent.national_code}
    machine, _ = await issue_access_token(
        identity_state_of(app),
        subject="client:test-admin",
        claims={"scope": "admin", "client_id": "test-admin"},
    )
    acting_for = await token_for(app, user, act={"sub": f"user:{agent.id}"}, access_level="full")
    async with caller(app) as client:
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401
        for token in (machine, acting_for):
            refused = await client.request(method, path, json=body, headers=bearer(token))
            assert refused.status_code == 403, refused.text
            assert refused.json()["code"] == "user-token-required"
