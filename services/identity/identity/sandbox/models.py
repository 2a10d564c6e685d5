"""What the sandbox mobile-ownership inquiry and companies registry answer."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from identity.models import Base


class SandboxMobileOwner(Base):
    """The sandbox ownership-inquiry adapter's answers: who owns a mobile number."""

    __tablename__ = "sandbox_mobile_owners"

    mobile: Mapped[str] = mapped_column(String(11), primary_key=True)
    national_code: Mapped[str] = mapped_column(String(10))


class SandboxCompany(Base):
    """The sandbox companies-registry adapter's answers (set with
    ``PUT /v1/sandbox/companies/{national_id}``): a national ID without a row is
    not in the registry."""

    __tablename__ = "sandbox_companies"

    national_id: Mapped[str] = mapped_column(String(11), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    registration_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    manager_national_codes: Mapped[list[str]] = mapped_column(ARRAY(String(10)))
