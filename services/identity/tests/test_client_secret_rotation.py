"""Machine clients: secret rotation with a grace period, and disabling."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import bearer, make_user, token_for
from sqlalchemy import select, update

from identity.cli import _create_client
from identity.models import AuditEntry, MachineClient
from kit.clock import now_utc
from kit.runtime import runtime_of


@pytest.fixture
async def machine(settings_for) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    created = await _create_client(settings_for("identity"), "Rotation test", ["clearance-agent"])
    return created["client_id"], created["client_secret"]


async def _token_status(client: httpx.AsyncClient, client_id: str, secret: str) -> int:
    response = await client.post(
        "/v1/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    if response.status_code != 200:
        assert response.json()["error"] == "invalid_client"
    return response.status_code


async def test_rotation_without_grace_stops_the_old_secret_at_once(
    client: httpx.AsyncClient, admin_token: str, machine: tuple[str, str]
) -> None:
    client_id, old = machine
    rotated = await client.post(f"/v1/clients/{client_id}/secret", headers=bearer(admin_token))
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    body = rotated.json()
    assert body["client_id"] == client_id
    assert body["previous_secret_valid_until"] is None
    new = body["client_secret"]
    assert new != old
    assert await _token_status(client, client_id, new) == 200
    assert await _token_status(client, client_id, old) == 401


async def test_grace_keeps_the_old_secret_until_it_ends(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str, machine: tuple[str, str]
) -> None:
    client_id, old = machine
    before = now_utc()
    rotated = await client.post(
        f"/v1/clients/{client_id}/secret", json={"grace_seconds": 3600}, headers=bearer(admin_token)
    )
    assert rotated.status_code == 200
    new = rotated.json()["client_secret"]
    valid_until = rotated.json()["previous_secret_valid_until"]
    assert valid_until is not None
    assert await _token_status(client, client_id, new) == 200
    assert await _token_status(client, client_id, old) == 200

    async with runtime_of(app).sessionmaker() as session, session.begin():
        row = await session.scalar(select(MachineClient).where(MachineClient.client_id == client_id))
        assert row is not None
        assert timedelta(seconds=3590) < row.previous_secret_valid_until - before < timedelta(seconds=3610)
        await session.execute(
            update(MachineClient)
            .where(MachineClient.client_id == client_id)
            .values(previous_secret_valid_until=now_utc() - timedelta(seconds=1))
        )
    assert await _token_status(client, client_id, old) == 401
    assert await _token_status(client, client_id, new) == 200


async def test_a_second_rotation_ends_the_first_grace(
    client: httpx.AsyncClient, admin_token: str, machine: tuple[str, str]
) -> None:
    client_id, first = machine
    url = f"/v1/clients/{client_id}/secret"
    second = (await client.post(url, json={"grace_seconds": 600}, headers=bearer(admin_token))).json()[
        "client_secret"
    ]
    third = (await client.post(url, json={"grace_seconds": 600}, headers=bearer(admin_token))).json()[
        "client_secret"
    ]
    assert await _token_status(client, client_id, first) == 401
    assert await _token_status(client, client_id, second) == 200
    assert await _token_status(client, client_id, third) == 200


@pytest.mark.parametrize("grace", [-1, 7 * 24 * 3600 + 1, "soon"])
async def test_grace_is_bounded(
    client: httpx.AsyncClient, admin_token: str, machine: tuple[str, str], grace: object
) -> None:
    client_id, old = machine
    response = await client.post(
        f"/v1/clients/{client_id}/secret", json={"grace_seconds": grace}, headers=bearer(admin_token)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body/grace_seconds"
    assert await _token_status(client, client_id, old) == 200


async def test_disabled_client_gets_no_token_and_cannot_rotate(
    app: FastAPI, client: httpx.AsyncClient, admin_token: str, machine: tuple[str, str]
) -> None:
    client_id, old = machine
    rotated = await client.post(
        f"/v1/clients/{client_id}/secret", json={"grace_seconds": 600}, headers=bearer(admin_token)
    )
    new = rotated.json()["client_secret"]
    disabled = await client.post(f"/v1/clients/{client_id}/disable", headers=bearer(admin_token))
    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    for secret in (old, new):
        assert await _token_status(client, client_id, secret) == 401
    again = await client.post(f"/v1/clients/{client_id}/disable", headers=bearer(admin_token))
    assert again.status_code == 200
    refused = await client.post(f"/v1/clients/{client_id}/secret", headers=bearer(admin_token))
    assert refused.status_code == 409
    assert refused.json()["code"] == "client-disabled"
    assert (await client.get(f"/v1/clients/{client_id}", headers=bearer(admin_token))).json()[
        "disabled"
    ] is True

    async with runtime_of(app).sessionmaker() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action)
                .where(
                    AuditEntry.object_type == "client",
                    AuditEntry.object_id == client_id,
                    AuditEntry.action.like("client.%"),  # not the tokens it got
                )
                .order_by(AuditEntry.id)
            )
        ).all()
    assert actions == ["client.created", "client.secret-rotated", "client.disabled"]


async def test_only_admins_rotate_or_disable(
    app: FastAPI, client: httpx.AsyncClient, machine: tuple[str, str], admin_token: str
) -> None:
    client_id, secret = machine
    own = await client.post("/v1/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    user_token = await token_for(app, await make_user(app))
    for action in ("secret", "disable"):
        url = f"/v1/clients/{client_id}/{action}"
        assert (await client.post(url)).status_code == 401
        for token in (own.json()["access_token"], user_token):
            assert (await client.post(url, headers=bearer(token))).status_code == 403
        missing = await client.post(f"/v1/clients/no-such-client/{action}", headers=bearer(admin_token))
        assert missing.status_code == 404
    assert await _token_status(client, client_id, secret) == 200
