"""Typed dependencies of identity's endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from identity.accounts import repository as accounts_repository
from identity.accounts.models import Party
from identity.exceptions import NotYourAccount
from identity.subjects import NATURAL_PREFIX, party_id_of
from kit.auth import Principal, PrincipalDep, require_scope
from kit.db import SessionDep

AdminDep = Annotated[Principal, require_scope("admin")]


async def _current_user(principal: PrincipalDep, session: SessionDep) -> Party:
    """The natural person the token was issued to, acting for themselves.

    An acting-for token (one with ``act``) is refused: a representative works
    on the grantor's files, never on the grantor's account, keys or grants.
    """
    party_id = party_id_of(principal.subject)
    if principal.actor is not None or party_id is None or not principal.subject.startswith(NATURAL_PREFIX):
        raise NotYourAccount("This needs a user's own token (log in), not a machine or acting-for token.")
    party = await accounts_repository.party(session, party_id)
    if party is None or party.status != "active":
        raise NotYourAccount("The account of this token is not active.")
    return party


CurrentUser = Annotated[Party, Depends(_current_user)]
