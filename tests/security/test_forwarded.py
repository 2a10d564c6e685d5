"""Row 13: behind the gateway, each service sees the real caller's address, never the
gateway's (else the per-requester SMS limit and anonymous idempotency scopes become one
global bucket), and nobody's own ``X-Forwarded-For`` is believed unless configured.

Observed where it matters: the source address identity records for an anonymous failed
login. Two requests, one per gateway: ``proxied`` trusts the test as its ingress (as a
cluster's gateway trusts the ingress controller), the stack's own gateway trusts nobody.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from identity_testing.parties import national_code

from tests.conftest import Stack
from tests.test_flow_representation import bearer, ok

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


async def _failed_login_seen_from(
    client: httpx.AsyncClient, http: httpx.AsyncClient, stack: Stack, forwarded_for: str
) -> Any:
    """The source address identity recorded for a failed login sent through ``client``."""
    rid = f"fwd-{uuid.uuid4().hex}"
    refused = await client.post(
        "/identity/v1/login",
        json={"national_code": national_code(), "password": "Wrong-Password-123"},
        headers={"X-Forwarded-For": forwarded_for, "X-Request-ID": rid},
    )
    assert refused.status_code == 401, refused.text
    issued = ok(
        await http.post(
            "/identity/v1/token", data={"grant_type": "client_credentials"}, auth=stack.admin_credentials
        )
    )
    page = ok(
        await http.get(
            "/identity/v1/audit-events",
            params={"request_id": rid},
            headers=bearer(issued["access_token"]),
        )
    )
    assert page["items"], f"no audit event for {rid}"
    return {event["source_address"] for event in page["items"]}


async def test_the_service_sees_the_caller_the_trusted_ingress_names(
    proxied: httpx.AsyncClient, http: httpx.AsyncClient, stack: Stack
) -> None:
    assert await _failed_login_seen_from(proxied, http, stack, "198.51.100.23") == {"198.51.100.23"}


async def test_a_callers_own_forwarded_for_is_not_believed(http: httpx.AsyncClient, stack: Stack) -> None:
    assert await _failed_login_seen_from(http, http, stack, "198.51.100.99") == {"127.0.0.1"}


def test_deployed_services_believe_forwarded_addresses_from_the_pod_network() -> None:
    """On the cluster the gateway is another pod: a service trusting only 127.0.0.1 would see
    the gateway's address for every caller."""
    entrypoint = (DEPLOY / "docker" / "entrypoint.sh").read_text()
    assert re.search(r'--forwarded-allow-ips "\$\{FORWARDED_ALLOW_IPS', entrypoint)
    settings = dict(
        line.split("=", 1)
        for line in (DEPLOY / "kubernetes" / "base" / "settings.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    trusted = settings["FORWARDED_ALLOW_IPS"].split(",")
    assert "10.0.0.0/8" in trusted
    assert trusted != ["127.0.0.1"]
