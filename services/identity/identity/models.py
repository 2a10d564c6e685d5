"""Identity tables, in schema ``identity``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.audit import audit_table
from kit.db import service_metadata
from kit.idempotency import idempotency_table
from kit.outbox import outbox_table
from kit.signatures import signature_jti_table

metadata = service_metadata("identity")
idempotency_keys = idempotency_table(metadata)
signature_jtis = signature_jti_table(metadata)
audit_log = audit_table(metadata)
outbox_events = outbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class SigningKey(Base):
    """An ES256 key pair. The private half is encrypted at rest (AES-GCM).

    A retired key signs nothing more but stays in the JWKS until
    ``publish_until``, so tokens it signed keep verifying until they expire.
    """

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publish_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MachineClient(Base):
    """A machine client (clearance software, the Mikhak feed, an admin tool)."""

    __tablename__ = "clients"
    __table_args__ = (Index("ix_clients_created_at_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After a rotation the previous secret keeps working until ``previous_secret_valid_until``.
    previous_secret_hash: Mapped[str | None] = mapped_column(String(128))
    previous_secret_valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- Accounts -------------------------------------------------------------------------------


class Party(Base):
    """A natural or legal person known to Panjereh.

    Tokens name a party as ``user:<id>`` (natural) or ``legal:<id>`` (legal);
    see ``identity.subjects``. A natural person becomes ``active`` once the
    mobile is confirmed; a legal person is active when registered by a manager.
    """

    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint("kind IN ('natural', 'legal')", name="kind"),
        CheckConstraint(
            "(kind = 'natural' AND national_code IS NOT NULL AND national_id IS NULL)"
            " OR (kind = 'legal' AND national_id IS NOT NULL AND national_code IS NULL)",
            name="identifier_matches_kind",
        ),
        CheckConstraint("status IN ('pending', 'active', 'disabled')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(10))
    national_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    national_id: Mapped[str | None] = mapped_column(String(11), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))  # legal persons
    mobile: Mapped[str | None] = mapped_column(String(11))  # 09xxxxxxxxx
    postal_code: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    # Legal persons: the companies registry's registration number and when the registry last
    # confirmed the national ID and its managers. A legal person is ``pending`` (unverified)
    # until then: no roles, no grants, no acting as it, not found by the admin look-up.
    registration_number: Mapped[str | None] = mapped_column(String(40))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Account(Base):
    """The login of a natural person: password and second factor (failed logins: ``LoginThrottle``)."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("two_factor IN ('none', 'sms', 'totp')", name="two_factor"),)

    party_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    two_factor: Mapped[str] = mapped_column(String(10), server_default="none")
    # TOTP secrets are AES-GCM encrypted with the key-encryption key (identity.crypto).
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_pending_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # refuses a replayed code


class RegistrationAttempt(Base):
    """One registration of a natural person, waiting for its SMS code.

    Each attempt holds its own details and password hash and has its own codes
    (``verification_codes.registration_id``): a second attempt for the same
    national code never touches the first. Confirming an attempt makes the
    party and account from that attempt's data only; the other pending
    attempts of the national code are then ``superseded``. Whichever confirms
    first wins: the advisory lock of the national code and the unique
    ``parties.national_code`` let exactly one account be made.
    """

    __tablename__ = "registration_attempts"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'superseded')", name="status"),
        Index("ix_registration_attempts_national_code_status", "national_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    national_code: Mapped[str] = mapped_column(String(10))
    mobile: Mapped[str] = mapped_column(String(11))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    requester: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LegalManager(Base):
    """A natural person who manages (acts as) a legal person."""

    __tablename__ = "legal_managers"
    __table_args__ = (Index("ix_legal_managers_manager_id", "manager_id"),)

    legal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True
    )
    manager_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True
    )
    added_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VerificationCode(Base):
    """A one-time code sent by SMS: registration, login, change of mobile, key registration.

    Only a hash of the code is kept. ``requester`` is who asked for it (client
    ID or IP), for the per-client sending limit.
    """

    __tablename__ = "verification_codes"
    __table_args__ = (
        Index("ix_verification_codes_mobile_created_at", "mobile", "created_at"),
        Index("ix_verification_codes_requester_created_at", "requester", "created_at"),
        Index("ix_verification_codes_registration_id", "registration_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    purpose: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(11))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    # A registration code belongs to one attempt: only that attempt's newest code confirms it.
    registration_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("registration_attempts.id", ondelete="CASCADE")
    )
    requester: Mapped[str] = mapped_column(String(200))
    code_hash: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SmsMessage(Base):
    """Every SMS sent, whatever the adapter: the outbox the sandbox endpoint reads."""

    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_mobile_id", "mobile", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    mobile: Mapped[str] = mapped_column(String(11))
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(40))
    adapter: Mapped[str] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), server_default="stored")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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


