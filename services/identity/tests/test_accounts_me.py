"""The profile (`GET /v1/me`) and change of mobile."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from fastapi import FastAPI
from identity_testing.accounts import caller, sms_code
from identity_testing.parties import bearer, make_user, mobile, national_code, token_for
from sqlalchemy import select

from identity.models import AuditEntry, Party, VerificationCode
from identity.state import identity_state_of
from identity.tokens import issue_access_token
from kit.runtime import runtime_of


async def _headers(app: FastAPI, party: Party) -> dict[str, str]:
    return bearer(await token_for(app, party))


async def _mobile_of(app: FastAPI, party: Party) -> str | None:
    async with runtime_of(app).sessionmaker() as session:
        return await session.scalar(select(Party.mobile).where(Party.id == party.id))


async def _sms(client: httpx.AsyncClient, to: str) -> list[dict]:
    return (await client.get("/v1/sandbox/sms", params={"mobile": to})).json()["items"]


async def test_my_profile(app: FastAPI) -> None:
    user = await make_user(
        app, roles=("base-natural", "merchant"), card_expires_on=date(2031, 3, 20), two_factor="totp"
    )
    async with caller(app) as client:
        response = await client.get("/v1/me", headers=await _headers(app, user))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["id"] == str(user.id)
    assert me["subject"] == f"user:{user.id}"
    assert me["national_code"] == user.national_code
    assert me["kind"] == "natural"
    assert me["mobile"] == f"{user.mobile[:4]}***{user.mobile[-4:]}"
    assert me["postal_code"] == "1136913141"
    assert me["two_factor"] == "totp"
    roles = {r["role"]: r for r in me["roles"]}
    assert set(roles) == {"base-natural", "merchant"}
    assert roles["merchant"]["commercial_card"]["expires_on"] == "2031-03-20"
    assert roles["merchant"]["commercial_card"]["valid"] is True


async def test_my_profile_needs_my_own_token(app: FastAPI) -> None:
    user, agent = await make_user(app), await make_user(app)
    machine, _ = await issue_access_token(
        identity_state_of(app), subject="client:test", claims={"scope": "admin", "client_id": "test"}
    )
    async with caller(app) as client:
        anonymous = await client.get("/v1/me")
        assert anonymous.status_code == 401
        assert anonymous.json()["code"] == "unauthenticated"
        assert (
            await client.get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
        ).status_code == 401
        for token in (machine, await token_for(app, user, act={"sub": f"user:{agent.id}"})):
            assert (await client.get("/v1/me", headers=bearer(token))).status_code == 403


async def test_change_of_mobile(app: FastAPI) -> None:
    user = await make_user(app)
    old, new = user.mobile, mobile()
    assert old is not None
    async with caller(app) as client:
        headers = await _headers(app, user)
        started = await client.post("/v1/me/mobile-change", json={"mobile": "+98" + new[1:]}, headers=headers)
        assert started.status_code == 202, started.text
        change = started.json()
        assert change["mobile"] == f"{new[:4]}***{new[-4:]}"
        assert change["expires_at"]

        # The code goes to the NEW number, nothing to the old one yet.
        assert [m["purpose"] for m in await _sms(client, new)] == ["mobile-change"]
        assert await _sms(client, old) == []
        code = await sms_code(client, new, "mobile-change")
        assert await _mobile_of(app, user) == old

        confirmed = await client.post(
            f"/v1/me/mobile-change/{change['id']}/confirm", json={"code": code}, headers=headers
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["mobile"] == f"{new[:4]}***{new[-4:]}"
        assert await _mobile_of(app, user) == new
        notice = await _sms(client, old)
        assert [m["purpose"] for m in notice] == ["mobile-changed-notice"]
        assert new[-4:] in notice[0]["body"]

        again = await client.post(
            f"/v1/me/mobile-change/{change['id']}/confirm", json={"code": code}, headers=headers
        )
        assert again.status_code == 409
        assert again.json()["code"] == "code-spent"
    async with runtime_of(app).sessionmaker() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_id == str(user.id)).order_by(AuditEntry.id)
            )
        ).all()
    assert actions == ["mobile-change.requested", "mobile.changed"]


async def test_the_new_number_must_belong_to_my_national_code(app: FastAPI) -> None:
    user = await make_user(app)
    new = mobile()
    async with caller(app) as client:
        owned = await client.put(f"/v1/sandbox/mobile-owners/{new}", json={"national_code": national_code()})
        assert owned.status_code == 200
        refused = await client.post(
            "/v1/me/mobile-change", json={"mobile": new}, headers=await _headers(app, user)
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "mobile-not-owned"
        assert refused.json()["errors"] == [
            {"pointer": "#/body/mobile", "detail": refused.json()["detail"], "type": "mobile_not_owned"}
        ]
        assert await _sms(client, new) == []

        await client.put(f"/v1/sandbox/mobile-owners/{new}", json={"national_code": user.national_code})
        assert (
            await client.post("/v1/me/mobile-change", json={"mobile": new}, headers=await _headers(app, user))
        ).status_code == 202


async def test_only_i_can_confirm_my_change(app: FastAPI) -> None:
    user, other = await make_user(app), await make_user(app)
    new = mobile()
    async with caller(app) as client:
        change = (
            await client.post("/v1/me/mobile-change", json={"mobile": new}, headers=await _headers(app, user))
        ).json()
        code = await sms_code(client, new)
        for change_id in (change["id"], str(uuid.uuid4())):
            stolen = await client.post(
                f"/v1/me/mobile-change/{change_id}/confirm",
                json={"code": code},
                headers=await _headers(app, other),
            )
            assert stolen.status_code == 404
            assert stolen.json()["code"] == "mobile-change-not-found"
        async with runtime_of(app).sessionmaker() as session:
            tried = await session.get(VerificationCode, uuid.UUID(change["id"]))
        assert tried is not None
        assert tried.attempts == 0  # the other user's tries never reached the code
        assert await _mobile_of(app, other) == other.mobile

        wrong = f"{(int(code) + 1) % 10000:04d}"
        refused = await client.post(
            f"/v1/me/mobile-change/{change['id']}/confirm",
            json={"code": wrong},
            headers=await _headers(app, user),
        )
        assert refused.status_code == 422
        assert await _mobile_of(app, user) == user.mobile
        ok = await client.post(
            f"/v1/me/mobile-change/{change['id']}/confirm",
            json={"code": code},
            headers=await _headers(app, user),
        )
        assert ok.status_code == 200


async def test_change_of_mobile_refusals(app: FastAPI) -> None:
    user, agent = await make_user(app), await make_user(app)
    async with caller(app) as client:
        same = await client.post(
            "/v1/me/mobile-change", json={"mobile": user.mobile}, headers=await _headers(app, user)
        )
        assert same.status_code == 422
        assert same.json()["errors"][0]["type"] == "mobile_unchanged"
        foreign = await client.post(
            "/v1/me/mobile-change", json={"mobile": "+14155552671"}, headers=await _headers(app, user)
        )
        assert foreign.json()["errors"][0] == {
            "pointer": "#/body/mobile",
            "detail": foreign.json()["errors"][0]["detail"],
            "type": "mobile_not_iranian",
        }
        assert (await client.post("/v1/me/mobile-change", json={"mobile": mobile()})).status_code == 401
        acting_for = bearer(await token_for(app, user, act={"sub": f"user:{agent.id}"}))
        assert (
            await client.post("/v1/me/mobile-change", json={"mobile": mobile()}, headers=acting_for)
        ).status_code == 403
        new = mobile()
        await client.post("/v1/me/mobile-change", json={"mobile": new}, headers=await _headers(app, user))
        too_soon = await client.post(
            "/v1/me/mobile-change", json={"mobile": new}, headers=await _headers(app, user)
        )
        assert too_soon.status_code == 429
        assert too_soon.json()["limit"] == "per-mobile-interval"
