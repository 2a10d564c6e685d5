"""Gateway settings (prefix ``GATEWAY_``), built at start-up, never at import."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.edge import DEFAULT_ALLOWED_HOSTS, DEFAULT_MAX_BODY_BYTES
from kit.registry import JWKS_PATH, registry
from kit.settings import DEFAULT_PUBLIC_BASE_URL, public_base_url


def _shared(field: str, variable: str) -> AliasChoices:
    """An unprefixed variable shared with the services; the field name works as a keyword too."""
    return AliasChoices(field, variable)


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Who may set X-Forwarded-For/-Proto for the client address (uvicorn's setting): the ingress in
    # front of the gateway, if any. Nobody by default: a client's own X-Forwarded-For is not believed,
    # the address it connects from is the one rate limits and services see.
    forwarded_allow_ips: str = ""

    # Where callers reach the platform; links and redirects point here, never at a Host a caller sent
    # nor at an upstream's internal address (shared with the services).
    public_base_url: str = Field(
        default=DEFAULT_PUBLIC_BASE_URL,
        validation_alias=_shared("public_base_url", "PANJEREH_PUBLIC_BASE_URL"),
    )
    # Host names the gateway answers to, comma-separated (``.example.ir``: any subdomain); another Host
    # gets 400. The public base URL's host is always allowed.
    allowed_hosts: str = ",".join(DEFAULT_ALLOWED_HOSTS)
    # A larger request body gets 413: from Content-Length before a byte is read, or counted as it streams.
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, gt=0)
    # Prometheus metrics on their own listener (kit.metrics_listener); unset: none. Never on ``port``.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"

    # The upstream of each service in the registry (kit.registry), by name: given here, else
    # ``<NAME>_URL`` (shared with the services), else its port on this machine.
    service_urls: dict[str, str] = Field(default_factory=dict, validate_default=True)

    upstream_timeout_seconds: float = 10.0
    upstream_connect_timeout_seconds: float = 2.0
    # Below uvicorn's 5 s keep-alive so the upstream rarely closes a connection we are about to reuse.
    upstream_keepalive_seconds: float = 4.0
    upstream_max_idle_connections: int = 100

    rate_limit: str = "600/minute"
    rate_limit_strategy: Literal["fixed-window", "moving-window", "sliding-window-counter"] = "fixed-window"
    redis_url: str | None = Field(default=None, validation_alias=_shared("redis_url", "REDIS_URL"))
    # Names the counters in Redis, so deployments (or test runs) sharing one Redis keep apart.
    rate_limit_key_prefix: str = "panjereh"

    health_timeout_seconds: float = 1.0
    openapi_cache_seconds: float = 300.0

    token_issuer: str = Field(
        default=f"https://panjereh.ir{registry().token_service.prefix}",
        validation_alias=_shared("token_issuer", "PANJEREH_TOKEN_ISSUER"),
    )
    token_audience: str = Field(
        default="panjereh", validation_alias=_shared("token_audience", "PANJEREH_TOKEN_AUDIENCE")
    )
    jwks_min_refresh_seconds: float = Field(
        default=10.0,
        validation_alias=_shared("jwks_min_refresh_seconds", "PANJEREH_JWKS_MIN_REFRESH_SECONDS"),
    )
    log_level: str = Field(default="INFO", validation_alias=_shared("log_level", "LOG_LEVEL"))

    @field_validator("service_urls")
    @classmethod
    def _plain_http(cls, value: dict[str, str]) -> dict[str, str]:
        urls = {**registry().service_urls(), **value}
        for name, url in urls.items():
            parts = urlsplit(url)
            if name not in registry().names:
                raise ValueError(f"{name} is not a service of the registry")
            if parts.scheme != "http" or not parts.hostname:
                raise ValueError(
                    f"{name}: an upstream URL must be http://host[:port] (the gateway speaks plain HTTP/1.1)"
                )
            if parts.path.strip("/"):
                raise ValueError(f"{name}: an upstream URL must not carry a path")
        return urls

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return public_base_url(value)

    @property
    def allowed_host_names(self) -> list[str]:
        return [*self.allowed_hosts.split(","), urlsplit(self.public_base_url).hostname or ""]

    @property
    def jwks_url(self) -> str:
        return self.service_urls[registry().token_service.name].rstrip("/") + JWKS_PATH
