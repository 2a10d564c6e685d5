"""Schemathesis from outside: the merged document as the gateway serves it at ``/openapi.json``,
every operation called through the gateway over real HTTP, as a client would.

The gateway runs with its documented rate limit (``GatewaySettings.rate_limit``, 600 a minute per
client): a few examples per operation keep the run under it, and a 429 is itself documented on
every forwarded operation (with ``Retry-After`` and the ``RateLimit-*`` headers). Each answer must
match the document: status, content type, schema and headers (``X-Request-ID`` on every answer,
``ETag`` where documented). Refusals no schema can state (check digits, real days, cursors,
credentials only a login issues) are set aside as in ``tests/test_schemathesis.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from kit_testing import serve_in_thread
from schemathesis.config import SchemathesisConfig

from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from openapi.export import rendered_documents
from tests.test_schemathesis import admin_headers, call_and_validate, servers

__all__ = ["admin_headers", "servers"]  # the fixtures, shared with the in-process run

# Examples per operation: ~140 operations stay under the 600 requests a minute the gateway allows.
MAX_EXAMPLES = 2


@pytest.fixture(scope="module")
def gateway_url(servers: dict[str, str]) -> Iterator[str]:
    settings = GatewaySettings(service_urls=servers, log_level="WARNING")
    assert settings.rate_limit == "600/minute"  # the documented default, not a test's own
    with serve_in_thread(create_gateway(settings)) as url:
        yield url


# The merged document built in-process, as `make openapi` exports it; the gateway serves the same
# (test_the_gateway_serves_this_document). Built at import: schemathesis' lazy loading from a fixture
# does not run under this pytest.
PUBLISHED = json.loads(rendered_documents()["panjereh.json"])
# The examples and fuzzing phases only: the coverage phase's many requests per operation (each
# missing header, each boundary) would pass the rate limit; the in-process run does them per service.
SCHEMA = schemathesis.openapi.from_dict(
    PUBLISHED, config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
)


def test_the_gateway_serves_this_document(gateway_url: str) -> None:
    served = httpx.get(gateway_url + "/openapi.json").json()
    assert "x-unavailable-services" not in served
    assert served == PUBLISHED


@SCHEMA.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("PANJEREH_FUZZ_RANDOM") != "1",
)
def test_the_gateway_keeps_its_published_contract(
    case: schemathesis.Case, gateway_url: str, admin_headers: dict[str, str]
) -> None:
    call_and_validate(case, gateway_url, admin_headers)


def test_a_problem_names_the_path_the_client_asked(gateway_url: str, admin_headers: dict[str, str]) -> None:
    path = "/orders/v1/order-files/00000000-0000-4000-8000-000000000000"
    response = httpx.get(gateway_url + path, headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["instance"] == path
    assert response.headers["x-request-id"]
    assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= set(response.headers)
