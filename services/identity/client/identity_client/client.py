"""Async client for identity."""

from __future__ import annotations

from identity_client.models import JwkSet, TokenResponse
from kit.client import ServiceClient


class IdentityClient(ServiceClient):
    async def jwks(self) -> JwkSet:
        return JwkSet.model_validate((await self._request("GET", "/.well-known/jwks.json")).json())

    async def client_credentials_token(
        self, client_id: str, client_secret: str, scope: str | None = None
    ) -> TokenResponse:
        form = {"grant_type": "client_credentials"}
        if scope:
            form["scope"] = scope
        response = await self._request("POST", "/v1/token", data=form, auth=(client_id, client_secret))
        return TokenResponse.model_validate(response.json())
