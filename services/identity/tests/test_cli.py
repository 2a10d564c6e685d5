"""The `panjereh-identity` command creates clients, rotates keys and seeds the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

TEST_KEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def _cli(database_url: str, *args: str, sandbox: bool = False) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "IDENTITY_KEY_ENCRYPTION_KEY": TEST_KEK,
        "PANJEREH_SANDBOX": "1" if sandbox else "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "identity.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


async def test_create_client_then_get_a_token(identity: httpx.AsyncClient, database_url: str) -> None:
    result = _cli(database_url, "create-client", "--name", "Mikhak feed", "--scope", "mikhak-feed")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["scopes"] == ["mikhak-feed"]
    response = await identity.post(
        "/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "mikhak-feed"


def test_create_client_refuses_an_unknown_scope(database_url: str) -> None:
    result = _cli(database_url, "create-client", "--name", "x", "--scope", "root")
    assert result.returncode == 2
    assert "scopes" in result.stderr


def test_seed_needs_the_sandbox_and_reissues_the_secret(database_url: str) -> None:
    assert _cli(database_url, "seed").returncode == 2
    first = json.loads(_cli(database_url, "seed", sandbox=True).stdout)
    second = json.loads(_cli(database_url, "seed", sandbox=True).stdout)
    assert first["client_id"] == second["client_id"] == "sandbox-admin"
    assert first["client_secret"] != second["client_secret"]
