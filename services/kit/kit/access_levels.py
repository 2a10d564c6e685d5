"""Whether a principal may act on an object owned by someone, at the object's access level.

The levels and their order are the contract's (``panjereh_contract.access_levels``).
An object (an order-registration file) carries a level, full by default; a representative's acting-for token carries the level of their
grant (``access_level``) and its scopes (``scope``).

The rule (SPEC §1, "Reading adopted here"):

* the owner acting for themselves (``subject == owner``, no ``act``) may always act;
* a representative (``subject == owner`` with ``act``, an RFC 8693 acting-for
  token) may act on an object of level F only when F ≤ their level R, and only
  when their grant covers the act (``covers``);
* anyone else never.

Scopes are read together with the grant's role, which the acting-for token
carries in ``roles`` (SPEC §1): a scope counts only when granted in a role that
may grant it (``ROLE_SCOPES``). Merchant grants cover foreign trade, currency and
product IDs; trader grants cover domestic trade, ``full`` standing for every
trader section and never for a merchant scope. So a trader's ``full``
representative sees none of the merchant's order files or product requests.

What callers answer when the rule says no (``ensure_may_act``):

* no relation to the owner → 404, as if the object did not exist (OWASP API1);
* a representative whose level is below the object's → 404 too: the owner hides
  files from a representative by raising their level, so such a file is absent
  from the representative's lists (``visible_levels``) and reads the same way;
* a representative who sees the object but whose scopes do not cover the act → 403.
"""

from __future__ import annotations

from typing import Any

from kit.auth import Principal
from kit.errors import Forbidden, NotFound
from kit.registry import registry
from panjereh_contract.access_levels import ACCESS_LEVELS, AccessLevel

FULL_SCOPE = "full"
BASE_SCOPE = "base"
MERCHANT = "merchant"
TRADER = "trader"
# Seed 001: foreign-trade, currency and product-ID operations are granted in the merchant role;
# domestic trade in the trader role, "full or the ticked sections".
MERCHANT_SCOPES = ("foreign-trade", "currency", "product-id")
TRADER_SECTIONS = ("purchases", "sales", "warehouses", "distribution")
ROLE_SCOPES: dict[str, frozenset[str]] = {
    MERCHANT: frozenset(MERCHANT_SCOPES),
    TRADER: frozenset((FULL_SCOPE, *TRADER_SECTIONS)),
    "base-natural": frozenset({BASE_SCOPE}),
    "base-legal": frozenset({BASE_SCOPE}),
}
# What a whole role grants: a manager acting as a legal person holds this for each of its roles.
_WHOLE_ROLE: dict[str, tuple[str, ...]] = {
    MERCHANT: MERCHANT_SCOPES,
    TRADER: (FULL_SCOPE,),
    "base-natural": (BASE_SCOPE,),
    "base-legal": (BASE_SCOPE,),
}


def _held_level(principal: Principal) -> AccessLevel | None:
    """The level an acting-for token carries, or None when it carries none (or nonsense)."""
    value = principal.access_level
    return AccessLevel(value) if value in ACCESS_LEVELS else None


def scopes_of_roles(roles: list[str]) -> list[str]:
    """Every scope the ``roles`` grant, in order (a manager acting as the legal person itself)."""
    scopes: list[str] = []
    for role in roles:
        scopes.extend(s for s in _WHOLE_ROLE.get(role, ()) if s not in scopes)
    return scopes


def covers(principal: Principal, scope: str | None) -> bool:
    """Whether the grant an acting-for token carries covers an act needing ``scope`` (None: any).

    The scope must have been granted in a role the token carries that may grant it; a
    trader's ``full`` covers the trader sections only. A merchant scope held without the
    merchant role, or ``full`` standing in for ``foreign-trade``, covers nothing."""
    if scope is None:
        return True
    for role in principal.roles:
        if scope not in ROLE_SCOPES.get(role, frozenset()):
            continue
        if scope in principal.scopes:
            return True
        if role == TRADER and scope in TRADER_SECTIONS and FULL_SCOPE in principal.scopes:
            return True
    return False


