"""Settings shared by every service, read from the environment in the app's lifespan."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.edge import DEFAULT_ALLOWED_HOSTS, DEFAULT_MAX_BODY_BYTES
from kit.registry import JWKS_PATH, registry

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # the gateway of ``make run``


def _shared(name: str) -> AliasChoices:
    """An unprefixed variable shared by every process (``DATABASE_URL``...)."""
    return AliasChoices(name)


class ServiceSettings(BaseSettings):
    """Base settings. A service subclasses it with its own ``env_prefix``.

    Shared values (database, token issuer, the services' URLs) are read from
    unprefixed variables so one environment serves every process; a service's
    own values use its prefix (``ORDERS_METRICS_PORT``...).
    """

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    database_url: str = Field(default="", validation_alias=_shared("DATABASE_URL"))
    db_pool_size: int = Field(default=20, validation_alias=_shared("DB_POOL_SIZE"))
    # No overflow by default: under sustained load SQLAlchemy opens an overflow connection, then
    # closes it on return, for request after request (a connect, codec set-up and type
    # introspection each time). bench/orders: reads 0.28x the raw baseline with 20 + 10, 0.56x
    # with 20 + 0; a request waits for a pooled connection instead.
    db_max_overflow: int = Field(default=0, validation_alias=_shared("DB_MAX_OVERFLOW"))
    # Freeze the start-up heap and raise the collector's thresholds once the service has
    # started (kit.app.tune_garbage_collector); tests, which start many apps in one
    # process, turn it off.
    gc_tuning: bool = Field(default=True, validation_alias=_shared("PANJEREH_GC_TUNING"))
    # Where each service of the registry is reached: given here, else ``<NAME>_URL``, else
    # its port on this machine (kit.registry). Completed by ``_every_service``.
    service_urls: dict[str, str] = Field(default_factory=dict, validate_default=True)
    token_issuer: str = Field(
        default=f"https://panjereh.ir{registry().token_service.prefix}",
        validation_alias=_shared("PANJEREH_TOKEN_ISSUER"),
    )
    token_audience: str = Field(default="panjereh", validation_alias=_shared("PANJEREH_TOKEN_AUDIENCE"))
    jwks_min_refresh_seconds: float = Field(
        default=10.0, validation_alias=_shared("PANJEREH_JWKS_MIN_REFRESH_SECONDS")
    )
    http_timeout_seconds: float = Field(default=5.0, validation_alias=_shared("PANJEREH_HTTP_TIMEOUT"))
    http_connect_timeout_seconds: float = Field(
        default=2.0, validation_alias=_shared("PANJEREH_HTTP_CONNECT_TIMEOUT")
    )
    sandbox: bool = Field(default=False, validation_alias=_shared("PANJEREH_SANDBOX"))
    log_level: str = Field(default="INFO", validation_alias=_shared("LOG_LEVEL"))
    idempotency_wait_seconds: float = Field(
        default=5.0, validation_alias=_shared("PANJEREH_IDEMPOTENCY_WAIT_SECONDS")
    )
    idempotency_ttl_hours: int = Field(default=24, validation_alias=_shared("PANJEREH_IDEMPOTENCY_TTL_HOURS"))
    # Where callers reach the platform (the gateway); links a service returns through the gateway
    # (``next`` pages, ``Location``) start with it, never with a Host a caller sent.
    public_base_url: str = Field(
        default=DEFAULT_PUBLIC_BASE_URL, validation_alias=_shared("PANJEREH_PUBLIC_BASE_URL")
    )
    # Host names this process answers to, comma-separated (``.example.ir``: any subdomain, ``*``: any);
    # another Host gets 400 before any route runs (kit.edge).
    allowed_hosts: str = Field(
        default=",".join(DEFAULT_ALLOWED_HOSTS), validation_alias=_shared("PANJEREH_ALLOWED_HOSTS")
    )
    # A larger body gets 413, from its Content-Length before it is read, or as it streams in.
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES, gt=0, validation_alias=_shared("PANJEREH_MAX_BODY_BYTES")
    )
    # Prometheus metrics on their own listener (kit.metrics_listener), with the service's prefix
    # (``ORDERS_METRICS_PORT``); unset: no metrics listener. The public port never serves them.
    metrics_port: int | None = None
    metrics_host: str = Field(default="127.0.0.1", validation_alias=_shared("PANJEREH_METRICS_HOST"))

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return public_base_url(value)

    @field_validator("service_urls")
    @classmethod
    def _every_service(cls, value: dict[str, str]) -> dict[str, str]:
        strangers = set(value) - set(registry().names)
        if strangers:
            raise ValueError(f"not services of the registry: {sorted(strangers)}")
        return {**registry().service_urls(), **value}

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        return async_database_url(value) if value else value

    def url_of(self, service: str) -> str:
        """Where ``service`` (a name in the registry) is reached, without a trailing slash."""
        return self.service_urls[service].rstrip("/")

    @property
    def token_service_url(self) -> str:
        """The service that issues access tokens and publishes its JWKS and signers' keys."""
        return self.url_of(registry().token_service.name)

    @property
    def jwks_url(self) -> str:
        return self.token_service_url + JWKS_PATH


def public_base_url(value: str) -> str:
    """``http(s)://host[:port][/path]`` without a trailing slash, query or fragment."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("the public base URL must be http(s)://host[:port][/path]")
    return urlunsplit(parts._replace(path=parts.path.rstrip("/")))


def async_database_url(url: str) -> str:
    """Normalise a libpq-style URL for the asyncpg driver.

    ``postgres://`` and ``postgresql://`` become ``postgresql+asyncpg://``, and
    libpq's ``sslmode=`` (what managed PostgreSQL providers hand out) becomes
    asyncpg's ``ssl=``, which takes the same values.
    """
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            parts = urlsplit("postgresql+asyncpg://" + url[len(prefix) :])
            query = [
                ("ssl" if k == "sslmode" else k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ]
            return urlunsplit(parts._replace(query=urlencode(query, safe="/")))
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def sync_database_url(url: str) -> str:
    """The URL for asyncpg.connect and libpq-style tools (psql, pg_dump)."""
    parts = urlsplit(async_database_url(url).replace("postgresql+asyncpg://", "postgresql://", 1))
    query = [("sslmode" if k == "ssl" else k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


def sandbox_enabled(settings: ServiceSettings | None) -> bool:
    """Whether the sandbox is on: from ``settings`` when the app was given them,
    else from ``PANJEREH_SANDBOX`` as the settings would read it (the app's
    routes are fixed before its lifespan builds the settings)."""
    if settings is not None:
        return settings.sandbox
    return os.environ.get("PANJEREH_SANDBOX", "").strip().lower() in {"1", "true", "yes", "on", "t", "y"}