# --- Login sessions ---------------------------------------------------------------------------


class LoginChallenge(Base):
    """A password accepted, waiting for the second factor (SMS or TOTP code)."""

    __tablename__ = "login_challenges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(10))
    verification_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verification_codes.id"))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins counted under one key (identity.login_throttle): an account and
    source address, a source address, or an account from every source."""

    __tablename__ = "login_throttles"
    __table_args__ = (Index("ix_login_throttles_account_ref", "account_ref"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Keyed hash of the national code typed (known or not); none for a source's own count.
    account_ref: Mapped[str | None] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PasswordRecovery(Base):
    """A password recovery in progress (identity.recovery): by an SMS code, or by My Government.

    Made for unknown national codes too (``party_id`` empty), so both look alike.
    """

    __tablename__ = "password_recoveries"
    __table_args__ = (
        CheckConstraint("method IN ('sms', 'my-government')", name="method"),
        Index("ix_password_recoveries_national_code_created_at", "national_code", "created_at"),
        Index("ix_password_recoveries_requester_created_at", "requester", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    method: Mapped[str] = mapped_column(String(20))
    national_code: Mapped[str] = mapped_column(String(10))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    verification_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verification_codes.id"))
    # SHA-256 of the reset code My Government's callback answers (method my-government).
    reset_code_hash: Mapped[str | None] = mapped_column(String(64))
    requester: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RefreshToken(Base):
    """A rotating refresh token. Only its SHA-256 is kept.

    Each use spends it and issues the next in the same ``family_id``; a spent
    token presented again means it leaked, and the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column()
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    amr: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    # When the user authenticated (copied along the family): ``auth_time`` and the absolute limit.
    auth_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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


# --- Roles and signature keys ------------------------------------------------------------------


class RoleAssignment(Base):
    """A role a party holds. Base roles come with registration; merchant, trader
    and officer roles are assigned by an admin client. At most one live
    assignment per party and role."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(
            "role IN ('base-natural', 'base-legal', 'merchant', 'trader', 'officer')", name="role"
        ),
        CheckConstraint(
            "role <> 'merchant' OR (commercial_card_number IS NOT NULL AND card_expires_on IS NOT NULL)",
            name="merchant_has_card",
        ),
        CheckConstraint("role <> 'officer' OR office_code IS NOT NULL", name="officer_has_office"),
        Index(
            "uq_role_assignments_live",
            "party_id",
            "role",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    commercial_card_number: Mapped[str | None] = mapped_column(String(20))
    card_issued_on: Mapped[date | None] = mapped_column(Date)
    card_expires_on: Mapped[date | None] = mapped_column(Date)
    office_kind: Mapped[str | None] = mapped_column(String(30))  # customs-office | issuing-authority
    office_code: Mapped[str | None] = mapped_column(String(20))
    office_name: Mapped[str | None] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignatureKey(Base):
    """A user's public signing key (the seed's "token"): pending until the SMS code confirms it."""

    __tablename__ = "signature_keys"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'revoked')", name="status"),
        CheckConstraint("alg IN ('ES256', 'EdDSA')", name="alg"),
        Index("uq_signature_keys_party_kid", "party_id", "kid", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    kid: Mapped[str] = mapped_column(String(64))  # RFC 7638 thumbprint
    alg: Mapped[str] = mapped_column(String(10))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    verification_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verification_codes.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- Representation ------------------------------------------------------------------------------


class Representation(Base):
    """A grant of representation. ``state`` is what was decided; whether it is
    active or expired today follows from the dates (``identity.representation``)."""

    __tablename__ = "representations"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'accepted', 'rejected', 'revoked')", name="state"),
        CheckConstraint("access_level IN ('very-limited', 'limited', 'medium', 'full')", name="access_level"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        Index("ix_representations_grantor_created_at", "grantor_id", "created_at", "id"),
        Index("ix_representations_representative_created_at", "representative_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    grantor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"))
    grantor_role: Mapped[str] = mapped_column(String(20))
    representative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    access_level: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), server_default="pending")
    signature: Mapped[str] = mapped_column(Text)  # the detached JWS over the signed request body
    signature_kid: Mapped[str] = mapped_column(String(64))
    signed_body: Mapped[bytes] = mapped_column(LargeBinary)  # the exact bytes that were signed
    created_by: Mapped[str] = mapped_column(String(200))  # the acting subject, when not the grantor
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RepresentationEvent(Base):
    """The history of a grant: who did what, for whom, when, with which request."""

    __tablename__ = "representation_events"
    __table_args__ = (Index("ix_representation_events_representation_id", "representation_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    representation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("representations.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- Audit -------------------------------------------------------------------------------------


class AuditEntry(Base):
    """A security event: who, for whom, what, when, from where, in which request, and whether
    it was allowed (``kit.audit``; append-only, the database refuses changes)."""

    __table__ = audit_log