def may_act(principal: Principal, owner: str, level: AccessLevel, scope: str | None = None) -> bool:
    """Whether ``principal`` may act on an object of ``owner`` (a ``user:``/``legal:``
    subject) whose access level is ``level``, for an act that needs ``scope``
    (None: any act the principal's grant allows)."""
    if principal.subject != owner:
        return False
    if principal.actor is None:
        return True
    held = _held_level(principal)
    return held is not None and level <= held and covers(principal, scope)


def ensure_may_act(principal: Principal, owner: str, level: AccessLevel, scope: str | None = None) -> None:
    """``may_act`` or raise: ``NotFound`` when the object is not the principal's to
    see (no relation to the owner, or above the representative's level),
    ``Forbidden`` when a representative sees it but their scopes do not cover the act."""
    if may_act(principal, owner, level, scope):
        return
    held = _held_level(principal) if principal.subject == owner else None
    if held is None or level > held:
        raise NotFound("No such object.")
    raise Forbidden(
        f"The representation this token carries does not cover {scope!r}.",
        missing_scopes=[scope],
    )


def visible_levels(principal: Principal, scope: str | None = None) -> list[str] | None:
    """The object levels ``principal`` may see among the objects of ``principal.subject``
    that need ``scope``: None (no filter) for the owner; the levels up to the held one for
    a representative whose grant covers ``scope``; none at all for a token that names no
    valid level or whose grant does not cover ``scope``.

    Filter lists with it (``WHERE owner = :subject AND level = ANY(:levels)``) so
    that a list shows exactly what ``may_act`` allows reading.
    """
    if principal.actor is None:
        return None
    held = _held_level(principal)
    if held is None or not covers(principal, scope):
        return []
    return [level.value for level in AccessLevel if level <= held]


# --- In words, for the API descriptions (rendered from the constants above) -------------------

LEVEL_NAMES_FA = {"very-limited": "خیلی محدود", "limited": "محدود", "medium": "متوسط", "full": "کامل"}


_SCOPE_ORDER = (*MERCHANT_SCOPES, FULL_SCOPE, *TRADER_SECTIONS, BASE_SCOPE)


def _codes(values: Any) -> str:
    return ", ".join(f"`{v}`" for v in values) or "—"


def access_markdown() -> str:
    """Access levels and the scopes each role grants, in words and tables (markdown)."""
    levels = "".join(
        f"| `{level}` | {LEVEL_NAMES_FA[level.value]} | {_codes(lv for lv in AccessLevel if lv <= level)} |\n"
        for level in AccessLevel
    )
    roles = "".join(
        f"| `{role}` | {_codes(s for s in _SCOPE_ORDER if s in scopes)} | {_codes(_WHOLE_ROLE.get(role, ()))} |\n"
        for role, scopes in ROLE_SCOPES.items()
    )
    return (
        "## Access levels and scopes\n\n"
        "The owner of an object (an order-registration file, a product-ID request) acting with their own "
        "token may always act on it. A representative acts with an acting-for token (token exchange at "
        f"`POST {registry().token_service.token_endpoint}`): its `sub` is the owner, `act.sub` the representative, and it carries "
        "the grant's role (`roles`), scopes (`scope`) and access level (`access_level`). Anyone else is "
        "answered 404, as if the object did not exist.\n\n"
        "**Access levels**, lowest first. Each object carries one (`full` unless its owner chose another). "
        "A representative sees an object only when its level is at or below the level their grant holds; "
        "an object above it answers 404 and is left out of lists, so an owner hides an object from a "
        "representative by raising its level.\n\n"
        "| level | in Persian | a representative holding it sees objects of level |\n|---|---|---|\n"
        f"{levels}\n"
        "**Scopes by role.** A grant is made in one role; a scope counts only when that role may grant it. "
        "An act that needs a scope the grant does not cover answers 403.\n\n"
        "| grant's role | scopes it may carry | a manager acting as the legal person holds |\n|---|---|---|\n"
        f"{roles}\n"
        f"A trader's `{FULL_SCOPE}` stands for every trader section ({_codes(TRADER_SECTIONS)}) and never "
        f"for a merchant scope: a trader's `{FULL_SCOPE}` representative sees none of the merchant's order "
        "files or product-ID requests."
    )
