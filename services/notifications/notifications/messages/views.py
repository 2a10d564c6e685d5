"""What the API shows of messages and attempts (models of notifications_client.messages)."""

from __future__ import annotations

import uuid

from notifications_client.messages import Attempt, BoxMessage, MessageBody

from notifications.messages.models import Message, MessageAttempt


def box_message(message: Message) -> BoxMessage:
    return BoxMessage(
        id=message.message_id,
        type=message.type,
        status=message.status,  # type: ignore[arg-type]
        attempts=message.attempts,
        created_at=message.created_at,
        delivered_at=message.delivered_at,
        acknowledged_at=message.acknowledged_at,
        body=MessageBody.model_validate(message.body),
    )


def attempt_out(attempt: MessageAttempt, message_id: uuid.UUID) -> Attempt:
    return Attempt(
        id=attempt.id,
        message_id=message_id,
        attempted_at=attempt.attempted_at,
        status_code=attempt.status_code,
        latency_ms=attempt.latency_ms,
        error=attempt.error,
        replay=attempt.replay,
    )
