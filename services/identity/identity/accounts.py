"""Accounts: registration of natural persons, legal persons and their managers, the
profile, and change of mobile. Flushes, never commits.

Every paid step is behind the SMS sending limits (identity.codes): they are
checked before the mobile-ownership inquiry, which is paid as well.
"""

from __future__ import annotations

import uuid

from fastapi import Request
from identity_client.accounts import (
    LegalPerson,
    LegalPersonCreate,
    LegalPersonSummary,
    Manager,
    Me,
    MobileChange,
    Registration,
    RegistrationCreate,
)
from sqlalchemy.ext.asyncio import AsyncSession

from identity import accounts_repository as repository
from identity import audit, codes, passwords
from identity.exceptions import (
    AlreadyManager,
    CodeNotFound,
    LegalPersonExists,
    LegalPersonNotFound,
    ManagerNotRegistered,
    MobileChangeNotFound,
    MobileNotOwned,
    MobileUnchanged,
    NationalCodeRegistered,
    RegistrationNotFound,
)
from identity.models import Account, LegalManager, Party, RoleAssignment
from identity.roles import live_roles
from identity.roles_service import role_out
from identity.subjects import subject_of
from kit.clock import now_utc, today_tehran
from kit.identifiers import mask_mobile

REGISTER = "register"
MOBILE_CHANGE = "mobile-change"
MOBILE_CHANGED_NOTICE = "mobile-changed-notice"


def _registration(party: Party, code_expires_at: object = None) -> Registration:
    assert party.mobile is not None
    return Registration.model_validate(
        {
            "id": party.id,
            "status": party.status,
            "mobile": mask_mobile(party.mobile),
            "code_expires_at": code_expires_at,
            "subject": subject_of(party) if party.status == "active" else None,
        }
    )


# --- Registration of a natural person ----------------------------------------------------------


async def register(request: Request, session: AsyncSession, data: RegistrationCreate) -> Registration:
    """A pending person and account, and a code sent to the mobile; a pending registration
    of the same national code is replaced (new details, new code)."""
    passwords.check(data.password, national_code=data.national_code, mobile=data.mobile)
    await repository.lock_identifier(session, "national-code:" + data.national_code)
    party = await repository.party_by_national_code(session, data.national_code)
    if party is not None and party.status != "pending":
        raise NationalCodeRegistered(
            "An account with this national code already exists: log in instead.",
            errors=[
                {
                    "pointer": "#/body/national_code",
                    "detail": "already registered",
                    "type": "national_code_registered",
                }
            ],
        )
    await codes.enforce_sending_limits(request, session, mobile=data.mobile, purpose=REGISTER)
    if not await request.app.state.ownership.owns(
        session, national_code=data.national_code, mobile=data.mobile
    ):
        raise MobileNotOwned(
            "The mobile-ownership inquiry (Shahkar) says this number is not registered to this national "
            "code. Use a number registered in your own name."
        )
    password_hash = await passwords.hash_password(data.password)
    now = now_utc()
    replaced = party is not None
    if party is None:
        party = Party(
            id=uuid.uuid4(),
            kind="natural",
            national_code=data.national_code,
            status="pending",
            created_at=now,
        )
        session.add(party)
        await session.flush()
        session.add(Account(party_id=party.id, password_hash=password_hash, password_changed_at=now))
    else:
        account = await session.get(Account, party.id)
        assert account is not None  # a pending party is made with its account
        account.password_hash = password_hash
        account.password_changed_at = now
    party.first_name = data.first_name
    party.last_name = data.last_name
    party.mobile = data.mobile
    party.postal_code = data.postal_code
    code = await codes.issue(
        request,
        session,
        purpose=REGISTER,
        mobile=data.mobile,
        party_id=party.id,
        message="Panjereh registration code: {code}",
    )
    audit.record(
        session,
        actor=subject_of(party),
        action="registration.replaced" if replaced else "registration.started",
        object_type="party",
        object_id=party.id,
        details={"mobile": mask_mobile(data.mobile)},
    )
    return _registration(party, code.expires_at)


