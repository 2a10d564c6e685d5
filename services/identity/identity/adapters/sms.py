"""Sending SMS. Every message is recorded in ``sms_messages`` whatever the adapter,
so the sandbox endpoint, the tests and support can see what was sent.

The default adapter (``outbox``) only records. Provider adapters record and send;
they record a one-time code masked, so the table never holds a live code.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.exceptions import SmsUnavailable
from identity.models import SmsMessage

logger = logging.getLogger("identity.sms")


class SmsSender(Protocol):
    name: str

    async def send(
        self, session: AsyncSession, *, mobile: str, body: str, purpose: str, code: str | None = None
    ) -> SmsMessage:
        """Send ``body`` to ``mobile`` (``09…``) and record it in the caller's transaction.

        ``code`` is the one-time code inside ``body``, when there is one: provider
        adapters send it through their OTP templates.
        """
        ...


class OutboxSms:
    """Records the message and sends nothing: the sandbox, tests and demo read it back."""

    name = "outbox"

    async def send(
        self, session: AsyncSession, *, mobile: str, body: str, purpose: str, code: str | None = None
    ) -> SmsMessage:
        message = SmsMessage(mobile=mobile, body=body, purpose=purpose, adapter=self.name)
        session.add(message)
        await session.flush()
        return message


class KavenegarSms:
    """Kavenegar's REST API (api.kavenegar.com/v1/{API-KEY}/...).

    A code goes through ``verify/lookup.json`` (``receptor``, ``token`` = the code,
    ``template``: a template approved in the Kavenegar panel, whose ``%token%``
    is replaced by the code); any other message through ``sms/send.json``
    (``receptor``, ``message``). The answer is
    ``{"return": {"status": 200, "message": ...}, "entries": [{"messageid", "status", ...}]}``;
    any other status, or no answer, is 503 ``sms-unavailable``.
    """

    name = "kavenegar"

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, api_key: str, template: str) -> None:
        self._http = http
        self._base = f"{base_url.rstrip('/')}/{quote(api_key, safe='')}"
        self._template = template

    async def send(
        self, session: AsyncSession, *, mobile: str, body: str, purpose: str, code: str | None = None
    ) -> SmsMessage:
        if code is not None:
            url = f"{self._base}/verify/lookup.json"
            form = {"receptor": mobile, "token": code, "template": self._template}
        else:
            url = f"{self._base}/sms/send.json"
            form = {"receptor": mobile, "message": body}
        entry = await self._post(url, form)
        message = SmsMessage(
            mobile=mobile,
            body=body.replace(code, "*" * len(code)) if code else body,
            purpose=purpose,
            adapter=self.name,
            provider_message_id=str(entry.get("messageid", ""))[:100] or None,
            status=str(entry.get("status", "accepted"))[:20],
        )
        session.add(message)
        await session.flush()
        return message

    async def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        # The URL holds the API key: it is never logged.
        try:
            response = await self._http.post(url, data=form)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("kavenegar unreachable or answered no JSON: %s", type(exc).__name__)
            raise SmsUnavailable("The SMS provider cannot be reached; try again shortly.") from exc
        answer = answer if isinstance(answer, dict) else {}
        outcome = answer.get("return") if isinstance(answer.get("return"), dict) else {}
        entries = answer.get("entries")
        if (
            response.status_code != 200
            or outcome.get("status") != 200
            or not isinstance(entries, list)
            or not entries
            or not isinstance(entries[0], dict)
        ):
            logger.warning(
                "kavenegar refused: HTTP %s, status %s, %s",
                response.status_code,
                outcome.get("status"),
                outcome.get("message"),
            )
            raise SmsUnavailable("The SMS provider refused the message; try again shortly.")
        return entries[0]
