"""What the API answers for grants of representation and their parties."""

from __future__ import annotations

from identity_client.representations import (
    GrantorRole,
    PartyRef,
    RepresentationOut,
)
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Party
from identity.representations import repository as repo
from identity.representations.models import Representation
from identity.representations.service import status_of
from identity.subjects import subject_of
from kit.clock import today_tehran
from kit.jalali import jalali


def party_ref(party: Party) -> PartyRef:
    if party.kind == "legal":
        name = party.name or ""
    else:
        name = " ".join(n for n in (party.first_name, party.last_name) if n)
    return PartyRef(
        id=party.id,
        subject=subject_of(party),
        kind="legal" if party.kind == "legal" else "natural",
        national_code=party.national_code,
        national_id=party.national_id,
        name=name,
    )


async def out(session: AsyncSession, grants: list[Representation]) -> list[RepresentationOut]:
    """The answers for ``grants``, their parties read in one query."""
    parties = await repo.parties(session, {p for g in grants for p in (g.grantor_id, g.representative_id)})
    today = today_tehran()
    return [
        RepresentationOut(
            id=g.id,
            grantor=party_ref(parties[g.grantor_id]),
            grantor_role=GrantorRole(g.grantor_role),
            representative=party_ref(parties[g.representative_id]),
            scopes=list(g.scopes),
            access_level=g.access_level,  # type: ignore[arg-type]
            starts_on=g.starts_on,
            starts_on_jalali=jalali(g.starts_on),
            ends_on=g.ends_on,
            ends_on_jalali=jalali(g.ends_on),
            status=status_of(g, today),
            signature_kid=g.signature_kid,
            created_by=g.created_by,
            created_at=g.created_at,
            decided_at=g.decided_at,
            revoked_at=g.revoked_at,
        )
        for g in grants
    ]
