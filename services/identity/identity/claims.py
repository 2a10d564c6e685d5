"""What a user's access token says about them: roles, office, commercial card."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Party
from identity.roles.repository import live_roles
from identity.roles.service import merchant_card_valid
from kit.clock import today_tehran


async def party_claims(session: AsyncSession, party: Party) -> dict[str, Any]:
    """Claims for ``party``'s own token: ``roles`` (live roles; merchant only while
    the card is valid), ``office`` for officers, ``commercial_card_expires`` and
    ``commercial_card_issued``.

    ``office`` is ``{kind, code, name}``; the card claims are the ISO dates of
    the valid card's expiry and issue (each only when it applies).
    """
    today = today_tehran()
    roles: list[str] = []
    claims: dict[str, Any] = {}
    for assignment in await live_roles(session, party.id):
        if assignment.role == "merchant":
            if not merchant_card_valid(assignment, today):
                continue
            assert assignment.card_expires_on is not None
            claims["commercial_card_expires"] = assignment.card_expires_on.isoformat()
            if assignment.card_issued_on is not None:  # orders' first-year cap counts from it
                claims["commercial_card_issued"] = assignment.card_issued_on.isoformat()
        if assignment.role == "officer":
            claims["office"] = {
                "kind": assignment.office_kind,
                "code": assignment.office_code,
                "name": assignment.office_name,
            }
        roles.append(assignment.role)
    return {"roles": roles, **claims}
