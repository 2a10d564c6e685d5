"""``GET /v1/representations/active-grants``: the grants active today of some grantors, for the
platform's services (machine scope ``grants:read``; the refusals are in the authorization matrix)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import acting_for_token, grant, grant_body, signing_key

from identity.cli import _create_client
from kit.clock import today_tehran

PATH = "/v1/representations/active-grants"


async def _reader_token(settings_for, client: httpx.AsyncClient, scopes: list[str]) -> str:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), "grants reader", scopes)
    response = await client.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_only_the_grants_active_today_are_answered(
    settings_for,  # type: ignore[no-untyped-def]
    app: FastAPI,
    client: httpx.AsyncClient,
) -> None:
    token = await _reader_token(settings_for, client, ["grants:read"])
    merchant = await make_user(app, roles=("base-natural", "merchant"))
    other = await make_user(app, roles=("base-natural", "merchant"))
    agent = await make_user(app)
    _, active = await acting_for_token(app, client, merchant, agent, access_level="limited")
    _, of_other = await acting_for_token(app, client, other, agent)
    _, revoked = await acting_for_token(app, client, merchant, agent)
    answer = await client.post(
        f"/v1/representations/{revoked}/revoke", headers=bearer(await token_for(app, merchant))
    )
    assert answer.status_code == 200, answer.text
    key = await signing_key(app, merchant)
    pending = await grant(client, await token_for(app, merchant), key, grant_body(agent))
    assert pending.status_code == 201
    later = today_tehran() + timedelta(days=3)
    scheduled = await grant(client, await token_for(app, merchant), key, grant_body(agent, starts_on=later))
    assert scheduled.status_code == 201

    response = await client.get(
        PATH,
        params=[("grantor", f"user:{merchant.id}"), ("grantor", f"user:{other.id}"), ("grantor", "nonsense")],
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    items = {item["id"]: item for item in response.json()["items"]}
    assert set(items) == {active, of_other}
    assert items[active] == {
        "id": active,
        "grantor": f"user:{merchant.id}",
        "representative": f"user:{agent.id}",
        "role": "merchant",
        "scopes": ["foreign-trade", "currency"],
        "access_level": "limited",
        "starts_on": today_tehran().isoformat(),
        "ends_on": (today_tehran() + timedelta(days=30)).isoformat(),
    }


async def test_more_than_a_hundred_grantors_or_none_is_422(
    settings_for,  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient,
) -> None:
    token = await _reader_token(settings_for, client, ["grants:read"])
    many = [("grantor", f"user:{i}") for i in range(101)]
    assert (await client.get(PATH, params=many, headers=bearer(token))).status_code == 422
    assert (await client.get(PATH, headers=bearer(token))).status_code == 422


async def test_a_feed_reader_without_grants_read_is_403(
    settings_for,  # type: ignore[no-untyped-def]
    client: httpx.AsyncClient,
) -> None:
    token = await _reader_token(settings_for, client, ["events:read"])
    response = await client.get(PATH, params={"grantor": "user:x"}, headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["grants:read"]
