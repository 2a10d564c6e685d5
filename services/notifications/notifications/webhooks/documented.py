"""The webhooks notifications sends, in its OpenAPI document's ``webhooks``: one per catalogued
event type (``panjereh_contract.event_types``), its body the message a subscriber receives
(``notifications_client.messages.MessageBody``) with ``data`` that type's model, its headers the
Standard Webhooks signature headers (``notifications_client.webhooks``).

Documentation only: these routes are never served (``ServiceSpec.webhooks``).
"""

import inspect
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Response
from notifications_client.messages import MessageBody
from notifications_client.webhooks import SECRET_PREFIX, TOLERANCE_SECONDS
from pydantic import Field, create_model

from panjereh_contract.event_types import EventType, event_types

TAG = "webhooks"
TAG_DESCRIPTION = (
    "What notifications sends to a subscription's webhook URL, one webhook per event type, "
    "signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`)."
)
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")

DELIVERY = f"""Sent as `POST` to the subscription's webhook URL, signed per Standard Webhooks:

* `webhook-id`: the message's ID, the same on every retry and replay: deduplicate by it;
* `webhook-timestamp`: when this attempt was signed, in Unix seconds: refuse one more than
  {TOLERANCE_SECONDS // 60} minutes away from your clock;
* `webhook-signature`: space-separated `v1,<base64>` signatures, one per signing secret in use
  (two during a rotation): HMAC-SHA256 keyed with the base64-decoded part of the
  `{SECRET_PREFIX}` secret, over `<webhook-id>.<webhook-timestamp>.<body>`. Accept the message
  when one of them matches (compare in constant time); `notifications_client.webhooks.verify`
  does all of this.

**Answer** any 2xx once you have stored the message (the body is ignored). `410 Gone` disables
the subscription; any other answer, or none within the timeout, is retried with exponential
backoff and jitter for 3 days (`Retry-After` honoured). The same messages can be pulled from the
subscription's box instead."""


def message_name(event_type: str) -> str:
    """``orders.order-file.approved`` -> ``OrdersOrderFileApprovedMessage``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[.\-_]", event_type)) + "Message"


def operation_id(event_type: str) -> str:
    """``orders.order-file.approved`` -> ``orders_order_file_approved``."""
    return re.sub(r"[.\-]", "_", event_type)


def message_model(entry: EventType) -> type[MessageBody]:
    """``MessageBody`` whose ``data`` is the type's model."""
    return create_model(
        message_name(entry.type),
        __base__=MessageBody,
        __doc__=f"`{entry.type}`: {entry.summary}",
        type=(Literal[entry.type], Field(description="The event's type.")),
        data=(entry.data, Field(description=f"The `{entry.type}` event's thin payload.")),
    )


def _receiver(model: type[MessageBody]) -> Any:
    """A function FastAPI reads as the webhook: the message as body, the three headers."""

    async def receive(**_: Any) -> None:  # never called
        raise NotImplementedError

    header = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter(
            name.replace("-", "_"),
            header,
            annotation=Annotated[str, Header(alias=name, description=f"See `{name}` above.")],
        )
        for name in HEADERS
    ]
    parameters.append(inspect.Parameter("message", header, annotation=model))
    receive.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
    return receive


def webhooks_router() -> APIRouter:
    router = APIRouter()
    for entry in event_types().values():
        router.add_api_route(
            entry.type,
            _receiver(message_model(entry)),
            methods=["POST"],
            operation_id=operation_id(entry.type),
            summary=entry.summary,
            description=DELIVERY,
            tags=[TAG],
            status_code=200,
            response_class=Response,
            response_description="Any 2xx: the message is received (the body is ignored).",
            responses={
                410: {"description": "Gone: the subscription is disabled and nothing more is sent."},
            },
        )
    return router
