"""Access levels (SPEC §1): a representative holding level R sees and acts on a file of level F
only when F ≤ R; the owner sees all; lists filter the same way; officers read files under
review; strangers and machine clients see nothing."""

from __future__ import annotations

import itertools

import httpx
import pytest
from fastapi import FastAPI
from orders_testing import files as f

LEVELS = ("very-limited", "limited", "medium", "full")


@pytest.fixture
async def fida(orders: httpx.AsyncClient, admin_headers: dict[str, str]) -> str:
    return await f.seller(orders, admin_headers)


async def test_four_levels_by_read_list_update_submit(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    files: dict[str, str] = {}
    for level in LEVELS:
        created = await f.create(orders, owner.headers, fida, access_level=level)
        added = await orders.post(
            f"/v1/order-files/{created['id']}/lines", json=f.line_body(), headers=owner.headers
        )
        assert added.status_code == 201
        files[level] = created["id"]
    agents = {
        level: await f.representative(identity_app, identity_http, owner, access_level=level)
        for level in LEVELS
    }

    for held, level in itertools.product(LEVELS, LEVELS):
        agent = agents[held]
        allowed = LEVELS.index(level) <= LEVELS.index(held)
        path = f"/v1/order-files/{files[level]}"
        case = f"agent {held} on file {level}"

        read = await orders.get(path, headers=agent.headers)
        assert read.status_code == (200 if allowed else 404), case
        listed = await orders.get("/v1/order-files", params={"limit": 100}, headers=agent.headers)
        assert (files[level] in [i["id"] for i in listed.json()["items"]]) is allowed, case

        etag = (await orders.get(path, headers=owner.headers)).headers["ETag"]
        update = await orders.patch(
            path, json={"proforma_number": f"PI-{held}"}, headers={**agent.headers, "If-Match": etag}
        )
        assert update.status_code == (200 if allowed else 404), case
        if not allowed:
            assert update.json()["code"] == "order-file-not-found"

    # Submitting: the file of each level by the lowest agent allowed to, after a refused attempt
    # by the agent just below it.
    for index, level in enumerate(LEVELS):
        path = f"/v1/order-files/{files[level]}/submit"
        if index > 0:
            below = await orders.post(path, headers=agents[LEVELS[index - 1]].headers)
            assert below.status_code == 404, level
        response = await orders.post(path, headers=agents[level].headers)
        assert response.status_code == 200, (level, response.text)
        assert response.json()["status"] == "submitted"

    # The owner sees all four in the list.
    listed = await orders.get("/v1/order-files", params={"limit": 100}, headers=owner.headers)
    assert {i["id"] for i in listed.json()["items"]} == set(files.values())


async def test_a_representative_creates_for_the_merchant(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    agent = await f.representative(identity_app, identity_http, owner, access_level="medium")
    created = await f.create(orders, agent.headers, fida, access_level="medium")
    assert created["owner"] == f"user:{owner.party.id}"
    assert created["created_by"] == f"user:{agent.party.id}"
    history = (await orders.get(f"/v1/order-files/{created['id']}/history", headers=owner.headers)).json()
    assert history["items"][0]["actor"] == f"user:{agent.party.id}"
    assert history["items"][0]["principal"] == f"user:{owner.party.id}"
    # A file the agent creates at full (above their medium level) is hidden from them at once.
    hidden = await f.create(orders, agent.headers, fida)
    assert (await orders.get(f"/v1/order-files/{hidden['id']}", headers=agent.headers)).status_code == 404


async def test_a_representative_without_the_scope_is_refused(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, fida, access_level="limited")
    agent = await f.representative(
        identity_app, identity_http, owner, access_level="full", scopes=["currency"]
    )
    path = f"/v1/order-files/{created['id']}"
    assert (await orders.get(path, headers=agent.headers)).status_code == 403
    assert (await orders.post(f"{path}/lines", json=f.line_body(), headers=agent.headers)).status_code == 403
    assert (await orders.get("/v1/order-files", headers=agent.headers)).status_code == 403
    response = await orders.post("/v1/order-files", json=f.file_body(fida), headers=agent.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "scope-missing"


async def test_only_the_owner_sets_levels_and_reads_their_history(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    agent = await f.representative(identity_app, identity_http, owner, access_level="full")
    created = await f.create(orders, owner.headers, fida)
    path = f"/v1/order-files/{created['id']}"

    refused = await orders.put(
        f"{path}/access-level", json={"access_level": "limited"}, headers=agent.headers
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "owner-only"
    assert (await orders.get(f"{path}/access-level-history", headers=agent.headers)).status_code == 403

    for level in ("medium", "very-limited"):
        changed = await orders.put(
            f"{path}/access-level", json={"access_level": level}, headers=owner.headers
        )
        assert changed.status_code == 200
        assert changed.json()["access_level"] == level
    history = await orders.get(f"{path}/access-level-history", headers=owner.headers)
    assert [(i["from_level"], i["to_level"]) for i in history.json()["items"]] == [
        (None, "full"),
        ("full", "medium"),
        ("medium", "very-limited"),
    ]
    bad = await orders.put(f"{path}/access-level", json={"access_level": "top"}, headers=owner.headers)
    assert bad.status_code == 422


async def test_raising_the_level_hides_a_file_from_a_representative(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    owner = await f.merchant(identity_app)
    agent = await f.representative(identity_app, identity_http, owner, access_level="medium")
    created = await f.create(orders, owner.headers, fida, access_level="medium")
    path = f"/v1/order-files/{created['id']}"
    assert (await orders.get(path, headers=agent.headers)).status_code == 200
    await orders.put(f"{path}/access-level", json={"access_level": "full"}, headers=owner.headers)
    assert (await orders.get(path, headers=agent.headers)).status_code == 404
    listed = await orders.get("/v1/order-files", headers=agent.headers)
    assert created["id"] not in [i["id"] for i in listed.json()["items"]]


async def test_officers_read_files_under_review_only(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str
) -> None:
    owner = await f.merchant(identity_app, signing=True)
    reviewer = await f.officer(identity_app)
    draft = await f.create(orders, owner.headers, fida)
    assert (await orders.get(f"/v1/order-files/{draft['id']}", headers=reviewer.headers)).status_code == 404

    file = await f.under_review(orders, owner, fida)
    path = f"/v1/order-files/{file['id']}"
    read = await orders.get(path, headers=reviewer.headers)
    assert read.status_code == 200
    assert read.json()["status"] == "under-review"
    assert (await orders.get(f"{path}/history", headers=reviewer.headers)).status_code == 200
    queue = await orders.get("/v1/order-reviews", params={"limit": 100}, headers=reviewer.headers)
    assert queue.status_code == 200
    # An officer does not edit the merchant's file.
    edit = await orders.post(f"{path}/cancel", headers=reviewer.headers)
    assert edit.status_code == 403
    # The review queue is for officers.
    assert (await orders.get("/v1/order-reviews", headers=owner.headers)).status_code == 403


@pytest.mark.parametrize(
    "office",
    [
        {"kind": "customs-office", "code": "50100", "name": "Bandar Abbas customs"},
        {"kind": "issuing-authority", "code": "inso", "name": "Standards organization"},
    ],
)
async def test_only_the_ministrys_officers_review_orders(
    orders: httpx.AsyncClient, identity_app: FastAPI, fida: str, office: dict[str, str]
) -> None:
    # Seed 003: the Ministry of Industry, Mine and Trade's experts approve order registrations.
    owner = await f.merchant(identity_app, signing=True)
    other = await f.officer(identity_app, office)
    file = await f.under_review(orders, owner, fida)
    path = f"/v1/order-files/{file['id']}"
    assert (await orders.get(path, headers=other.headers)).status_code == 404
    assert (await orders.get("/v1/order-reviews", headers=other.headers)).status_code == 403
    assert (await orders.post(f"{path}/approve", headers=other.headers)).status_code == 404
    reason = {"reason": "Not mine to judge."}
    assert (await orders.post(f"{path}/reject", json=reason, headers=other.headers)).status_code == 404
    assert (await orders.get(path, headers=owner.headers)).json()["status"] == "under-review"
    approved = await orders.post(f"{path}/approve", headers=(await f.officer(identity_app)).headers)
    assert approved.status_code == 200, approved.text


async def test_a_trader_full_representative_sees_no_order_file(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient, fida: str
) -> None:
    """SPEC §1: foreign trade needs the merchant role; a trader grant's `full` is domestic trade
    only, so its representative neither lists, reads, changes nor creates the merchant's files."""
    owner = await f.merchant(identity_app, trader=True)
    file = await f.create(orders, owner.headers, fida, access_level="very-limited")
    path = f"/v1/order-files/{file['id']}"
    trader = await f.representative(
        identity_app, identity_http, owner, role="trader", scopes=["full"], access_level="full"
    )
    listed = await orders.get("/v1/order-files", headers=trader.headers)
    assert listed.status_code == 403, listed.text
    assert listed.json()["code"] == "scope-missing"
    read = await orders.get(path, headers=trader.headers)
    assert read.status_code == 403, read.text
    assert read.json()["code"] == "scope-missing"
    etag = (await orders.get(path, headers=owner.headers)).headers["ETag"]
    update = await orders.patch(
        path, json={"proforma_number": "PI-x"}, headers={**trader.headers, "If-Match": etag}
    )
    assert update.status_code == 403
    created = await orders.post("/v1/order-files", json=f.file_body(fida), headers=trader.headers)
    assert created.status_code == 403

    # A merchant-role grant to the same agent still reads and lists the file.
    merchant = await f.representative(identity_app, identity_http, owner, access_level="very-limited")
    assert (await orders.get(path, headers=merchant.headers)).status_code == 200
    listed = await orders.get("/v1/order-files", params={"limit": 100}, headers=merchant.headers)
    assert file["id"] in [i["id"] for i in listed.json()["items"]]
