"""Representation: granting, answering, revoking, and who may act for whom. Flushes, never commits.

The stored ``state`` is what was decided (pending, accepted, rejected,
revoked); the ``status`` answered is computed from it and the dates, in
Asia/Tehran (``status_of``). A user acts on a grant for themselves or as a
manager of a legal person (the grant's grantor or representative); the
history records the user as ``actor`` and the legal person as
``on_behalf_of``.

Events in identity's outbox, in the same transaction as the change (each the grantor's, with
the representative in its data, ``panjereh_contract.event_types``):
``representation.granted`` (a pending grant awaits the representative's answer),
``representation.accepted`` (services may learn of a new representative),
``representation.rejected``, ``representation.revoked`` (services drop what they cached of
the grant) and ``representation.expired``, written by a periodic task (``expire_due``) once
for each accepted grant whose ``ends_on`` has passed (the status computed from the dates
needs no event; subscribers do).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from identity_client.representations import (
    MERCHANT_SCOPES,
    TRADER_SECTIONS,
    GrantorRole,
    RepresentationCreate,
    RepresentationScope,
    RepresentationStatus,
)
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit
from identity.accounts.models import Party
from identity.exceptions import InvalidGrant
from identity.models import outbox_events, signature_jtis
from identity.representations import repository as repo
from identity.representations.exceptions import (
    GrantorNotVerified,
    GrantorRoleNotHeld,
    MerchantCardExpired,
    NotALegalManager,
    NotTheGrantor,
    NotTheRepresentative,
    RepresentationEndsBeforeStart,
    RepresentationNotFound,
    RepresentationNotPending,
    RepresentationNotRevocable,
    RepresentationOutlivesCard,
    RepresentationScopesNotAllowed,
    RepresentationStartsInThePast,
    RepresentationTooLong,
    RepresentativeNotRegistered,
    SelfRepresentation,
)
from identity.representations.models import Representation, RepresentationEvent
from identity.roles.models import RoleAssignment
from identity.roles.repository import live_role
from identity.roles.service import merchant_card_valid
from identity.signature_keys.service import verify_party_signature
from identity.subjects import party_id_of, subject_of
from kit.clock import now_utc, today_tehran
from kit.errors import field_pointer
from kit.outbox import publish
from kit.request_context import current_request_id
from kit.signatures import Act, remember_jti

# A sanity bound on ``ends_on`` (the seed sets none; far dates have no Jalali form).
MAX_YEARS_AHEAD = 100


def status_of(grant: Representation, today: date) -> RepresentationStatus:
    """The grant's status on ``today`` (SQL twin: ``representation_repository.status_condition``)."""
    if grant.state == "rejected":
        return RepresentationStatus.REJECTED
    if grant.state == "revoked":
        return RepresentationStatus.REVOKED
    if grant.ends_on < today:
        return RepresentationStatus.EXPIRED
    if grant.state == "pending":
        return RepresentationStatus.PENDING
    if grant.starts_on > today:
        return RepresentationStatus.SCHEDULED
    return RepresentationStatus.ACTIVE


async def _valid_grantor_role(
    session: AsyncSession, grantor: Party, role: GrantorRole, today: date
) -> RoleAssignment:
    """The grantor's assignment of ``role``; refused when not held (or a merchant's card expired)."""
    assignment = await live_role(session, grantor.id, role.value)
    if assignment is None:
        raise GrantorRoleNotHeld(f"The grantor does not hold the role {role.value!r}.")
    if role is GrantorRole.MERCHANT and not merchant_card_valid(assignment, today):
        raise MerchantCardExpired(
            f"The commercial card expired on {assignment.card_expires_on}; renew it before granting."
        )
    return assignment


def _check_scopes(role: GrantorRole, scopes: list[RepresentationScope]) -> list[str]:
    """The scopes a ``role`` grant may carry, in the order given; refused otherwise."""
    seen: set[RepresentationScope] = set()
    for index, scope in enumerate(scopes):
        if scope in seen:
            raise RepresentationScopesNotAllowed(
                f"{scope.value!r} is given twice.", pointer=field_pointer("body", "scopes", index)
            )
        seen.add(scope)
    if role is GrantorRole.MERCHANT:
        allowed: tuple[RepresentationScope, ...] = MERCHANT_SCOPES
        rule = "a merchant grant covers " + ", ".join(s.value for s in MERCHANT_SCOPES)
    elif role is GrantorRole.TRADER:
        allowed = (RepresentationScope.FULL, *TRADER_SECTIONS)
        rule = "a trader grant is ['full'] or a list of the sections " + ", ".join(
            s.value for s in TRADER_SECTIONS
        )
        if RepresentationScope.FULL in seen and len(scopes) > 1:
            raise RepresentationScopesNotAllowed(f"'full' stands alone: {rule}.")
    else:
        allowed = (RepresentationScope.BASE,)
        rule = "a base-role grant is ['base']"
    for index, scope in enumerate(scopes):
        if scope not in allowed:
            raise RepresentationScopesNotAllowed(
                f"{scope.value!r} cannot be granted in the role {role.value!r}: {rule}.",
                pointer=field_pointer("body", "scopes", index),
            )
    return [s.value for s in scopes]


