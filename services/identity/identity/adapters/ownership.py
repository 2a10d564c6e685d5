"""Mobile-ownership inquiry (Shahkar, شاهکار): is this mobile number registered to this national code?

Registration, change of mobile and the government SSO ask it through
``identity_state(request).ownership.owns(session, national_code=..., mobile=...)``.
"""

from __future__ import annotations

import logging
from typing import Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from identity.exceptions import OwnershipInquiryUnavailable
from identity.models import SandboxMobileOwner

logger = logging.getLogger("identity.ownership")


class MobileOwnershipInquiry(Protocol):
    name: str

    async def owns(self, session: AsyncSession, *, national_code: str, mobile: str) -> bool:
        """Whether ``mobile`` (``09…``) is registered to ``national_code``.

        Raises ``OwnershipInquiryUnavailable`` (503) when the answer cannot be had.
        """
        ...


class SandboxOwnership:
    """Answers from ``sandbox_mobile_owners`` (set with ``PUT /v1/sandbox/mobile-owners/{mobile}``):
    a number with no row belongs to whoever asks; a number with a row only to its national code."""

    name = "sandbox"

    async def owns(self, session: AsyncSession, *, national_code: str, mobile: str) -> bool:
        row = await session.get(SandboxMobileOwner, mobile, populate_existing=True)
        return row is None or row.national_code == national_code


class ZohalShahkar:
    """Shahkar through the Zohal aggregator.

    ``POST https://service.zohal.io/api/v0/services/inquiry/shahkar`` with
    ``Authorization: Bearer <token>`` and ``{"national_code", "mobile"}``;
    the answer is ``{"result": 1, "response_body": {"data": {"matched": bool}, ...}}``.
    Zohal may answer HTTP 200 with another ``result`` (4: token disabled,
    5: service unavailable, 6: bad parameter), so the body decides: anything
    but ``result == 1`` with a boolean ``matched`` is 503.
    """

    name = "zohal"

    def __init__(self, http: httpx.AsyncClient, *, url: str, token: str) -> None:
        self._http = http
        self._url = url
        self._token = token

    async def owns(self, session: AsyncSession, *, national_code: str, mobile: str) -> bool:
        try:
            response = await self._http.post(
                self._url,
                json={"national_code": national_code, "mobile": mobile},
                headers={"Authorization": f"Bearer {self._token}"},
            )
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("zohal unreachable or answered no JSON: %s", type(exc).__name__)
            raise OwnershipInquiryUnavailable(
                "The mobile-ownership inquiry cannot be reached; try again shortly."
            ) from exc
        matched = None
        if isinstance(answer, dict) and answer.get("result") == 1:
            body = answer.get("response_body")
            data = body.get("data") if isinstance(body, dict) else None
            matched = data.get("matched") if isinstance(data, dict) else None
        if response.status_code != 200 or not isinstance(matched, bool):
            logger.warning(
                "zohal refused: HTTP %s, result %s",
                response.status_code,
                answer.get("result") if isinstance(answer, dict) else None,
            )
            raise OwnershipInquiryUnavailable("The mobile-ownership inquiry failed; try again shortly.")
        return matched
