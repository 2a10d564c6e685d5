"""Who may receive an event: a subscriber receives it only while it may read the object
(issue 12, "Who sees what"), by one of three bases:

* ``own``: the event's party is the subscription's owner (for a ``representation`` object, its
  representative too: ``data["representative"]``);
* ``office``: the subscription's office (an officer's, as of subscribing) is the event's office;
* ``representation``: the owner holds a representation grant from the event's party, active
  today, whose role, scopes and access level cover the event's scope and level: exactly
  ``kit.access_levels.may_act`` on the acting-for principal the grant would give the owner. An
  event with no scope is never visible through a grant; one with no level counts as ``full``.

Grants are identity's: ``GET /v1/representations/active-grants`` (machine scope
``grants:read``), asked with notifications' feed token, never read from identity's tables.
Fan-out asks once per page of events (``PageGrants``, a ``kit.feeds.FeedFollower`` preparer);
deliveries and box listings ask again (``still_visible``) so that a revoked grant stops
delivery at once, messages already queued included.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from identity_client.client import IdentityClient
from identity_client.representations import MAX_ACTIVE_GRANTORS, ActiveGrant

from kit.access_levels import may_act
from kit.auth import Principal
from kit.feeds import TokenSource
from notifications.subscriptions import repository as subscriptions
from notifications.subscriptions.models import Subscription
from panjereh_contract.access_levels import AccessLevel
from panjereh_contract.events import FeedEvent

if TYPE_CHECKING:
    from notifications.messages.models import Message
    from notifications.state import NotificationsState

OWN, OFFICE, REPRESENTATION = "own", "office", "representation"
Grants = dict[str, list[ActiveGrant]]


@dataclass
class GrantSource:
    """identity's active grants, asked with a machine token holding ``grants:read``."""

    identity: IdentityClient
    token: TokenSource

    async def active(self, grantors: Iterable[str]) -> Grants:
        """The grants active today of each of ``grantors`` (an empty list for one with none):
        one call per ``MAX_ACTIVE_GRANTORS`` grantors."""
        wanted = sorted(set(grantors))
        found: Grants = {grantor: [] for grantor in wanted}
        for start in range(0, len(wanted), MAX_ACTIVE_GRANTORS):
            chunk = wanted[start : start + MAX_ACTIVE_GRANTORS]
            for grant in await self.identity.active_grants(await self.token(), chunk):
                found.setdefault(grant.grantor, []).append(grant)
        return found


def grantors_of(events: Iterable[FeedEvent]) -> set[str]:
    """The parties whose grants may make these events visible to someone else."""
    return {event.subject for event in events if event.subject is not None and event.scope is not None}


@dataclass
class PageGrants:
    """The grants of the grantors of the page of events in hand, fetched in one call before the
    page is handled (``load``, the follower's preparer); a grantor missed (an event handled
    outside a page) is fetched on its own."""

    source: GrantSource
    _grants: Grants = field(default_factory=dict)

    async def load(self, events: list[FeedEvent]) -> None:
        self._grants = await self.source.active(grantors_of(events))

    async def of(self, grantor: str) -> list[ActiveGrant]:
        if grantor not in self._grants:
            self._grants.update(await self.source.active([grantor]))
        return self._grants[grantor]


def grant_covers(grant: ActiveGrant, owner: str, scope: str | None, access_level: str | None) -> bool:
    """Whether ``grant`` lets ``owner`` read an object of its grantor needing ``scope`` at
    ``access_level``: the API's own rule on the acting-for principal the grant would give."""
    if scope is None or grant.representative != owner:
        return False
    principal = Principal(
        subject=grant.grantor,
        actor=owner,
        roles=frozenset({grant.role.value}),
        scopes=frozenset(grant.scopes),
        access_level=grant.access_level.value,
    )
    level = AccessLevel(access_level) if access_level is not None else AccessLevel.FULL
    return may_act(principal, grant.grantor, level, scope)


def basis_of(subscription: Subscription, event: FeedEvent, grants: list[ActiveGrant]) -> str | None:
    """Why ``subscription``'s owner may read ``event``'s object (``grants``: its party's active
    grants), or None when it may not."""
    owner = subscription.owner
    if event.subject is not None and event.subject == owner:
        return OWN
    if event.object.kind == "representation" and event.data.get("representative") == owner:
        return OWN
    if subscription.office is not None and subscription.office == event.office:
        return OFFICE
    if any(grant_covers(grant, owner, event.scope, event.access_level) for grant in grants):
        return REPRESENTATION
    return None


def candidate_owners(event: FeedEvent, grants: list[ActiveGrant]) -> set[str]:
    """The owners whose subscriptions may receive ``event`` other than by office."""
    owners = {grant.representative for grant in grants} if event.scope is not None else set()
    if event.subject is not None:
        owners.add(event.subject)
    representative = event.data.get("representative")
    if event.object.kind == "representation" and isinstance(representative, str):
        owners.add(representative)
    return owners


async def still_visible(state: NotificationsState, messages: Collection[Message]) -> set[int]:
    """The IDs of the ``representation``-basis messages among ``messages`` whose subscriber
    still holds a grant covering them (one call to identity for all their principals). Messages
    of another basis are not in the answer: they stay visible. Without a grant source (no feed
    credentials) none is: it fails closed."""
    represented = [m for m in messages if m.basis == REPRESENTATION and m.principal is not None]
    if not represented or state.grants is None:
        return set()
    async with state.runtime.sessionmaker() as session:
        facts = await subscriptions.message_facts(session, [m.id for m in represented])
    grants = await state.grants.active({m.principal for m in represented if m.principal is not None})
    visible: set[int] = set()
    for message in represented:
        fact = facts.get(message.id)
        if fact is None or message.principal is None:
            continue
        owner, scope, access_level = fact
        if any(grant_covers(g, owner, scope, access_level) for g in grants.get(message.principal, [])):
            visible.add(message.id)
    return visible