async def _representative(session: AsyncSession, data: RepresentationCreate) -> Party:
    ref = data.representative
    national_code, national_id = ref.national_code, ref.national_id
    party = await repo.active_party_by_identifier(
        session, national_code=national_code, national_id=national_id
    )
    if party is None:
        field = "national_code" if national_code is not None else "national_id"
        raise RepresentativeNotRegistered(
            f"No registered, active person has this {field.replace('_', ' ')}.",
            pointer=field_pointer("body", "representative", field),
        )
    return party


async def grant(
    session: AsyncSession,
    user: Party,
    data: RepresentationCreate,
    raw_body: bytes,
    signature: str | None,
    act: Act,
) -> Representation:
    """Create a pending grant signed by ``user`` (for themselves or a legal person they manage).

    Checked, each refusal naming its field: the signature over the exact body
    and ``act`` (the user's active keys), its one-time ID used up in this
    transaction (so a refused grant does not use it up); the legal person is the user's; the grantor holds
    the role (a merchant's card valid today); the scopes fit the role; the
    representative is registered, active and not the grantor; ``starts_on`` ≥
    today (Asia/Tehran); ``ends_on`` ≥ ``starts_on``; a merchant grant ends
    before the card expires; it ends within ``MAX_YEARS_AHEAD`` years.
    """
    claims = await verify_party_signature(session, user.id, signature, raw_body, act)
    await remember_jti(session, signature_jtis, subject_of(user), claims)
    kid = claims.kid
    grantor = user
    if data.legal_person_id is not None:
        legal = (await repo.parties(session, [data.legal_person_id])).get(data.legal_person_id)
        if legal is None or legal.kind != "legal" or not await repo.manages(session, user.id, legal.id):
            raise NotALegalManager("This is not a legal person you manage.")
        if legal.status != "active":
            raise GrantorNotVerified(
                "This legal person is not verified against the companies registry: it cannot grant."
            )
        grantor = legal
    today = today_tehran()
    assignment = await _valid_grantor_role(session, grantor, data.grantor_role, today)
    scopes = _check_scopes(data.grantor_role, data.scopes)
    representative = await _representative(session, data)
    if representative.id == grantor.id:
        raise SelfRepresentation("The representative must be someone other than the grantor.")
    if data.starts_on < today:
        raise RepresentationStartsInThePast(f"The start date must be today ({today}) or later.")
    if data.ends_on < data.starts_on:
        raise RepresentationEndsBeforeStart("The end date must be on or after the start date.")
    if data.ends_on.year > today.year + MAX_YEARS_AHEAD:
        raise RepresentationTooLong(f"A grant ends at most {MAX_YEARS_AHEAD} years from now.")
    if data.grantor_role is GrantorRole.MERCHANT:
        assert assignment.card_expires_on is not None
        if data.ends_on >= assignment.card_expires_on:
            raise RepresentationOutlivesCard(
                f"The commercial card expires on {assignment.card_expires_on}: end the grant before then."
            )

    created = Representation(
        id=uuid.uuid4(),
        grantor_id=grantor.id,
        grantor_role=data.grantor_role.value,
        representative_id=representative.id,
        scopes=scopes,
        access_level=data.access_level.value,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        state="pending",
        signature=signature or "",
        signature_kid=kid,
        signed_body=raw_body,
        created_by=subject_of(user),
    )
    repo.add(session, created)
    await session.flush()
    await session.refresh(created)
    _record(session, created, user, grantor, "granted", None, {"kid": kid})
    parties = {grantor.id: grantor, representative.id: representative}
    await _publish(session, "representation.granted", created, parties, created.created_at.isoformat())
    return created