async def _pending(session: AsyncSession, registration_id: uuid.UUID) -> Party:
    party = await repository.pending_natural_party(session, registration_id)
    if party is None:
        raise RegistrationNotFound(f"No pending registration {registration_id}; it may be confirmed already.")
    return party


async def resend_registration_code(
    request: Request, session: AsyncSession, registration_id: uuid.UUID
) -> Registration:
    """A new code to the registration's mobile; earlier codes stop working."""
    party = await _pending(session, registration_id)
    assert party.mobile is not None
    code = await codes.issue(
        request,
        session,
        purpose=REGISTER,
        mobile=party.mobile,
        party_id=party.id,
        message="Panjereh registration code: {code}",
    )
    return _registration(party, code.expires_at)


async def confirm_registration(
    request: Request, session: AsyncSession, registration_id: uuid.UUID, code: str
) -> Registration:
    """The latest code is right: the person is active, with the base natural role."""
    party = await _pending(session, registration_id)
    assert party.mobile is not None
    sent = await codes.latest(session, party_id=party.id, mobile=party.mobile, purpose=REGISTER)
    if sent is None:
        raise CodeNotFound("No code was sent for this registration; ask for one.")
    await codes.check(request, session, code_id=sent.id, purpose=REGISTER, code=code)
    party.status = "active"
    session.add(
        RoleAssignment(
            party_id=party.id, role="base-natural", assigned_by=subject_of(party), created_at=now_utc()
        )
    )
    audit.record(
        session,
        actor=subject_of(party),
        action="registration.confirmed",
        object_type="party",
        object_id=party.id,
        details={"mobile": mask_mobile(party.mobile), "roles": ["base-natural"]},
    )
    await session.flush()
    return _registration(party)


# --- Profile and change of mobile ------------------------------------------------------------------


async def me(session: AsyncSession, user: Party) -> Me:
    account = await session.get(Account, user.id)
    today = today_tehran()
    return Me.model_validate(
        {
            "id": user.id,
            "subject": subject_of(user),
            "kind": user.kind,
            "national_code": user.national_code,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "mobile": mask_mobile(user.mobile) if user.mobile else None,
            "postal_code": user.postal_code,
            "status": user.status,
            "roles": [role_out(a, user, today) for a in await live_roles(session, user.id)],
            "two_factor": account.two_factor if account is not None else "none",
            "created_at": user.created_at,
        }
    )


async def start_mobile_change(
    request: Request, session: AsyncSession, user: Party, mobile: str
) -> MobileChange:
    """The new number must be registered to the user's national code; a code goes to it."""
    assert user.national_code is not None
    if mobile == user.mobile:
        raise MobileUnchanged("This is already your mobile number.")
    await codes.enforce_sending_limits(request, session, mobile=mobile, purpose=MOBILE_CHANGE)
    if not await request.app.state.ownership.owns(session, national_code=user.national_code, mobile=mobile):
        raise MobileNotOwned(
            "The mobile-ownership inquiry (Shahkar) says this number is not registered to your national code."
        )
    code = await codes.issue(
        request,
        session,
        purpose=MOBILE_CHANGE,
        mobile=mobile,
        party_id=user.id,
        data={"mobile": mobile},
        message="Panjereh code to make this your mobile number: {code}",
    )
    audit.record(
        session,
        actor=subject_of(user),
        action="mobile-change.requested",
        object_type="party",
        object_id=user.id,
        details={"to": mask_mobile(mobile)},
    )
    return MobileChange(id=code.id, mobile=mask_mobile(mobile), expires_at=code.expires_at)


