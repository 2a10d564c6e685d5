"""The companies registry inquiry (سامانه ثبت شرکت‌ها، اداره ثبت اسناد و املاک): what the registry
knows of a legal person's national ID: its name, registration number, whether it is active,
and the national codes of its managers (board members and the managing director, who sign
for it).

Registration of a legal person asks it through ``identity_state(request).company_registry.lookup(...)``:
only a person the registry names as a manager may register or manage the legal person.

Adapters (``IDENTITY_COMPANY_REGISTRY_ADAPTER``):

- ``sandbox``: answers from ``sandbox_companies`` (set with
  ``PUT /v1/sandbox/companies/{national_id}``); a national ID without a row is not registered.
- ``http``: asks an HTTP endpoint (``IDENTITY_COMPANY_REGISTRY_URL``, with
  ``IDENTITY_COMPANY_REGISTRY_TOKEN`` as a bearer token). The registry (ilenc.ir / rrk.ir)
  publishes no open API: access is by contract, through the Government Service Bus or a
  licensed inquiry aggregator, whose wire formats differ. This adapter therefore speaks one
  small JSON contract, documented on ``HttpCompanyRegistry``; a deployment points it at the
  provider directly when the provider speaks it, else at a thin translating proxy.
- none named: every inquiry is 503 (fail closed), so a deployment that forgot the setting
  never lets anyone register a legal person unchecked.

The registry is asked when a legal person is registered (or registered again) and when
a manager is added. Every registration of a national ID by a named manager verifies it
again: name and number refreshed, managers the registry no longer names removed.
Re-verifying on a schedule is not built yet; it would be a periodic task (like
``identity.housekeeping``) that asks the registry for each active legal person whose
``verified_at`` is older than a set age, applies the same reconciliation, and sets the
legal person back to ``pending`` when the registry no longer knows it or says it is not
active (which ends its roles' effect, its grants and acting as it at once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from identity.exceptions import CompanyRegistryUnavailable
from identity.models import SandboxCompany
from panjereh_contract.identifiers import normalise_digits

logger = logging.getLogger("identity.company_registry")

ACTIVE = "active"


@dataclass(frozen=True)
class CompanyRecord:
    """The registry's answer for one national ID."""

    national_id: str
    name: str
    registration_number: str
    status: str  # "active", or what the registry says instead (e.g. "dissolved", "suspended")
    manager_national_codes: frozenset[str]

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


class CompanyRegistry(Protocol):
    name: str

    async def lookup(self, session: AsyncSession, national_id: str) -> CompanyRecord | None:
        """The registry's record of ``national_id``; None when the registry has none.

        Raises ``CompanyRegistryUnavailable`` (503) when the answer cannot be had.
        """
        ...


class SandboxCompanyRegistry:
    """Answers from ``sandbox_companies``; a national ID without a row is not registered."""

    name = "sandbox"

    async def lookup(self, session: AsyncSession, national_id: str) -> CompanyRecord | None:
        row = await session.get(SandboxCompany, national_id, populate_existing=True)
        if row is None:
            return None
        return CompanyRecord(
            national_id=row.national_id,
            name=row.name,
            registration_number=row.registration_number,
            status=row.status,
            manager_national_codes=frozenset(row.manager_national_codes),
        )


class UnconfiguredCompanyRegistry:
    """No registry is configured (outside the sandbox): every inquiry fails closed."""

    name = "none"

    async def lookup(self, session: AsyncSession, national_id: str) -> CompanyRecord | None:
        raise CompanyRegistryUnavailable(
            "No companies registry is configured, so no legal person can be verified now."
        )


class HttpCompanyRegistry:
    """The companies registry over HTTP.

    Request: ``GET {url}/{national_id}`` with ``Authorization: Bearer <token>`` and
    ``Accept: application/json``.

    Answers:

    - ``200`` with ``{"national_id": "<11 digits>", "name": str, "registration_number": str,
      "status": "active" | "dissolved" | "suspended" | …, "managers": [{"national_code":
      "<10 digits>", …}, …]}``; other members are ignored, Persian digits are accepted;
    - ``404``: the registry has no legal person with this national ID.

    Anything else (another status, no JSON, a missing or mistyped member, a record of
    another national ID) is 503 ``company-registry-unavailable``: a garbled answer never
    makes anyone a manager.
    """

    name = "http"

    def __init__(self, http: httpx.AsyncClient, *, url: str, token: str) -> None:
        self._http = http
        self._url = url.rstrip("/")
        self._token = token

    async def lookup(self, session: AsyncSession, national_id: str) -> CompanyRecord | None:
        try:
            response = await self._http.get(
                f"{self._url}/{national_id}",
                headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
            )
            if response.status_code == 404:
                return None
            answer = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("companies registry unreachable or answered no JSON: %s", type(exc).__name__)
            raise CompanyRegistryUnavailable(
                "The companies registry cannot be reached; try again shortly."
            ) from exc
        record = _record(answer) if answer is not None else None
        if record is None or record.national_id != national_id:
            logger.warning(
                "companies registry refused or answered out of contract: HTTP %s", response.status_code
            )
            raise CompanyRegistryUnavailable("The companies registry inquiry failed; try again shortly.")
        return record


def _text(value: Any) -> str | None:
    return normalise_digits(value).strip() if isinstance(value, str) and value.strip() else None


def _record(answer: Any) -> CompanyRecord | None:
    """The record in an answer of the contract, or None when it does not keep to it."""
    if not isinstance(answer, dict) or not isinstance(answer.get("managers"), list):
        return None
    national_id, name = _text(answer.get("national_id")), _text(answer.get("name"))
    number, status = _text(answer.get("registration_number")), _text(answer.get("status"))
    codes = [_text(m.get("national_code")) if isinstance(m, dict) else None for m in answer["managers"]]
    if national_id is None or name is None or number is None or status is None or None in codes:
        return None
    return CompanyRecord(
        national_id=national_id,
        name=name,
        registration_number=number,
        status=status.lower(),
        manager_national_codes=frozenset(c for c in codes if c is not None),
    )
