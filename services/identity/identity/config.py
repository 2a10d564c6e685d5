"""Identity settings (prefix ``IDENTITY_``)."""

from __future__ import annotations

import base64

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", populate_by_name=True)

    service_name: str = "identity"
    access_token_ttl_seconds: int = 600
    signing_key_max_age_days: int = 30
    # AES-256-GCM key (base64, 32 bytes) that encrypts signing keys at rest.
    # Required outside the sandbox; in the sandbox a development key is derived.
    key_encryption_key: str = ""
    # SMS codes (seed 001: four digits); sending limits against paid-SMS abuse (OWASP API4).
    sms_code_length: int = Field(default=4, ge=4, le=8)
    sms_code_ttl_seconds: int = 120
    sms_code_max_attempts: int = 5
    sms_adapter: str = "outbox"

    @field_validator("key_encryption_key")
    @classmethod
    def _valid_kek(cls, value: str) -> str:
        if value and len(base64.b64decode(value, validate=True)) != 32:
            raise ValueError("IDENTITY_KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
        return value
