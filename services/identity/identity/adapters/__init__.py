"""Outside services behind interfaces: SMS sending, mobile-ownership inquiry and the
companies registry.

Chosen by settings: ``IDENTITY_SMS_ADAPTER`` (``outbox``, the default, or
``kavenegar`` with ``IDENTITY_KAVENEGAR_API_KEY``) and
``IDENTITY_OWNERSHIP_ADAPTER`` (``zohal`` with ``IDENTITY_ZOHAL_TOKEN``, or
``sandbox``). In the sandbox the ownership adapter defaults to ``sandbox``;
outside it identity refuses to start until one is named, so a production
deployment never answers "yes, that number is theirs" by default.
``IDENTITY_COMPANY_REGISTRY_ADAPTER`` (``http`` with ``IDENTITY_COMPANY_REGISTRY_URL``
and ``IDENTITY_COMPANY_REGISTRY_TOKEN``, or ``sandbox``) defaults to ``sandbox`` in the
sandbox; outside it, unnamed, every registry inquiry is 503, so no legal person is
registered unchecked.
"""

from __future__ import annotations

import httpx

from identity.adapters.company_registry import (
    CompanyRegistry,
    HttpCompanyRegistry,
    SandboxCompanyRegistry,
    UnconfiguredCompanyRegistry,
)
from identity.adapters.ownership import MobileOwnershipInquiry, SandboxOwnership, ZohalShahkar
from identity.adapters.sms import KavenegarSms, OutboxSms, SmsSender
from identity.config import Settings


class AdapterNotConfigured(RuntimeError):
    """The settings do not name a usable adapter: identity does not start."""


def sms_sender(settings: Settings, http: httpx.AsyncClient) -> SmsSender:
    if settings.sms_adapter == "kavenegar":
        key = settings.kavenegar_api_key.get_secret_value()
        if not key:
            raise AdapterNotConfigured("IDENTITY_SMS_ADAPTER=kavenegar needs IDENTITY_KAVENEGAR_API_KEY.")
        return KavenegarSms(
            http, base_url=settings.kavenegar_url, api_key=key, template=settings.kavenegar_template
        )
    return OutboxSms()


def ownership_inquiry(settings: Settings, http: httpx.AsyncClient) -> MobileOwnershipInquiry:
    name = settings.ownership_adapter or ("sandbox" if settings.sandbox else "")
    if not name:
        raise AdapterNotConfigured(
            "Outside the sandbox set IDENTITY_OWNERSHIP_ADAPTER: 'zohal' (with IDENTITY_ZOHAL_TOKEN) to ask "
            "Shahkar, or 'sandbox' explicitly for a test deployment where every number belongs to whoever asks."
        )
    if name == "zohal":
        token = settings.zohal_token.get_secret_value()
        if not token:
            raise AdapterNotConfigured("IDENTITY_OWNERSHIP_ADAPTER=zohal needs IDENTITY_ZOHAL_TOKEN.")
        return ZohalShahkar(http, url=settings.zohal_url, token=token)
    return SandboxOwnership()


def company_registry(settings: Settings, http: httpx.AsyncClient) -> CompanyRegistry:
    name = settings.company_registry_adapter or ("sandbox" if settings.sandbox else "")
    if name == "http":
        token = settings.company_registry_token.get_secret_value()
        if not settings.company_registry_url or not token:
            raise AdapterNotConfigured(
                "IDENTITY_COMPANY_REGISTRY_ADAPTER=http needs IDENTITY_COMPANY_REGISTRY_URL and "
                "IDENTITY_COMPANY_REGISTRY_TOKEN."
            )
        return HttpCompanyRegistry(http, url=settings.company_registry_url, token=token)
    if name == "sandbox":
        return SandboxCompanyRegistry()
    return UnconfiguredCompanyRegistry()
