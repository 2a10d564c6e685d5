"""Identity settings (prefix ``IDENTITY_``)."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import Field, SecretStr, field_validator
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
    sms_adapter: Literal["outbox", "kavenegar"] = "outbox"
    # Sending limits (identity.codes), counted from verification_codes so they hold across
    # replicas: per mobile one code per `sms_min_interval_seconds` and at most
    # `sms_max_per_mobile_per_hour`; per requester (token subject, else client address) at
    # most `sms_max_per_requester_per_hour`. Refusals are 429 with Retry-After.
    sms_min_interval_seconds: int = Field(default=60, ge=0)
    sms_max_per_mobile_per_hour: int = Field(default=5, ge=1)
    sms_max_per_requester_per_hour: int = Field(default=20, ge=1)
    # Kavenegar (sms_adapter=kavenegar): verify/lookup with a template whose %token% is the code.
    kavenegar_url: str = "https://api.kavenegar.com/v1"
    kavenegar_api_key: SecretStr = SecretStr("")
    kavenegar_template: str = "panjereh-verify"
    # Mobile-ownership inquiry (Shahkar): "sandbox" answers from sandbox_mobile_owners, "zohal"
    # asks the Zohal aggregator. Empty means "sandbox" in the sandbox; outside it identity
    # refuses to start unless an adapter is named (even "sandbox", explicitly).
    ownership_adapter: Literal["", "sandbox", "zohal"] = ""
    zohal_url: str = "https://service.zohal.io/api/v0/services/inquiry/shahkar"
    zohal_token: SecretStr = SecretStr("")
    # Companies registry (identity.adapters.company_registry): who a legal person's managers
    # are. "sandbox" answers from sandbox_companies; "http" asks `company_registry_url`
    # (GET {url}/{national_id}, bearer `company_registry_token`). Empty means "sandbox" in
    # the sandbox; outside it, empty makes every inquiry 503 (no legal person registered).
    company_registry_adapter: Literal["", "sandbox", "http"] = ""
    company_registry_url: str = ""
    company_registry_token: SecretStr = SecretStr("")
    # Login back-off (identity.login.throttle), never a lock of the account itself: from the
    # `login_lockout_threshold`-th failure for one national code from one source address,
    # that pair backs off 1, 2, 4 ... minutes, at most `login_lockout_max_minutes`; from the
    # `login_source_lockout_threshold`-th failure from one address (any national code), the
    # address does, at most `login_source_lockout_max_minutes`; from the
    # `login_account_step_up_threshold`-th failure against one national code (any address),
    # a right password also needs an SMS code. Failures older than
    # `login_failure_window_minutes` are forgotten. A second-factor challenge lives 2-5
    # minutes, 5 tries.
    login_lockout_threshold: int = Field(default=5, ge=1)
    login_lockout_max_minutes: int = Field(default=60, ge=1)
    login_source_lockout_threshold: int = Field(default=50, ge=1)
    login_source_lockout_max_minutes: int = Field(default=15, ge=1)
    login_account_step_up_threshold: int = Field(default=20, ge=1)
    login_failure_window_minutes: int = Field(default=60, ge=1)
    login_challenge_ttl_seconds: int = Field(default=180, ge=120, le=300)
    login_challenge_max_attempts: int = Field(default=5, ge=1)
    # Refresh tokens rotate on every use; a family (one login) ends after `refresh_family_max_days`.
    refresh_token_ttl_days: int = Field(default=14, ge=1)
    refresh_family_max_days: int = Field(default=30, ge=1)
    # "My Government" SSO (identity.sso, OIDC code flow with PKCE). In the sandbox, empty
    # URLs point at the fake provider on identity itself (/v1/sandbox/my-government).
    sso_issuer: str = ""
    sso_authorization_url: str = ""
    sso_token_url: str = ""
    sso_jwks_url: str = ""
    sso_client_id: str = "panjereh"
    sso_client_secret: SecretStr = SecretStr("")
    # identity's address as users' browsers reach it (through the gateway, e.g.
    # https://api.panjereh.ir/identity); its own callbacks are under it. Empty: IDENTITY_URL.
    # Redirect URIs are never taken from the request's Host.
    sso_public_url: str = ""
    # Pages the provider may send the user back to (registered with it), besides identity's
    # own callbacks; any other redirect_uri is refused.
    sso_redirect_uris: list[str] = Field(default_factory=list)
    sso_login_ttl_seconds: int = Field(default=600, ge=60, le=1800)

    # Password recovery (identity.recovery): by SMS an attempt lives as long as its code, by
    # My Government `recovery_ttl_seconds`; `recovery_max_attempts` tries either way; at most `recovery_max_per_national_code_per_hour` attempts
    # for one national code and `recovery_max_per_requester_per_hour` from one requester.
    recovery_ttl_seconds: int = Field(default=600, ge=120, le=3600)
    recovery_max_attempts: int = Field(default=5, ge=1)
    recovery_max_per_national_code_per_hour: int = Field(default=3, ge=1)
    recovery_max_per_requester_per_hour: int = Field(default=10, ge=1)

    @field_validator("key_encryption_key")
    @classmethod
    def _valid_kek(cls, value: str) -> str:
        if value and len(base64.b64decode(value, validate=True)) != 32:
            raise ValueError("IDENTITY_KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
        return value
