"""Async client for identity."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from identity_client.accounts import Me
from identity_client.models import JwkSet, TokenResponse
from identity_client.representations import ActiveGrant, ActiveGrantList, PartyRelation
from identity_client.signature_keys import SignatureJwkSet
from panjereh_contract.client import ServiceCallError, ServiceClient


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

    async def me(self, authorization: str) -> Me:
        """The own profile of the person whose token ``authorization`` (the ``Authorization``
        header value) carries; identity refuses a token that acts for someone else."""
        response = await self._request("GET", "/v1/me", headers={"Authorization": authorization})
        return Me.model_validate(response.json())

    async def party_signature_keys(self, subject: str) -> SignatureJwkSet:
        """The active signature keys of ``subject`` (``user:…``/``legal:…``) as identity
        publishes them; ``ServiceCallError`` 404 for a party identity does not know."""
        response = await self._request("GET", f"/v1/parties/{quote(subject, safe=':')}/signature-keys")
        return SignatureJwkSet.model_validate(response.json())

    async def signer_keys(self, subject: str) -> dict[str, dict[str, Any]]:
        """``{kid: public JWK}`` of ``subject``'s active signature keys, empty for a party
        identity does not know: what a service checks a ``Panjereh-Signature`` against."""
        try:
            jwks = await self.party_signature_keys(subject)
        except ServiceCallError as exc:
            if exc.status == 404:
                return {}
            raise
        return {key.kid: key.model_dump(exclude_none=True) for key in jwks.keys}

    async def active_grants(self, token: str, grantors: list[str]) -> list[ActiveGrant]:
        """The grants active today of each of ``grantors`` (``user:…``/``legal:…``, at most
        ``MAX_ACTIVE_GRANTORS`` a call), for a machine client's ``token`` holding ``grants:read``."""
        if not grantors:
            return []
        response = await self._request(
            "GET",
            "/v1/representations/active-grants",
            params=[("grantor", grantor) for grantor in grantors],
            headers={"Authorization": f"Bearer {token}"},
        )
        return ActiveGrantList.model_validate(response.json()).items
