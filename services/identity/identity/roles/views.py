"""What the API answers for a role assignment."""

from __future__ import annotations

from datetime import date

from identity_client.roles import (
    CommercialCardOut,
    OfficeOut,
    RoleOut,
)

from identity.accounts.models import Party
from identity.roles.models import RoleAssignment
from identity.roles.service import merchant_card_valid
from identity.subjects import subject_of


def role_out(assignment: RoleAssignment, party: Party, today: date) -> RoleOut:
    card = None
    if assignment.commercial_card_number is not None and assignment.card_expires_on is not None:
        card = CommercialCardOut(
            number=assignment.commercial_card_number,
            issued_on=assignment.card_issued_on,
            expires_on=assignment.card_expires_on,
            valid=merchant_card_valid(assignment, today),
        )
    office = None
    if assignment.office_code is not None:
        office = OfficeOut(
            kind=assignment.office_kind,  # type: ignore[arg-type]
            code=assignment.office_code,
            name=assignment.office_name or "",
        )
    return RoleOut(
        id=assignment.id,
        party_id=assignment.party_id,
        subject=subject_of(party),
        role=assignment.role,  # type: ignore[arg-type]
        commercial_card=card,
        office=office,
        assigned_by=assignment.assigned_by,
        created_at=assignment.created_at,
        revoked_at=assignment.revoked_at,
    )
