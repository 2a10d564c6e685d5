"""What a user's access token says about them: roles, office, commercial card."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.models import Party


async def party_claims(session: AsyncSession, party: Party) -> dict[str, Any]:
    """Claims for ``party``'s own token: ``roles`` (live roles; merchant only while
    the card is valid), ``office`` for officers, ``commercial_card_expires``."""
    raise NotImplementedError
