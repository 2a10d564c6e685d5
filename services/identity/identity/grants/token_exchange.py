"""RFC 8693 token exchange: acting for a principal.

Two subjects can be exchanged for, with the agent's own access token as
``actor_token`` (``urn:ietf:params:oauth:token-type:access_token``; a user's
own token, without ``act``):

* ``urn:panjereh:params:oauth:token-type:representation``: ``subject_token`` is
  the ID of an accepted grant active today of which the agent is the
  representative (or a manager of the legal representative). The token's
  ``sub`` is the grantor, ``act`` the agent (``{"sub": "user:…"}``; for a legal
  representative ``{"sub": "legal:…", "act": {"sub": "user:…"}}``), ``scope``
  the grant's scopes, ``access_level`` its level, ``roles`` the grant's role
  and ``representation_id`` the grant.
* ``urn:panjereh:params:oauth:token-type:legal-person``: ``subject_token`` is a
  legal person the agent manages. ``sub`` is the legal person, ``act`` the
  manager, ``roles`` the legal person's live roles, ``access_level`` ``full``
  and ``scope`` every scope those roles grant (a manager acts as the company
  itself): ``foreign-trade currency product-id`` for a merchant, ``full`` for a
  trader (``kit.access_levels.scopes_of_roles``).

Services read scopes together with ``roles`` (``kit.access_levels.covers``): a
trader grant's ``full`` covers domestic trade only, never a merchant scope.

No refresh token: the access token lives 10 minutes, so a revoked grant stops
working within that time, and each new token re-checks the grant.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from identity_client.models import TokenResponse
from identity_client.representations import (
    ACCESS_TOKEN_TYPE,
    LEGAL_PERSON_TOKEN_TYPE,
    REPRESENTATION_TOKEN_TYPE,
    TOKEN_EXCHANGE_GRANT,
)
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, representation
from identity.claims import party_claims
from identity.exceptions import InvalidGrant, InvalidTokenRequest
from identity.models import Party
from identity.state import identity_state
from identity.subjects import NATURAL_PREFIX, party_id_of, subject_of
from identity.tokens import issue_access_token
from kit.access_levels import scopes_of_roles
from kit.errors import ProblemError
from panjereh_contract.access_levels import AccessLevel

GRANT_TYPE = TOKEN_EXCHANGE_GRANT
SUBJECT_TOKEN_TYPES = (REPRESENTATION_TOKEN_TYPE, LEGAL_PERSON_TOKEN_TYPE)


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise InvalidTokenRequest(f"{name} is required for the token exchange.")
    return value


async def _agent(request: Request, session: AsyncSession, actor_token: str) -> Party:
    """The user whose own access token ``actor_token`` is."""
    try:
        principal = await identity_state(request).runtime.token_verifier.verify(actor_token)
    except ProblemError as exc:
        raise InvalidGrant(f"The actor_token is not valid: {exc.detail}") from exc
    if principal.actor is not None:
        raise InvalidGrant("The actor_token acts for someone; use the agent's own token.")
    party_id = party_id_of(principal.subject)
    if party_id is None or not principal.subject.startswith(NATURAL_PREFIX):
        raise InvalidGrant("The actor_token must be a user's own token (not a machine client's).")
    party = await session.get(Party, party_id)
    if party is None or party.status != "active":
        raise InvalidGrant("The account of the actor_token is not active.")
    return party


def _subject_id(subject_token: str) -> uuid.UUID:
    try:
        return uuid.UUID(subject_token)
    except ValueError:
        raise InvalidGrant("The subject_token is not an ID this server issued.") from None


async def handle(request: Request, session: AsyncSession, form: dict[str, str]) -> TokenResponse:
    subject_token = _required(form, "subject_token")
    subject_token_type = _required(form, "subject_token_type")
    actor_token = _required(form, "actor_token")
    actor_token_type = _required(form, "actor_token_type")
    if subject_token_type not in SUBJECT_TOKEN_TYPES:
        raise InvalidTokenRequest(f"subject_token_type must be one of: {', '.join(SUBJECT_TOKEN_TYPES)}.")
    if actor_token_type != ACCESS_TOKEN_TYPE:
        raise InvalidTokenRequest(f"actor_token_type must be {ACCESS_TOKEN_TYPE}.")
    requested = form.get("requested_token_type")
    if requested is not None and requested != ACCESS_TOKEN_TYPE:
        raise InvalidTokenRequest(f"Only {ACCESS_TOKEN_TYPE} tokens are issued.")

    agent = await _agent(request, session, actor_token)
    subject_id = _subject_id(subject_token)
    claims: dict[str, Any]
    if subject_token_type == REPRESENTATION_TOKEN_TYPE:
        grant, grantor, representative = await representation.exchangeable(session, subject_id, agent)
        act: dict[str, Any] = {"sub": subject_of(agent)}
        if representative.id != agent.id:  # a manager acting for a legal representative
            act = {"sub": subject_of(representative), "act": act}
        subject = subject_of(grantor)
        scope = " ".join(grant.scopes)
        claims = {
            "act": act,
            "scope": scope,
            "access_level": grant.access_level,
            "representation_id": str(grant.id),
            "roles": [grant.grantor_role],
        }
        if grant.grantor_role == "merchant":  # the grantor's card, as in their own token
            own = await party_claims(session, grantor)
            claims.update({k: v for k, v in own.items() if k.startswith("commercial_card_")})
    else:
        legal = await representation.managed_legal_person(session, subject_id, agent)
        subject = subject_of(legal)
        own = await party_claims(session, legal)
        scope = " ".join(scopes_of_roles(own["roles"]))
        claims = {
            **own,
            "act": {"sub": subject_of(agent)},
            "scope": scope,
            "access_level": AccessLevel.FULL.value,
        }
    token, ttl = await issue_access_token(identity_state(request), subject=subject, claims=claims)
    audit.record(
        session,
        actor=subject_of(agent),
        on_behalf_of=subject,
        action="token.exchange",
        object_type="legal-person" if subject_token_type == LEGAL_PERSON_TOKEN_TYPE else "representation",
        object_id=subject_id,
        details={"scope": scope, "access_level": claims["access_level"], "act": claims["act"]},
    )
    return TokenResponse(access_token=token, expires_in=ttl, scope=scope, issued_token_type=ACCESS_TOKEN_TYPE)
