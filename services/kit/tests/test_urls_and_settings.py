"""Links through the gateway, and database URLs from managed providers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from kit.settings import ServiceSettings, async_database_url, sync_database_url
from kit.urls import public_location, public_url


def _request(
    path: str, query: str = "", headers: dict[str, str] | None = None, base: str | None = None
) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 8001),
        "path": path,
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1:8001"), *raw],
    }
    if base is not None:
        scope["app"] = SimpleNamespace(state=SimpleNamespace(settings=ServiceSettings(public_base_url=base)))
    return Request(scope)


GATEWAY = {"X-Forwarded-Prefix": "/identity"}


def test_direct_request_keeps_its_own_url() -> None:
    assert str(public_url(_request("/v1/clients", "limit=2"))) == "http://127.0.0.1:8001/v1/clients?limit=2"


def test_links_through_the_gateway_point_at_the_configured_base_url() -> None:
    request = _request("/v1/clients", "limit=2", GATEWAY, base="https://api.panjereh.ir/")
    assert str(public_url(request)) == "https://api.panjereh.ir/identity/v1/clients?limit=2"
    assert public_location(request, "/v1/clients/x") == "https://api.panjereh.ir/identity/v1/clients/x"


def test_a_base_url_with_a_path_keeps_it() -> None:
    request = _request("/v1/clients", "", GATEWAY, base="https://trade.example.ir/api")
    assert public_location(request, "/v1/clients/x") == "https://trade.example.ir/api/identity/v1/clients/x"


def test_forwarded_host_and_proto_from_a_caller_are_ignored() -> None:
    forged = {
        **GATEWAY,
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
        "Host": "evil.example",
    }
    request = _request("/v1/clients", "", forged, base="https://api.panjereh.ir")
    assert str(public_url(request)) == "https://api.panjereh.ir/identity/v1/clients"


def test_without_settings_the_default_base_url_is_used() -> None:
    assert str(public_url(_request("/v1/x", headers=GATEWAY))) == "http://127.0.0.1:8000/identity/v1/x"


@pytest.mark.parametrize("base", ["ftp://x.example", "https://", "https://x.example/?q=1", "x.example"])
def test_a_malformed_public_base_url_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="public base URL"):
        ServiceSettings(public_base_url=base)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-Host": "evil.example/path"},
        {"X-Forwarded-Proto": "javascript"},
        {"X-Forwarded-Prefix": "//evil.example"},
        {"X-Forwarded-Prefix": "/a b"},
    ],
)
def test_malformed_forwarded_headers_are_ignored(headers: dict[str, str]) -> None:
    assert str(public_url(_request("/v1/x", headers=headers))) == "http://127.0.0.1:8001/v1/x"


def test_libpq_sslmode_becomes_asyncpg_ssl_and_back() -> None:
    url = "postgres://u:p@db.example:5432/panjereh?sslmode=verify-full&application_name=x"
    assert async_database_url(url) == (
        "postgresql+asyncpg://u:p@db.example:5432/panjereh?ssl=verify-full&application_name=x"
    )
    assert (
        sync_database_url(url)
        == "postgresql://u:p@db.example:5432/panjereh?sslmode=verify-full&application_name=x"
    )


def test_unix_socket_urls_survive() -> None:
    url = "postgresql://postgres:@/postgres?host=/tmp/pg-abc"
    assert async_database_url(url) == "postgresql+asyncpg://postgres:@/postgres?host=/tmp/pg-abc"


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="postgresql"):
        async_database_url("mysql://u@h/d")


def test_settings_read_the_shared_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    monkeypatch.setenv("PANJEREH_SANDBOX", "1")
    settings = ServiceSettings()
    assert settings.database_url == "postgresql+asyncpg://u@h/d"
    assert settings.sandbox is True
    assert settings.jwks_url == "http://127.0.0.1:8001/.well-known/jwks.json"