async def confirm_mobile_change(
    request: Request, session: AsyncSession, user: Party, change_id: uuid.UUID, code: str
) -> Me:
    """The code sent to the new number is right: it becomes the account's mobile, and the
    old number is told."""
    sent = await repository.code_of_party(session, code_id=change_id, party_id=user.id, purpose=MOBILE_CHANGE)
    if sent is None:
        raise MobileChangeNotFound(f"No change of mobile {change_id} for your account.")
    await codes.check(request, session, code_id=sent.id, purpose=MOBILE_CHANGE, code=code)
    old, new = user.mobile, str(sent.data["mobile"])
    user.mobile = new
    audit.record(
        session,
        actor=subject_of(user),
        action="mobile.changed",
        object_type="party",
        object_id=user.id,
        details={"from": mask_mobile(old) if old else None, "to": mask_mobile(new)},
    )
    if old and old != new:
        await request.app.state.sms.send(
            session,
            mobile=old,
            body=f"Your Panjereh mobile number was changed to {mask_mobile(new)}. "
            "If you did not do this, contact Panjereh support.",
            purpose=MOBILE_CHANGED_NOTICE,
        )
    await session.flush()
    return await me(session, user)


# --- Legal persons ----------------------------------------------------------------------------------


def legal_summary(party: Party) -> LegalPersonSummary:
    return LegalPersonSummary.model_validate(
        {
            "id": party.id,
            "subject": subject_of(party),
            "national_id": party.national_id,
            "name": party.name,
            "status": party.status,
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


async def create_legal_person(session: AsyncSession, user: Party, data: LegalPersonCreate) -> LegalPerson:
    """An active legal person managed by ``user``, with the base legal role."""
    await repository.lock_identifier(session, "national-id:" + data.national_id)
    if await repository.party_by_national_id(session, data.national_id) is not None:
        raise LegalPersonExists(
            "A legal person with this national ID is already registered; ask one of its managers to add you.",
            errors=[
                {
                    "pointer": "#/body/national_id",
                    "detail": "already registered",
                    "type": "national_id_registered",
                }
            ],
        )
    now = now_utc()
    actor = subject_of(user)
    party = Party(
        id=uuid.uuid4(),
        kind="legal",
        national_id=data.national_id,
        name=data.name,
        status="active",
        created_at=now,
    )
    session.add(party)
    await session.flush()
    session.add(LegalManager(legal_id=party.id, manager_id=user.id, added_by=actor, created_at=now))
    session.add(RoleAssignment(party_id=party.id, role="base-legal", assigned_by=actor, created_at=now))
    audit.record(
        session,
        actor=actor,
        action="legal-person.registered",
        object_type="party",
        object_id=party.id,
        details={"national_id": data.national_id, "managers": [actor], "roles": ["base-legal"]},
    )
    await session.flush()
    return await legal_person_out(session, party)


async def managed_or_404(session: AsyncSession, user: Party, legal_id: uuid.UUID) -> Party:
    """The legal person when ``user`` manages it; anyone else learns nothing (404)."""
    party = await repository.managed_legal_person(session, legal_id=legal_id, manager_id=user.id)
    if party is None:
        raise LegalPersonNotFound(f"No legal person {legal_id} among those you manage.")
    return party


async def add_manager(session: AsyncSession, user: Party, legal_id: uuid.UUID, national_code: str) -> Manager:
    """A registered, active natural person becomes a manager too."""
    legal = await managed_or_404(session, user, legal_id)
    person = await repository.party_by_national_code(session, national_code)
    if person is None or person.status != "active":
        raise ManagerNotRegistered(
            "No active Panjereh account has this national code; they must register first."
        )
    now = now_utc()
    actor = subject_of(user)
    if not await repository.add_manager(
        session, legal_id=legal.id, manager_id=person.id, added_by=actor, at=now
    ):
        raise AlreadyManager("This person already manages the legal person.")
    audit.record(
        session,
        actor=actor,
        action="legal-manager.added",
        object_type="party",
        object_id=legal.id,
        details={"manager": subject_of(person)},
    )
    return Manager(
        id=person.id,
        subject=subject_of(person),
        first_name=person.first_name,
        last_name=person.last_name,
        added_by=actor,
        added_at=now,
    )
