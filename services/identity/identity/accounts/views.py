"""What the API answers for legal persons."""

from __future__ import annotations

from identity_client.accounts import (
    LegalPerson,
    LegalPersonSummary,
    Manager,
)
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import repository
from identity.accounts.models import Party
from identity.roles.repository import live_roles
from identity.roles.views import role_out
from identity.subjects import subject_of
from kit.clock import today_tehran


def legal_summary(party: Party) -> LegalPersonSummary:
    return LegalPersonSummary.model_validate(
        {
            "id": party.id,
            "subject": subject_of(party),
            "national_id": party.national_id,
            "name": party.name,
            "status": party.status,
            "registration_number": party.registration_number,
            "verified_at": party.verified_at,
            "created_at": party.created_at,
        }
    )


async def legal_person_out(session: AsyncSession, party: Party) -> LegalPerson:
    today = today_tehran()
    managers = [
        Manager(
            id=person.id,
            subject=subject_of(person),
            first_name=person.first_name,
            last_name=person.last_name,
            added_by=link.added_by,
            added_at=link.created_at,
        )
        for link, person in await repository.managers_of(session, party.id)
    ]
    return LegalPerson(
        **legal_summary(party).model_dump(),
        managers=managers,
        roles=[role_out(a, party, today) for a in await live_roles(session, party.id)],
    )
