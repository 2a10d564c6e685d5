"""Outside services behind interfaces: SMS sending and mobile-ownership inquiry."""

from __future__ import annotations

from fastapi import FastAPI

from identity.adapters.sms import OutboxSms


async def install(app: FastAPI) -> None:
    """Put the configured adapters on ``app.state``: ``sms`` (and ``ownership``)."""
    app.state.sms = OutboxSms()
