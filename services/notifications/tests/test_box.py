"""The pull box: list oldest first with a status filter and cursor paging, acknowledge one or many
(idempotently), withhold what the owner may no longer read; only the owner sees it."""

from __future__ import annotations

import uuid

import httpx
from notifications_testing.deliveries import REVOKED, Deliveries, Owner


async def _box(deliveries: Deliveries, owner: Owner, count: int = 5) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A box-only subscription (no webhook) with ``count`` messages."""
    sub_id, _ = await deliveries.subscribe(owner.subject, None)
    ids = [(await deliveries.message(sub_id, f"order-file:b{i}", seq=i)).message_id for i in range(count)]
    return sub_id, ids


async def _all_pages(api: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[list[dict]]:  # type: ignore[type-arg]
    pages = []
    while url:
        response = await api.get(url, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        url = response.json()["next"]
    return pages


async def test_the_box_lists_oldest_first_with_cursor_paging(deliveries: Deliveries, owner: Owner) -> None:
    sub_id, ids = await _box(deliveries, owner)
    pages = await _all_pages(deliveries.api, f"/v1/subscriptions/{sub_id}/messages?limit=2", owner.headers)
    assert [len(p) for p in pages] == [2, 2, 1]
    items = [item for page in pages for item in page]
    assert [item["id"] for item in items] == [str(i) for i in ids]
    first = items[0]
    assert first["status"] == "pending"
    assert first["attempts"] == 0
    assert first["type"] == "orders.order-file.approved"
    assert first["body"]["data"] == {"seq": 0}
    assert first["delivered_at"] is None
    assert first["acknowledged_at"] is None
    too_many = await deliveries.api.get(
        f"/v1/subscriptions/{sub_id}/messages?limit=101", headers=owner.headers
    )
    assert too_many.status_code == 422
    bad_cursor = await deliveries.api.get(
        f"/v1/subscriptions/{sub_id}/messages?cursor=nonsense", headers=owner.headers
    )
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["code"] == "invalid-cursor"


async def test_acknowledging_one_and_many_is_idempotent_and_the_filter_follows(
    deliveries: Deliveries, owner: Owner
) -> None:
    sub_id, ids = await _box(deliveries, owner, 4)
    base = f"/v1/subscriptions/{sub_id}"
    for _ in range(2):  # acknowledging twice answers the same
        one = await deliveries.api.post(f"{base}/messages/{ids[0]}/acknowledge", headers=owner.headers)
        assert one.status_code == 200, one.text
        assert one.json()["status"] == "acknowledged"
        assert one.json()["acknowledged_at"] is not None
    stranger_id = uuid.uuid4()
    many = await deliveries.api.post(
        f"{base}/acknowledgements",
        json={"message_ids": [str(ids[1]), str(ids[2]), str(ids[0]), str(stranger_id)]},
        headers=owner.headers,
    )
    assert many.status_code == 200, many.text
    assert many.json() == {
        "acknowledged": [str(ids[1]), str(ids[2]), str(ids[0])],
        "unknown": [str(stranger_id)],
    }
    pending = await deliveries.api.get(f"{base}/messages?status=pending", headers=owner.headers)
    assert [item["id"] for item in pending.json()["items"]] == [str(ids[3])]
    acknowledged = await deliveries.api.get(f"{base}/messages?status=acknowledged", headers=owner.headers)
    assert [item["id"] for item in acknowledged.json()["items"]] == [str(i) for i in ids[:3]]
    missing = await deliveries.api.post(f"{base}/messages/{uuid.uuid4()}/acknowledge", headers=owner.headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "message-not-found"
    too_many = await deliveries.api.post(
        f"{base}/acknowledgements",
        json={"message_ids": [str(uuid.uuid4()) for _ in range(101)]},
        headers=owner.headers,
    )
    assert too_many.status_code == 422


async def test_listing_withholds_a_message_whose_grant_was_revoked(
    deliveries: Deliveries, owner: Owner
) -> None:
    revoked, kept = f"user:{uuid.uuid4().hex[:8]}", f"user:{uuid.uuid4().hex[:8]}"
    sub_id, _ = await deliveries.subscribe(owner.subject, None)
    gone = await deliveries.message(sub_id, "order-file:r1", basis="representation", principal=revoked)
    stays = await deliveries.message(sub_id, "order-file:r2", basis="representation", principal=kept)
    own = await deliveries.message(sub_id, "order-file:r3")
    base = f"/v1/subscriptions/{sub_id}/messages"
    before = await deliveries.api.get(f"{base}?status=pending", headers=owner.headers)
    assert len(before.json()["items"]) == 3, "while the grant lives, all three are there"
    REVOKED.add(revoked)
    after = await deliveries.api.get(f"{base}?status=pending", headers=owner.headers)
    assert [item["id"] for item in after.json()["items"]] == [str(stays.message_id), str(own.message_id)]
    withheld = await deliveries.api.get(f"{base}?status=withheld", headers=owner.headers)
    assert [item["id"] for item in withheld.json()["items"]] == [str(gone.message_id)]
    ack = await deliveries.api.post(
        f"/v1/subscriptions/{sub_id}/acknowledgements",
        json={"message_ids": [str(gone.message_id)]},
        headers=owner.headers,
    )
    assert ack.json()["unknown"] == [str(gone.message_id)], "a withheld message stays withheld"
