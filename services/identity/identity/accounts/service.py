"""Accounts: registration of natural persons, legal persons and their managers, the
profile, and change of mobile. Flushes, never commits.

A natural person's registration is an attempt of its own (``registration_attempts``)
until its code confirms it; a legal person and its managers are what the companies
registry says (``identity.adapters.company_registry``).

Every paid step is behind the SMS sending limits (identity.codes): they are
checked before the mobile-ownership inquiry, which is paid as well.
"""

from __future__ import annotations

import uuid

from identity_client.accounts import (
    LegalPerson,
    LegalPersonCreate,
    Manager,
    Me,
    MobileChange,
    Registration,
    RegistrationCreate,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit, codes, passwords
from identity.accounts import repository
from identity.accounts.exceptions import (
    AlreadyManager,
    LegalPersonNotActiveInRegistry,
    LegalPersonNotFound,
    LegalPersonNotInRegistry,
    LegalPersonNotVerified,
    ManagerNotRegistered,
    MobileChangeNotFound,
    MobileNotOwned,
    MobileUnchanged,
    NationalCodeRegistered,
    NotARegistryManager,
    RegistrationNotFound,
    RegistrationSuperseded,
)
from identity.accounts.models import Account, Party, RegistrationAttempt
from identity.accounts.views import legal_person_out
from identity.adapters.company_registry import CompanyRecord
from identity.context import Context
from identity.exceptions import CodeNotFound
from identity.login import repository as login_repository
from identity.models import VerificationCode
from identity.roles.models import RoleAssignment
from identity.roles.repository import live_roles
from identity.roles.views import role_out
from identity.subjects import NATURAL_PREFIX, subject_of
from kit.clock import now_utc, today_tehran
from kit.errors import field_error
from panjereh_contract.identifiers import mask_mobile

REGISTER = "register"
MOBILE_CHANGE = "mobile-change"
MOBILE_CHANGED_NOTICE = "mobile-changed-notice"


def _registration(attempt: RegistrationAttempt, code_expires_at: object = None) -> Registration:
    confirmed = attempt.status == "confirmed" and attempt.party_id is not None
    return Registration.model_validate(
        {
            "id": attempt.id,
            "status": "active" if confirmed else "pending",
            "mobile": mask_mobile(attempt.mobile),
            "code_expires_at": code_expires_at,
            "subject": f"{NATURAL_PREFIX}{attempt.party_id}" if confirmed else None,
        }
    )


def _national_code_registered() -> NationalCodeRegistered:
    return NationalCodeRegistered(
        "An account with this national code already exists: log in instead.",
        errors=[field_error("#/body/national_code", "already registered", "national_code_registered")],
    )


# --- Registration of a natural person ----------------------------------------------------------


async def register(ctx: Context, data: RegistrationCreate) -> Registration:
    """A registration attempt of its own (details, password hash) and a code sent to the
    mobile for it. Another pending attempt of the same national code is left untouched:
    each attempt is confirmed only with its own code, and the first confirmed wins."""
    passwords.check(data.password, national_code=data.national_code, mobile=data.mobile)
    if await repository.party_by_national_code(ctx.session, data.national_code) is not None:
        raise _national_code_registered()
    await codes.enforce_sending_limits(ctx, mobile=data.mobile, purpose=REGISTER)
    if not await ctx.state.ownership.owns(ctx.session, national_code=data.national_code, mobile=data.mobile):
        raise MobileNotOwned(
            "The mobile-ownership inquiry (Shahkar) says this number is not registered to this national "
            "code. Use a number registered in your own name."
        )
    requester = ctx.requester
    attempt = RegistrationAttempt(
        id=uuid.uuid4(),
        national_code=data.national_code,
        mobile=data.mobile,
        first_name=data.first_name,
        last_name=data.last_name,
        postal_code=data.postal_code,
        password_hash=await passwords.hash_password(data.password),
        requester=requester,
        status="pending",
        created_at=now_utc(),
    )
    ctx.session.add(attempt)
    await ctx.session.flush()
    code = await _send_code(ctx, attempt)
    audit.record(
        ctx.session,
        actor=requester,
        action="registration.started",
        object_type="registration",
        object_id=attempt.id,
        details={"mobile": mask_mobile(data.mobile)},
    )
    return _registration(attempt, code.expires_at)


async def _send_code(ctx: Context, attempt: RegistrationAttempt) -> VerificationCode:
    return await codes.issue(
        ctx,
        purpose=REGISTER,
        mobile=attempt.mobile,
        registration_id=attempt.id,
        message="Panjereh registration code: {code}",
    )


def _not_pending(registration_id: uuid.UUID) -> RegistrationNotFound:
    return RegistrationNotFound(f"No pending registration {registration_id}; it may be confirmed already.")


async def resend_registration_code(ctx: Context, registration_id: uuid.UUID) -> Registration:
    """A new code to the attempt's mobile; its earlier codes stop working."""
    attempt = await repository.registration_attempt(ctx.session, registration_id, lock=True)
    if attempt is None or attempt.status != "pending":
        raise _not_pending(registration_id)
    code = await _send_code(ctx, attempt)
    return _registration(attempt, code.expires_at)


async def confirm_registration(ctx: Context, registration_id: uuid.UUID, code: str) -> Registration:
    """The attempt's newest code is right: a party and account are made from this attempt's
    data only, with the base natural role, and the other pending attempts of the national
    code end. Two confirmations at once make exactly one account: the national code's lock
    is taken before the attempt's row, and the loser finds the party made."""
    found = await repository.registration_attempt(ctx.session, registration_id)
    if found is None:
        raise _not_pending(registration_id)
    await repository.lock_identifier(ctx.session, "national-code:" + found.national_code)
    attempt = await repository.registration_attempt(ctx.session, registration_id, lock=True)
    if attempt is None or attempt.status != "pending":
        raise _not_pending(registration_id)
    sent = await codes.latest_of_registration(ctx.session, attempt.id)
    if sent is None:
        raise CodeNotFound("No code was sent for this registration; ask for one.")
    await codes.check(ctx, code_id=sent.id, purpose=REGISTER, code=code)
    if await repository.party_by_national_code(ctx.session, attempt.national_code) is not None:
        raise RegistrationSuperseded("This national code was registered meanwhile: log in instead.")
    now = now_utc()
    party = Party(
        id=uuid.uuid4(),
        kind="natural",
        national_code=attempt.national_code,
        first_name=attempt.first_name,
        last_name=attempt.last_name,
        mobile=attempt.mobile,
        postal_code=attempt.postal_code,
        status="active",
        created_at=now,
    )
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(party)
            await ctx.session.flush()
    except IntegrityError:  # made by another path meanwhile: the unique national code holds
        raise RegistrationSuperseded("This national code was registered meanwhile: log in instead.") from None
    ctx.session.add(Account(party_id=party.id, password_hash=attempt.password_hash, password_changed_at=now))
    ctx.session.add(
        RoleAssignment(party_id=party.id, role="base-natural", assigned_by=subject_of(party), created_at=now)
    )
    # A decided attempt keeps no password hash: the account's is the only one.
    attempt.status, attempt.party_id, attempt.decided_at, attempt.password_hash = (
        "confirmed",
        party.id,
        now,
        "",
    )
    superseded = await repository.supersede_attempts(
        ctx.session, national_code=attempt.national_code, confirmed_id=attempt.id, at=now
    )
    audit.record(
        ctx.session,
        actor=subject_of(party),
        action="registration.confirmed",
        object_type="party",
        object_id=party.id,
        details={
            "registration_id": str(attempt.id),
            "mobile": mask_mobile(attempt.mobile),
            "roles": ["base-natural"],
            "superseded": [str(i) for i in superseded],
        },
    )
    await ctx.session.flush()
    return _registration(attempt)


# --- Profile and change of mobile ------------------------------------------------------------------


async def me(session: AsyncSession, user: Party) -> Me:
    account = await login_repository.account(session, user.id)
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


async def start_mobile_change(ctx: Context, user: Party, mobile: str) -> MobileChange:
    """The new number must be registered to the user's national code; a code goes to it."""
    assert user.national_code is not None
    if mobile == user.mobile:
        raise MobileUnchanged("This is already your mobile number.")
    await codes.enforce_sending_limits(ctx, mobile=mobile, purpose=MOBILE_CHANGE)
    if not await ctx.state.ownership.owns(ctx.session, national_code=user.national_code, mobile=mobile):
        raise MobileNotOwned(
            "The mobile-ownership inquiry (Shahkar) says this number is not registered to your national code."
        )
    code = await codes.issue(
        ctx,
        purpose=MOBILE_CHANGE,
        mobile=mobile,
        party_id=user.id,
        data={"mobile": mobile},
        message="Panjereh code to make this your mobile number: {code}",
    )
    audit.record(
        ctx.session,
        actor=subject_of(user),
        action="mobile-change.requested",
        object_type="party",
        object_id=user.id,
        details={"to": mask_mobile(mobile)},
    )
    return MobileChange(id=code.id, mobile=mask_mobile(mobile), expires_at=code.expires_at)


async def confirm_mobile_change(ctx: Context, user: Party, change_id: uuid.UUID, code: str) -> Me:
    """The code sent to the new number is right: it becomes the account's mobile, and the
    old number is told."""
    sent = await repository.code_of_party(
        ctx.session, code_id=change_id, party_id=user.id, purpose=MOBILE_CHANGE
    )
    if sent is None:
        raise MobileChangeNotFound(f"No change of mobile {change_id} for your account.")
    await codes.check(ctx, code_id=sent.id, purpose=MOBILE_CHANGE, code=code)
    old, new = user.mobile, str(sent.data["mobile"])
    user.mobile = new
    audit.record(
        ctx.session,
        actor=subject_of(user),
        action="mobile.changed",
        object_type="party",
        object_id=user.id,
        details={"from": mask_mobile(old) if old else None, "to": mask_mobile(new)},
    )
    if old and old != new:
        await ctx.state.sms.send(
            ctx.session,
            mobile=old,
            body=f"Your Panjereh mobile number was changed to {mask_mobile(new)}. "
            "If you did not do this, contact Panjereh support.",
            purpose=MOBILE_CHANGED_NOTICE,
        )
    await ctx.session.flush()
    return await me(ctx.session, user)


# --- Legal persons ----------------------------------------------------------------------------------


async def _registry_record(ctx: Context, national_id: str) -> CompanyRecord:
    """The companies registry's record of an active legal person with ``national_id``."""
    record = await ctx.state.company_registry.lookup(ctx.session, national_id)
    if record is None:
        raise LegalPersonNotInRegistry("The companies registry has no legal person with this national ID.")
    if not record.active:
        raise LegalPersonNotActiveInRegistry(
            f"The companies registry says this legal person is {record.status}, not active."
        )
    return record


async def create_legal_person(ctx: Context, user: Party, data: LegalPersonCreate) -> tuple[LegalPerson, bool]:
    """Register (or verify, or join) the legal person with this national ID as one of the
    managers the companies registry names; answers it and whether it was created.

    Only the registry decides: a caller it does not name is refused and changes
    nothing, so nobody can squat a national ID. Name and registration number come
    from the registry. An existing legal person is verified again: it becomes active
    if it was pending, and managers the registry no longer names are removed.
    """
    assert user.national_code is not None
    record = await _registry_record(ctx, data.national_id)
    if user.national_code not in record.manager_national_codes:
        raise NotARegistryManager(
            "The companies registry does not name you among this legal person's managers.",
            pointer="#/body/national_id",
        )
    await repository.lock_identifier(ctx.session, "national-id:" + data.national_id)
    party = await repository.party_by_national_id_for_update(ctx.session, data.national_id)
    now = now_utc()
    actor = subject_of(user)
    created = party is None
    if party is None:
        party = Party(
            id=uuid.uuid4(), kind="legal", national_id=data.national_id, status="pending", created_at=now
        )
        ctx.session.add(party)
        await ctx.session.flush()
        ctx.session.add(
            RoleAssignment(party_id=party.id, role="base-legal", assigned_by=actor, created_at=now)
        )
    was_pending = party.status == "pending"
    party.name = record.name
    party.registration_number = record.registration_number
    party.verified_at = now
    if was_pending:
        party.status = "active"
    for person in await repository.remove_managers_except(
        ctx.session, legal_id=party.id, national_codes=record.manager_national_codes
    ):
        audit.record(
            ctx.session,
            actor=actor,
            action="legal-manager.removed",
            object_type="party",
            object_id=party.id,
            details={"manager": subject_of(person), "reason": "not a manager in the companies registry"},
        )
    joined = await repository.add_manager(
        ctx.session, legal_id=party.id, manager_id=user.id, added_by=actor, at=now
    )
    details = {"national_id": data.national_id, "registration_number": record.registration_number}
    if created:
        audit.record(
            ctx.session,
            actor=actor,
            action="legal-person.registered",
            object_type="party",
            object_id=party.id,
            details={**details, "managers": [actor], "roles": ["base-legal"]},
        )
    else:
        audit.record(
            ctx.session,
            actor=actor,
            action="legal-person.verified",
            object_type="party",
            object_id=party.id,
            details={**details, "was": "pending" if was_pending else party.status, "joined": joined},
        )
    await ctx.session.flush()
    return await legal_person_out(ctx.session, party), created


async def managed_or_404(session: AsyncSession, user: Party, legal_id: uuid.UUID) -> Party:
    """The legal person when ``user`` manages it; anyone else learns nothing (404)."""
    party = await repository.managed_legal_person(session, legal_id=legal_id, manager_id=user.id)
    if party is None:
        raise LegalPersonNotFound(f"No legal person {legal_id} among those you manage.")
    return party


async def add_manager(ctx: Context, user: Party, legal_id: uuid.UUID, national_code: str) -> Manager:
    """A registered, active natural person whom the companies registry names among the
    legal person's managers becomes a manager too (the legal person must be verified)."""
    legal = await managed_or_404(ctx.session, user, legal_id)
    if legal.status != "active":
        raise LegalPersonNotVerified(
            "This legal person is not verified against the companies registry; register its national ID "
            "(POST /v1/legal-persons) as a manager the registry names to verify it."
        )
    person = await repository.party_by_national_code(ctx.session, national_code)
    if person is None or person.status != "active":
        raise ManagerNotRegistered(
            "No active Panjereh account has this national code; they must register first."
        )
    if (
        await repository.managed_legal_person(ctx.session, legal_id=legal.id, manager_id=person.id)
        is not None
    ):
        raise AlreadyManager("This person already manages the legal person.")
    assert legal.national_id is not None
    record = await _registry_record(ctx, legal.national_id)
    if national_code not in record.manager_national_codes:
        raise NotARegistryManager(
            "The companies registry does not name this person among the legal person's managers.",
            pointer="#/body/national_code",
        )
    now = now_utc()
    actor = subject_of(user)
    if not await repository.add_manager(  # a concurrent request added them meanwhile
        ctx.session, legal_id=legal.id, manager_id=person.id, added_by=actor, at=now
    ):
        raise AlreadyManager("This person already manages the legal person.")
    audit.record(
        ctx.session,
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