async def _sides(session: AsyncSession, user: Party, grant: Representation) -> tuple[bool, bool]:
    """Whether ``user`` is the grantor, and whether the representative, of ``grant``
    (themselves or as a manager of the legal person on that side)."""

    async def is_party(party_id: uuid.UUID) -> bool:
        return party_id == user.id or await repo.manages(session, user.id, party_id)

    return await is_party(grant.grantor_id), await is_party(grant.representative_id)


async def visible(session: AsyncSession, user: Party, representation_id: uuid.UUID) -> Representation:
    """The grant, when ``user`` is on either side of it; 404 otherwise (existence is not revealed)."""
    grant = await repo.get(session, representation_id)
    if grant is None or not any(await _sides(session, user, grant)):
        raise RepresentationNotFound("No such representation among yours.")
    return grant


async def _for_change(
    session: AsyncSession, user: Party, representation_id: uuid.UUID, *, as_grantor: bool
) -> Representation:
    """The grant, locked, when ``user`` is on the side that may make this change."""
    grant = await repo.get(session, representation_id, lock=True)
    if grant is None:
        raise RepresentationNotFound("No such representation among yours.")
    granting, receiving = await _sides(session, user, grant)
    if not (granting or receiving):
        raise RepresentationNotFound("No such representation among yours.")
    if as_grantor and not granting:
        raise NotTheGrantor("Only the grantor may revoke a representation.")
    if not as_grantor and not receiving:
        raise NotTheRepresentative("Only the representative may accept or reject a representation.")
    return grant


async def answer(
    session: AsyncSession, user: Party, representation_id: uuid.UUID, *, accept: bool, reason: str | None
) -> Representation:
    """The representative (in their base role: their own token) accepts or rejects a pending grant."""
    grant = await _for_change(session, user, representation_id, as_grantor=False)
    status = status_of(grant, today_tehran())
    if status is not RepresentationStatus.PENDING:
        raise RepresentationNotPending(
            f"The representation is {status.value}; only a pending one can be answered."
        )
    grant.state = "accepted" if accept else "rejected"
    grant.decided_at = now_utc()
    parties = await repo.parties(session, [grant.grantor_id, grant.representative_id])
    event = "accepted" if accept else "rejected"
    _record(session, grant, user, parties[grant.representative_id], event, reason)
    await _publish(
        session,
        "representation.accepted" if accept else "representation.rejected",
        grant,
        parties,
        grant.decided_at.isoformat(),
    )
    await session.flush()
    return grant


async def revoke(
    session: AsyncSession, user: Party, representation_id: uuid.UUID, reason: str | None
) -> Representation:
    """The grantor revokes a pending or accepted grant that has not expired; writes
    ``representation.revoked`` to the outbox in the same transaction."""
    grant = await _for_change(session, user, representation_id, as_grantor=True)
    status = status_of(grant, today_tehran())
    if status not in (
        RepresentationStatus.PENDING,
        RepresentationStatus.SCHEDULED,
        RepresentationStatus.ACTIVE,
    ):
        raise RepresentationNotRevocable(f"The representation is {status.value}; it cannot be revoked.")
    grant.state = "revoked"
    grant.revoked_at = now_utc()
    parties = await repo.parties(session, [grant.grantor_id, grant.representative_id])
    _record(session, grant, user, parties[grant.grantor_id], "revoked", reason)
    await _publish(session, "representation.revoked", grant, parties, grant.revoked_at.isoformat())
    await session.flush()
    return grant


async def history(
    session: AsyncSession, user: Party, representation_id: uuid.UUID
) -> list[RepresentationEvent]:
    grant = await visible(session, user, representation_id)
    return await repo.events(session, grant.id)


async def exchangeable(
    session: AsyncSession, representation_id: uuid.UUID, agent: Party
) -> tuple[Representation, Party, Party]:
    """The grant ``agent`` may act under now, with its grantor and representative.

    ``InvalidGrant`` unless: the grant exists and ``agent`` is its representative
    (or a manager of a legal representative); it is active today (accepted, on
    or after ``starts_on``, not after ``ends_on``); both parties are active;
    the grantor still holds the role (a merchant's card valid today).
    """
    grant = await repo.get(session, representation_id)
    if grant is None or not (
        grant.representative_id == agent.id or await repo.manages(session, agent.id, grant.representative_id)
    ):
        raise InvalidGrant("No representation of yours has this ID.")
    status = status_of(grant, today_tehran())
    if status is not RepresentationStatus.ACTIVE:
        raise InvalidGrant(
            f"The representation is {status.value}, not active: no token can be issued for it."
        )
    parties = await repo.parties(session, [grant.grantor_id, grant.representative_id])
    grantor, representative = parties[grant.grantor_id], parties[grant.representative_id]
    if grantor.status != "active" or representative.status != "active":
        raise InvalidGrant("The grantor's or the representative's account is not active.")
    assignment = await live_role(session, grantor.id, grant.grantor_role)
    if assignment is None:
        raise InvalidGrant(f"The grantor no longer holds the role {grant.grantor_role!r}.")
    if grant.grantor_role == GrantorRole.MERCHANT and not merchant_card_valid(assignment, today_tehran()):
        raise InvalidGrant("The grantor's commercial card has expired.")
    return grant, grantor, representative


