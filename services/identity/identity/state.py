"""What identity builds once at start-up and every request reads: its typed state.

Built by ``identity.main``'s start-up hook and kept as ``app.state.identity``; services reach it
through their ``Context`` (``identity.context``), never through ``request.app.state``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from identity.adapters.company_registry import CompanyRegistry
    from identity.adapters.ownership import MobileOwnershipInquiry
    from identity.adapters.sms import SmsSender
    from identity.config import Settings
    from identity.keys import Signer
    from identity.sso.fake import FakeKey
    from kit.auth import TokenVerifier


@dataclass(frozen=True, slots=True)
class FakeMyGovernment:
    """The sandbox's fake My Government: its signing key and the codes already spent."""

    key: FakeKey
    spent: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class IdentityState:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    token_verifier: TokenVerifier
    kek: bytes
    """The key-encryption key: signing keys, TOTP secrets and account references at rest."""
    signer: Signer
    sms: SmsSender
    ownership: MobileOwnershipInquiry
    company_registry: CompanyRegistry
    fake_my_government: FakeMyGovernment | None
    """Only in the sandbox."""


def identity_state(app: FastAPI) -> IdentityState:
    """The state ``app`` built at start-up."""
    state: IdentityState = app.state.identity
    return state
