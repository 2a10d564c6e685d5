"""Assigning and revoking the roles an admin client gives: merchant, trader, officer.

Base roles (base-natural, base-legal) come with registration and are not
assigned here. Flushes, never commits.
"""

from __future__ import annotations

import uuid
from datetime import date

from identity_client.roles import (
    MerchantRoleCreate,
    OfficerRoleCreate,
    RoleCreate,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit
from identity.accounts import repository as accounts_repository
from identity.accounts.exceptions import LegalPersonNotVerified
from identity.accounts.models import Party
from identity.roles.exceptions import (
    CommercialCardAlreadyExpired,
    CommercialCardDatesInvalid,
    PartyNotFound,
    RoleAlreadyAssigned,
    RoleNotAssigned,
    RoleNotForPartyKind,
)
from identity.roles.models import RoleAssignment
from identity.roles.repository import live_role
from kit.clock import now_utc, today_tehran


def merchant_card_valid(assignment: RoleAssignment, on: date) -> bool:
    """Whether the commercial card of a merchant assignment is still valid on the
    business date ``on`` (Asia/Tehran, ``kit.clock.today_tehran()``): it is valid
    through its expiry date."""
    return assignment.card_expires_on is not None and assignment.card_expires_on >= on


async def party_or_404(session: AsyncSession, party_id: uuid.UUID) -> Party:
    party = await accounts_repository.party(session, party_id)
    if party is None:
        raise PartyNotFound(f"No party {party_id}.")
    return party


def _check_card(data: MerchantRoleCreate, today: date) -> None:
    card = data.commercial_card
    if card.issued_on > today:
        raise CommercialCardDatesInvalid(
            "The card's issue date is in the future.", pointer="#/body/commercial_card/issued_on"
        )
    if card.expires_on <= card.issued_on:
        raise CommercialCardDatesInvalid(
            "The card must expire after its issue date.", pointer="#/body/commercial_card/expires_on"
        )
    if card.expires_on < today:
        raise CommercialCardAlreadyExpired(
            f"The card expired on {card.expires_on.isoformat()}; a merchant needs a valid card.",
            pointer="#/body/commercial_card/expires_on",
        )


async def assign_role(session: AsyncSession, party: Party, data: RoleCreate, actor: str) -> RoleAssignment:
    """Give ``party`` the role in ``data``: one live assignment per party and role.
    A merchant's card must be valid today (Asia/Tehran); officers are natural persons;
    a legal person must be verified against the companies registry. The party's state
    (409) is checked before the request's content (422), as everywhere."""
    if party.kind == "legal" and party.status != "active":
        raise LegalPersonNotVerified(
            "This legal person is not verified against the companies registry: it cannot be given roles."
        )
    if await live_role(session, party.id, data.role) is not None:
        raise RoleAlreadyAssigned(f"The party already holds the {data.role} role; revoke it first.")
    assignment = RoleAssignment(party_id=party.id, role=data.role, assigned_by=actor)
    if isinstance(data, MerchantRoleCreate):
        _check_card(data, today_tehran())
        assignment.commercial_card_number = data.commercial_card.number
        assignment.card_issued_on = data.commercial_card.issued_on
        assignment.card_expires_on = data.commercial_card.expires_on
    if isinstance(data, OfficerRoleCreate):
        if party.kind != "natural":
            raise RoleNotForPartyKind("Officers are natural persons.", pointer="#/body/role")
        assignment.office_kind = data.office.kind
        assignment.office_code = data.office.code
        assignment.office_name = data.office.name
    try:
        async with session.begin_nested():
            session.add(assignment)
            await session.flush()
    except IntegrityError:  # a concurrent assignment won the unique live index
        raise RoleAlreadyAssigned(f"The party already holds the {data.role} role; revoke it first.") from None
    await session.refresh(assignment)
    audit.record(
        session,
        actor=actor,
        action="role.assigned",
        object_type="party",
        object_id=party.id,
        details={"role": data.role, "assignment_id": str(assignment.id)},
    )
    return assignment


async def revoke_role(session: AsyncSession, party: Party, role: str, actor: str) -> RoleAssignment:
    """End the party's live assignment of ``role`` (404 when there is none)."""
    assignment = await live_role(session, party.id, role)
    if assignment is None:
        raise RoleNotAssigned(f"The party holds no live {role} role.")
    assignment.revoked_at = now_utc()
    audit.record(
        session,
        actor=actor,
        action="role.revoked",
        object_type="party",
        object_id=party.id,
        details={"role": role, "assignment_id": str(assignment.id)},
    )
    await session.flush()
    return assignment
