"""A respx mock of identity for other services' tests: a JWKS and a token endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import respx


def mock_identity(
    router: respx.MockRouter, base_url: str, *, jwks: dict[str, Any], token: str = "test-token"
) -> respx.MockRouter:
    """Register identity's routes on ``router``; returns it for chaining."""
    base = base_url.rstrip("/")
    router.get(f"{base}/.well-known/jwks.json").mock(return_value=httpx.Response(200, json=jwks))
    router.post(f"{base}/v1/token").mock(
        return_value=httpx.Response(
            200, json={"access_token": token, "token_type": "Bearer", "expires_in": 600, "scope": ""}
        )
    )
    router.get(f"{base}/health").mock(
        return_value=httpx.Response(200, json={"status": "ok", "service": "identity"})
    )
    return router
