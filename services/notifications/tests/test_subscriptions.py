"""Subscriptions: create (idempotent, the secret shown once), list, read, change, delete, and
the refusals: no token (401), a token acting for someone (403), anyone else's subscription (404,
as if it did not exist), a bad pattern or URL (422 naming the field), and the SSRF refusals of
webhook URLs outside the sandbox."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import acting_for_token

from kit.runtime import runtime_of
from notifications.db import audit_log

SUBSCRIPTIONS = "/v1/subscriptions"


async def patch(api: httpx.AsyncClient, path: str, token: str, body: dict[str, object]) -> httpx.Response:
    """PATCH ``body`` with the ETag as just read (``If-Match``)."""
    read = await api.get(path, headers=bearer(token))
    return await api.patch(path, json=body, headers={**bearer(token), "If-Match": read.headers["ETag"]})


async def _user_token(identity_app: FastAPI, **claims: object) -> tuple[str, str]:
    party = await make_user(identity_app)
    return f"user:{party.id}", await token_for(identity_app, party, **claims)


async def _create(api: httpx.AsyncClient, token: str, **body: object) -> httpx.Response:
    return await api.post(
        SUBSCRIPTIONS,
        json={"event_types": ["orders.order-file.*"], **body},
        headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())},
    )


async def test_a_subscription_is_made_once_per_key_read_listed_changed_and_deleted(
    notifications_api: httpx.AsyncClient, notifications_app: FastAPI, identity_app: FastAPI
) -> None:
    subject, token = await _user_token(identity_app)
    headers = {**bearer(token), "Idempotency-Key": str(uuid.uuid4())}
    body = {"event_types": ["orders.*", "identity.representation.revoked"], "description": "mine"}
    created = await notifications_api.post(SUBSCRIPTIONS, json=body, headers=headers)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["owner"] == subject
    assert answer["state"] == "active"  # no webhook URL: pull only
    assert answer["secret"].startswith("whsec_")
    assert created.headers["Location"].endswith(f"{SUBSCRIPTIONS}/{answer['id']}")
    again = await notifications_api.post(SUBSCRIPTIONS, json=body, headers=headers)
    assert again.json() == answer

    path = f"{SUBSCRIPTIONS}/{answer['id']}"
    read = await notifications_api.get(path, headers=bearer(token))
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.json()["event_types"] == body["event_types"]

    second = await _create(notifications_api, token)
    first_page = await notifications_api.get(SUBSCRIPTIONS, params={"limit": 1}, headers=bearer(token))
    assert [s["id"] for s in first_page.json()["items"]] == [answer["id"]]
    next_page = await notifications_api.get(first_page.json()["next"], headers=bearer(token))
    assert [s["id"] for s in next_page.json()["items"]] == [second.json()["id"]]
    assert next_page.json()["next"] is None

    stale = read.headers["ETag"]
    unconditional = await notifications_api.patch(path, json={"description": "x"}, headers=bearer(token))
    assert unconditional.status_code == 428
    changed = await notifications_api.patch(
        path,
        json={"event_types": ["identity.*"], "state": "disabled"},
        headers={**bearer(token), "If-Match": stale},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["identity.*"]
    assert changed.json()["state"] == "disabled"
    assert changed.headers["ETag"] != stale
    again = await notifications_api.patch(
        path, json={"state": "active"}, headers={**bearer(token), "If-Match": stale}
    )
    assert again.status_code == 412
    resumed = await patch(notifications_api, path, token, {"state": "active"})
    assert resumed.json()["state"] == "active"

    deleted = await notifications_api.delete(path, headers=bearer(token))
    assert deleted.status_code == 204
    assert (await notifications_api.get(path, headers=bearer(token))).status_code == 404

    async with runtime_of(notifications_app).sessionmaker() as session:
        rows = await session.execute(
            audit_log.select().where(audit_log.c.object_id == answer["id"]).order_by(audit_log.c.id)
        )
        actions = [(row.action, row.actor) for row in rows]
    assert [a for a, _ in actions] == [
        "subscription.create",
        "subscription.update",
        "subscription.update",
        "subscription.delete",
    ]
    assert {actor for _, actor in actions} == {subject}


async def test_a_machine_client_subscribes_in_its_own_name(
    notifications_api: httpx.AsyncClient, agent_headers: dict[str, str]
) -> None:
    created = await notifications_api.post(SUBSCRIPTIONS, json={"event_types": ["*"]}, headers=agent_headers)
    assert created.status_code == 201, created.text
    assert created.json()["owner"].startswith("client:")


async def test_an_officer_subscribes_with_their_office(
    notifications_api: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    _, token = await _user_token(
        identity_app, roles=["officer"], office={"kind": "issuing-authority", "code": "mimt"}
    )
    created = await _create(notifications_api, token)
    assert created.json()["office"] == "issuing-authority:mimt"
    _, plain = await _user_token(identity_app)
    assert (await _create(notifications_api, plain)).json()["office"] is None


async def test_anyone_elses_subscription_is_not_found(
    notifications_api: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    _, owner = await _user_token(identity_app)
    _, stranger = await _user_token(identity_app)
    created = await _create(notifications_api, owner)
    path = f"{SUBSCRIPTIONS}/{created.json()['id']}"
    for method, url, body in [
        ("GET", path, None),
        ("PATCH", path, {"description": "mine now"}),
        ("DELETE", path, None),
        ("POST", f"{path}/secret", None),
        ("POST", f"{path}/verify", None),
    ]:
        response = await notifications_api.request(method, url, json=body, headers=bearer(stranger))
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["code"] == "subscription-not-found"
    listed = await notifications_api.get(SUBSCRIPTIONS, headers=bearer(stranger))
    assert created.json()["id"] not in [s["id"] for s in listed.json()["items"]]
    assert (await notifications_api.get(path, headers=bearer(owner))).status_code == 200


async def test_a_token_acting_for_someone_is_refused(
    notifications_api: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient
) -> None:
    merchant = await make_user(identity_app, roles=("base-natural", "merchant"))
    agent = await make_user(identity_app)
    acting, _ = await acting_for_token(identity_app, identity_http, merchant, agent)
    refused = await _create(notifications_api, acting)
    assert refused.status_code == 403
    assert refused.json()["code"] == "subscription-in-own-name-only"
    assert (await notifications_api.get(SUBSCRIPTIONS, headers=bearer(acting))).status_code == 403


async def test_without_a_token_it_is_401(notifications_api: httpx.AsyncClient) -> None:
    assert (await notifications_api.get(SUBSCRIPTIONS)).status_code == 401
    assert (await notifications_api.post(SUBSCRIPTIONS, json={"event_types": ["*"]})).status_code == 401
    assert (await notifications_api.get(f"{SUBSCRIPTIONS}/{uuid.uuid4()}")).status_code == 401


@pytest.mark.parametrize(
    ("event_types", "index"),
    [(["orders"], 0), (["*", "Orders.*"], 1), (["orders.order-file.approved", "orders.*.approved"], 1)],
)
async def test_a_bad_pattern_is_422_naming_it(
    notifications_api: httpx.AsyncClient, identity_app: FastAPI, event_types: list[str], index: int
) -> None:
    _, token = await _user_token(identity_app)
    refused = await _create(notifications_api, token, event_types=event_types)
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid-event-type-pattern"
    assert refused.json()["errors"][0]["pointer"] == f"#/body/event_types/{index}"


async def test_no_pattern_or_too_many_is_422(
    notifications_api: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    _, token = await _user_token(identity_app)
    assert (await _create(notifications_api, token, event_types=[])).status_code == 422
    many = [f"orders.kind-{i}.*" for i in range(51)]
    assert (await _create(notifications_api, token, event_types=many)).status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hooks",  # not https
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://localhost/hooks",
        "https://user:pass@example.com/hooks",
    ],
)
async def test_outside_the_sandbox_a_local_or_plain_url_is_refused(
    notifications_api: httpx.AsyncClient, identity_app: FastAPI, url: str
) -> None:
    _, token = await _user_token(identity_app)
    refused = await _create(notifications_api, token, webhook_url=url)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "webhook-url-not-allowed"
    assert refused.json()["errors"][0]["pointer"] == "#/body/webhook_url"
    created = await _create(notifications_api, token)
    changed = await patch(
        notifications_api, f"{SUBSCRIPTIONS}/{created.json()['id']}", token, {"webhook_url": url}
    )
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["pointer"] == "#/body/webhook_url"


async def test_verify_without_a_webhook_url_is_409(
    notifications_api: httpx.AsyncClient, identity_app: FastAPI
) -> None:
    _, token = await _user_token(identity_app)
    created = await _create(notifications_api, token)
    response = await notifications_api.post(
        f"{SUBSCRIPTIONS}/{created.json()['id']}/verify", headers=bearer(token)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "no-webhook-url"
