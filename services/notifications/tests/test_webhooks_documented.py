"""notifications' OpenAPI document lists every catalogued event type under `webhooks`: the signed
delivery's headers, the message whose `data` is that type's model, the answers expected."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from notifications_client.messages import MessageBody

from panjereh_contract.event_types import event_types
from panjereh_contract.events import EventObject

HEADERS = {"webhook-id", "webhook-timestamp", "webhook-signature"}


@pytest.fixture(scope="module")
async def document(notifications_api: httpx.AsyncClient) -> dict[str, Any]:
    response = await notifications_api.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def _schema(document: dict[str, Any], ref: str) -> dict[str, Any]:
    return document["components"]["schemas"][ref.removeprefix("#/components/schemas/")]


async def test_a_webhook_per_catalogued_type(document: dict[str, Any]) -> None:
    assert set(document["webhooks"]) == set(event_types())
    message_fields = set(MessageBody.model_fields)
    for name, entry in event_types().items():
        operation = document["webhooks"][name]["post"]
        assert operation["summary"] == entry.summary
        assert {p["name"] for p in operation["parameters"] if p["in"] == "header"} == HEADERS
        assert all(header in operation["description"] for header in HEADERS)
        assert "2xx" in operation["description"]
        assert set(operation["responses"]) == {"200", "410"}
        message = _schema(document, operation["requestBody"]["content"]["application/json"]["schema"]["$ref"])
        assert set(message["properties"]) == message_fields
        assert message["properties"]["type"]["const"] == name
        data = _schema(document, message["properties"]["data"]["$ref"])
        assert set(data["properties"]) == set(entry.data.model_fields)
        assert data.get("additionalProperties") is False


async def test_a_message_of_each_type_validates_against_its_documented_model() -> None:
    """The documented models accept what notifications will send (a MessageBody with the data)."""
    from notifications.webhooks.documented import message_model

    entry = event_types()["orders.order-file.rejected"]
    model = message_model(entry)
    body = MessageBody(
        type=entry.type,
        timestamp="2026-12-03T10:00:00Z",
        event_id="7d7b9a49-6c0d-4c55-9f0b-4b1f1c1d1e1f",
        subject="user:1",
        object=EventObject(kind="order-file", id="f1", url="/orders/v1/order-files/f1"),
        data={"file_id": "f1", "owner": "user:1", "status": "rejected", "reason": "wrong goods"},
    )
    parsed = model.model_validate(body.model_dump(mode="json"))
    assert parsed.data.reason == "wrong goods"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="reason"):
        model.model_validate({**body.model_dump(mode="json"), "data": {**body.data, "reason": None}})
