"""My Government logins in progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class SsoLogin(Base):
    """An SSO login in progress (OIDC authorization-code flow with PKCE): state, nonce, verifier."""

    __tablename__ = "sso_logins"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    # "login" answers tokens; "recovery" lets the person set a new password (identity.recovery).
    purpose: Mapped[str] = mapped_column(String(20), server_default="login")
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
