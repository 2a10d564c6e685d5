"""Async client for identity."""

from __future__ import annotations

from urllib.parse import quote

from panjereh_contract.client import ServiceClient

from identity_client.models import JwkSet, TokenResponse
from identity_client.representations import PartyRelation


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

    async def my_relation(self, authorization: str, subject: str) -> PartyRelation:
        """How the person whose own token ``authorization`` (the ``Authorization`` header value)
        carries stands to ``subject`` today: themselves, its manager, its representative."""
        response = await self._request(
            "GET", f"/v1/me/relations/{quote(subject, safe=':')}", headers={"Authorization": authorization}
        )
        return PartyRelation.model_validate(response.json())
