"""Sending SMS. Every message is recorded in ``sms_messages`` whatever the adapter,
so the sandbox endpoint, the tests and support can see what was sent.

The default adapter (``outbox``) only records. Provider adapters record and send.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import SmsMessage


class SmsSender(Protocol):
    name: str

    async def send(self, session: AsyncSession, *, mobile: str, body: str, purpose: str) -> SmsMessage:
        """Send ``body`` to ``mobile`` (``09…``) and record it in the caller's transaction."""
        ...


class OutboxSms:
    """Records the message and sends nothing: the sandbox, tests and demo read it back."""

    name = "outbox"

    async def send(self, session: AsyncSession, *, mobile: str, body: str, purpose: str) -> SmsMessage:
        message = SmsMessage(mobile=mobile, body=body, purpose=purpose, adapter=self.name)
        session.add(message)
        await session.flush()
        return message
