"""The review's rows 1 and 2, as the attacker, through the gateway over real HTTP.

1. Registration takeover: while the person's registration is pending, the attacker
   registers the same national code and mobile with a password of their own. It must
   be an attempt of its own: the person's confirmation makes the person's account, with
   the person's password; the attacker's password never logs in.
2. Identity squatting: the attacker registers a company's national ID as a legal person.
   Only a manager the companies registry names may: the attacker is refused, blocks
   nobody, and an unverified legal person (as squatted before the fix) is not found by the
   admin look-up, gets no commercial card and cannot be acted as.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from identity_testing.accounts import registration
from identity_testing.parties import national_id
from sqlalchemy import update

from identity.models import LegalManager, Party, VerificationCode
from kit.clock import today_tehran
from kit.runtime import runtime_of
from tests.conftest import Stack
from tests.test_flow_representation import bearer, log_in, ok, register, sms_code

ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
LEGAL_PERSON = "urn:panjereh:params:oauth:token-type:legal-person"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


async def _a_minute_later(stack: Stack, mobile: str) -> None:
    """As if a minute had passed since the last code to ``mobile`` (the per-number interval)."""
    async with runtime_of(stack.apps["identity"]).sessionmaker() as session, session.begin():
        await session.execute(
            update(VerificationCode)
            .where(VerificationCode.mobile == mobile)
            .values(created_at=VerificationCode.created_at - timedelta(seconds=61))
        )


async def _login_status(http: httpx.AsyncClient, person: dict[str, Any]) -> int:
    credentials = {"national_code": person["national_code"], "password": person["password"]}
    return (await http.post("/identity/v1/login", json=credentials)).status_code


async def _admin(stack: Stack, http: httpx.AsyncClient) -> dict[str, str]:
    token = ok(
        await http.post(
            "/identity/v1/token", data={"grant_type": "client_credentials"}, auth=stack.admin_credentials
        )
    )["access_token"]
    return bearer(token)


def _card() -> dict[str, Any]:
    return {
        "role": "merchant",
        "commercial_card": {
            "number": "9876543210",
            "issued_on": "2025-01-01",
            "expires_on": (today_tehran() + timedelta(days=365)).isoformat(),
        },
    }


async def _act_as(http: httpx.AsyncClient, legal_id: str, token: str) -> httpx.Response:
    return await http.post(
        "/identity/v1/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": legal_id,
            "subject_token_type": LEGAL_PERSON,
            "actor_token": token,
            "actor_token_type": ACCESS_TOKEN,
        },
    )


async def test_row_1_a_second_registration_cannot_take_over_a_pending_one(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    person = registration()
    # Shahkar says the number is the person's: the attacker uses both, as the review did.
    ok(
        await http.put(
            f"/identity/v1/sandbox/mobile-owners/{person['mobile']}",
            json={"national_code": person["national_code"]},
        )
    )
    mine = ok(await http.post("/identity/v1/registrations", json=person), 201)
    my_code = await sms_code(http, person["mobile"], "register")

    await _a_minute_later(stack, person["mobile"])
    attacker = {**person, "first_name": "Mallory", "password": "Attacker-Owns-It-99!"}
    theirs = ok(await http.post("/identity/v1/registrations", json=attacker), 201)
    assert theirs["id"] != mine["id"], "the attacker's registration must not be the person's"
    newest = await sms_code(http, person["mobile"], "register")

    if newest != my_code:  # the newest SMS is the attacker's attempt's: it does not confirm the person's
        wrong = await http.post(f"/identity/v1/registrations/{mine['id']}/confirm", json={"code": newest})
        assert wrong.status_code == 422, wrong.text
    ok(await http.post(f"/identity/v1/registrations/{mine['id']}/confirm", json={"code": my_code}))

    assert await _login_status(http, person) == 200
    assert await _login_status(http, attacker) == 401
    late = await http.post(f"/identity/v1/registrations/{theirs['id']}/confirm", json={"code": newest})
    assert late.status_code == 404, late.text
    me = ok(await http.get("/identity/v1/me", headers=bearer((await log_in(http, person))["access_token"])))
    assert me["first_name"] == person["first_name"]


async def test_row_2_a_squatter_cannot_register_a_company_it_does_not_manage(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    squatter, manager = await register(http), await register(http)
    squatter_token = (await log_in(http, squatter))["access_token"]
    manager_token = (await log_in(http, manager))["access_token"]
    company = national_id()
    ok(
        await http.put(
            f"/identity/v1/sandbox/companies/{company}",
            json={"name": "شرکت پارس", "registration_number": "4711", "managers": [manager["national_code"]]},
        )
    )
    admin = await _admin(stack, http)

    squat = await http.post(
        "/identity/v1/legal-persons",
        json={"national_id": company, "name": "Mine"},
        headers=bearer(squatter_token),
    )
    assert squat.status_code == 422, squat.text
    assert squat.json()["code"] == "not-a-registry-manager"
    assert (
        ok(await http.get("/identity/v1/parties", params={"national_id": company}, headers=admin))["items"]
        == []
    )

    # The real manager is not blocked, and the chamber's card lands on the real company.
    legal = ok(
        await http.post(
            "/identity/v1/legal-persons", json={"national_id": company}, headers=bearer(manager_token)
        ),
        201,
    )
    found = ok(await http.get("/identity/v1/parties", params={"national_id": company}, headers=admin))[
        "items"
    ]
    assert [p["id"] for p in found] == [legal["id"]]
    ok(await http.post(f"/identity/v1/parties/{legal['id']}/roles", json=_card(), headers=admin), 201)

    refused = await _act_as(http, legal["id"], squatter_token)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "invalid_grant"
    assert ok(await _act_as(http, legal["id"], manager_token))["access_token"]  # the real manager may


async def test_row_2_a_company_squatted_before_the_fix_holds_no_rights_until_verified(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    """As the migration leaves it: a legal person registered unverified by a squatter is pending."""
    squatter, manager = await register(http), await register(http)
    squatter_token = (await log_in(http, squatter))["access_token"]
    company, legal_id = national_id(), uuid.uuid4()
    async with runtime_of(stack.apps["identity"]).sessionmaker() as session, session.begin():
        session.add(Party(id=legal_id, kind="legal", national_id=company, name="Squatted", status="pending"))
        await session.flush()
        session.add(
            LegalManager(legal_id=legal_id, manager_id=uuid.UUID(squatter["id"]), added_by="migration")
        )
    admin = await _admin(stack, http)

    assert (
        ok(await http.get("/identity/v1/parties", params={"national_id": company}, headers=admin))["items"]
        == []
    )
    card = await http.post(f"/identity/v1/parties/{legal_id}/roles", json=_card(), headers=admin)
    assert card.status_code == 409, card.text
    assert card.json()["code"] == "legal-person-not-verified"
    acted = await _act_as(http, str(legal_id), squatter_token)
    assert acted.status_code == 400, acted.text

    # The registry names the real manager: registering the national ID verifies it and the squatter goes.
    ok(
        await http.put(
            f"/identity/v1/sandbox/companies/{company}",
            json={
                "name": "شرکت واقعی",
                "registration_number": "4712",
                "managers": [manager["national_code"]],
            },
        )
    )
    manager_token = (await log_in(http, manager))["access_token"]
    verified = ok(
        await http.post(
            "/identity/v1/legal-persons", json={"national_id": company}, headers=bearer(manager_token)
        )
    )
    assert (verified["id"], verified["status"]) == (str(legal_id), "active")
    assert [m["id"] for m in verified["managers"]] == [manager["id"]]
    assert (await _act_as(http, str(legal_id), squatter_token)).status_code == 400
    mine = await http.get(f"/identity/v1/legal-persons/{legal_id}", headers=bearer(squatter_token))
    assert mine.status_code == 404