async def managed_legal_person(session: AsyncSession, legal_id: uuid.UUID, manager: Party) -> Party:
    """The active legal person ``manager`` manages; ``InvalidGrant`` otherwise."""
    legal = (await repo.parties(session, [legal_id])).get(legal_id)
    if (
        legal is None
        or legal.kind != "legal"
        or legal.status != "active"
        or not await repo.manages(session, manager.id, legal.id)
    ):
        raise InvalidGrant("No active legal person you manage has this ID.")
    return legal


async def acting_party_ids(session: AsyncSession, user: Party) -> list[uuid.UUID]:
    """The user and every legal person they manage: the parties whose grants they list."""
    return [user.id, *await repo.managed_legal_ids(session, user.id)]


async def relation(session: AsyncSession, user: Party, subject: str) -> list[str]:
    """How ``user`` stands today to the party ``subject`` (``PartyRelation.relations``): the
    party itself, its manager (a legal person), its representative (an active grant from it to
    the user or to a legal person the user manages). Nothing for an unknown party."""
    party_id = party_id_of(subject)
    if party_id is None:
        return []
    ties: list[str] = []
    if party_id == user.id:
        ties.append("self")
    if await repo.manages(session, user.id, party_id):
        ties.append("manager")
    if await repo.has_active_grant(session, party_id, await acting_party_ids(session, user), today_tehran()):
        ties.append("representative")
    return ties


def _record(
    session: AsyncSession,
    grant: Representation,
    user: Party,
    for_party: Party,
    event: str,
    reason: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    actor = subject_of(user)
    on_behalf_of = subject_of(for_party) if for_party.id != user.id else None
    repo.add(
        session,
        RepresentationEvent(
            representation_id=grant.id,
            event=event,
            actor=actor,
            on_behalf_of=on_behalf_of,
            reason=reason,
            request_id=current_request_id(),
        ),
    )
    audit.record(
        session,
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=f"representation.{event}",
        object_type="representation",
        object_id=grant.id,
        details={**(details or {}), **({"reason": reason} if reason else {})},
    )


def _event_payload(grant: Representation, parties: dict[uuid.UUID, Party], at: str) -> dict[str, Any]:
    return {
        "representation_id": str(grant.id),
        "state": grant.state,
        "grantor": subject_of(parties[grant.grantor_id]),
        "grantor_role": grant.grantor_role,
        "representative": subject_of(parties[grant.representative_id]),
        "scopes": list(grant.scopes),
        "access_level": grant.access_level,
        "starts_on": grant.starts_on.isoformat(),
        "ends_on": grant.ends_on.isoformat(),
        "at": at,
    }


async def _publish(
    session: AsyncSession, topic: str, grant: Representation, parties: dict[uuid.UUID, Party], at: str
) -> None:
    """The grant's event, the grantor's at its path; no scope or office (only the two sides read
    a grant: the representative is named in ``data``)."""
    await publish(
        session,
        outbox_events,
        topic,
        subject=str(grant.id),
        payload=_event_payload(grant, parties, at),
        party=subject_of(parties[grant.grantor_id]),
        url=f"/v1/representations/{grant.id}",
        scope=None,
        office=None,
    )


async def expire_due(session: AsyncSession, today: date | None = None) -> int:
    """Publish ``representation.expired`` once for each accepted grant whose ``ends_on`` has
    passed (Asia/Tehran), marking it ``expiry_published_at``; answers how many. Revoked and
    rejected grants never expire; a pending one that lapses was never in force."""
    day = today or today_tehran()
    grants = await repo.lapsed_unannounced(session, day)
    if not grants:
        return 0
    ids = {g.grantor_id for g in grants} | {g.representative_id for g in grants}
    parties = await repo.parties(session, list(ids))
    now = now_utc()
    for grant in grants:
        grant.expiry_published_at = now
        await _publish(session, "representation.expired", grant, parties, now.isoformat())
    await session.flush()
    return len(grants)


# --- Answers -------------------------------------------------------------------------------------
