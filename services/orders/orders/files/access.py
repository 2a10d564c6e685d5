"""Who may see and act on an order-registration file (SPEC §1 access levels, §2 prerequisites).

* The owner (the merchant, ``sub`` without ``act``) sees and acts on all their files.
* A representative (an acting-for token of the merchant) sees and acts on a file only when the
  file's level is at or below the level of their grant, and only with the ``foreign-trade``
  scope of a merchant-role grant (404 above their level, 403 without the scope:
  ``kit.access_levels``; a trader grant's ``full`` does not cover foreign trade).
* An officer of the Ministry of Industry, Mine and Trade (``officer`` in the roles of their own
  token, office ``issuing-authority`` ``mimt``: ``is_order_reviewer``) reads the files under
  review and approves or rejects them; never their own. Other officers are anyone else here.
* Anyone else, machine clients included: 404, as if the file did not exist.

Acts that register or change an order also need the merchant role with a valid commercial card;
for a ``personal-car`` file (an Iranian living abroad importing their own car, seed 001) the
applicant's own token in the base-natural role instead.
"""

from __future__ import annotations

import datetime as dt

from kit.access_levels import covers, may_act
from kit.auth import Principal
from kit.clock import today_tehran
from orders.files.exceptions import (
    CommercialCardExpired,
    MerchantRoleRequired,
    OfficerRoleRequired,
    OrderFileNotFound,
    OwnerOnly,
    PersonalCarRoleRequired,
    ScopeMissing,
)
from orders.files.models import OrderFile
from orders.files.records import Row
from orders.officers import is_mimt_officer
from panjereh_contract.access_levels import AccessLevel

BASE_NATURAL = "base-natural"
PERSONAL_CAR = "personal-car"
FOREIGN_TRADE = "foreign-trade"
MERCHANT = "merchant"
SYSTEM_ACTOR = "system:orders"


def actor_of(principal: Principal) -> str:
    """The one who acts: the representative when the token acts for someone, else the subject."""
    return principal.actor or principal.subject


def is_order_reviewer(principal: Principal) -> bool:
    """An officer of the order-registration authority, in their own token. Seed 003: «تایید اولیه
    توسط کارشناسان وزارت صمت» — the ministry's experts approve an order registration, and some
    edits need their approval again; officers of a customs office or another authority do not."""
    return is_mimt_officer(principal)


def shown_status(file: OrderFile | Row, today: dt.date | None = None) -> str:
    """The status as read: an approved file past its validity is ``expired`` even before the
    periodic task has marked it."""
    if (
        file.status == "approved"
        and file.expires_on is not None
        and file.expires_on < (today or today_tehran())
    ):
        return "expired"
    return file.status


def _ensure_level(principal: Principal, file: OrderFile | Row) -> None:
    if not may_act(principal, file.owner, AccessLevel(file.access_level)):
        raise OrderFileNotFound()
    ensure_covers_foreign_trade(principal)


def ensure_may_read(principal: Principal, file: OrderFile | Row) -> None:
    """The owner, a representative within the file's level, or a reviewer while it is under review."""
    if principal.subject == file.owner:
        _ensure_level(principal, file)
        return
    if is_order_reviewer(principal) and shown_status(file) == "under-review":
        return
    raise OrderFileNotFound()


def ensure_covers_foreign_trade(principal: Principal) -> None:
    """A representative's grant must cover ``foreign-trade`` in the merchant role (403)."""
    if principal.actor is not None and not covers(principal, FOREIGN_TRADE):
        raise ScopeMissing(
            "The representation this token carries does not cover foreign trade (scope `foreign-trade` "
            "of a merchant-role grant; a trader grant's `full` is domestic trade only).",
            missing_scopes=[FOREIGN_TRADE],
        )


def ensure_merchant(principal: Principal) -> None:
    """The merchant role with a valid commercial card; for a representative, the grant's role
    (``merchant``) and the ``foreign-trade`` scope."""
    if principal.actor is not None:
        if MERCHANT not in principal.roles:
            raise MerchantRoleRequired(
                "The representation is not one of a merchant (its role is not `merchant`)."
            )
        ensure_covers_foreign_trade(principal)
        return
    expires = principal.claims.get("commercial_card_expires")
    if isinstance(expires, str):
        try:
            expired = dt.date.fromisoformat(expires) < today_tehran()
        except ValueError:
            expired = True
        if expired:
            raise CommercialCardExpired(expires)
    if MERCHANT not in principal.roles:
        raise MerchantRoleRequired(
            "Order registration needs the merchant role with a valid (unexpired) commercial card; a token "
            "without it is refused (an expired card removes the role)."
        )


def ensure_applicant(principal: Principal, kind: str) -> None:
    """Who registers a file of this kind: for ``personal-car`` the person themselves (own token,
    role base-natural), else the merchant (``ensure_merchant``)."""
    if kind != PERSONAL_CAR:
        ensure_merchant(principal)
        return
    if principal.actor is not None or BASE_NATURAL not in principal.roles:
        raise PersonalCarRoleRequired()


def ensure_may_change(principal: Principal, file: OrderFile) -> None:
    """Seeing the file (404 otherwise), then being its applicant (merchant or their
    representative; the person themselves for a personal car) (403)."""
    if principal.subject != file.owner:
        if is_order_reviewer(principal) and shown_status(file) == "under-review":
            raise OwnerOnly(
                "Only the merchant or their representative changes a file; an officer reviews it."
            )
        raise OrderFileNotFound()
    _ensure_level(principal, file)
    ensure_applicant(principal, file.kind)


def ensure_owner(principal: Principal, file: OrderFile) -> None:
    """The owner acting themselves (the access level and its history are theirs alone)."""
    ensure_may_read(principal, file)
    if principal.subject != file.owner or principal.actor is not None:
        raise OwnerOnly("Only the file's owner, acting themselves, may do this; a representative may not.")


def ensure_reviewer(principal: Principal, file: OrderFile) -> None:
    """A reviewer, not the file's owner, on a file under review (reviewers see no other files);
    the owner and their representatives get 403, the rest 404."""
    if is_order_reviewer(principal) and principal.subject != file.owner:
        if shown_status(file) != "under-review":
            raise OrderFileNotFound()
        return
    if principal.subject == file.owner:
        _ensure_level(principal, file)
        raise OfficerRoleRequired(
            "Only an officer of the Ministry of Industry, Mine and Trade approves or rejects a file, never its owner."
        )
    raise OrderFileNotFound()
