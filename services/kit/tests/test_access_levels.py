"""Access levels: ordering, parsing, and who may act on an owner's object (the 4×4 matrix × scope)."""

from __future__ import annotations

import itertools

import pytest

from kit.access_levels import covers, ensure_may_act, may_act, scopes_of_roles, visible_levels
from kit.auth import Principal
from kit.errors import Forbidden, NotFound
from panjereh_contract.access_levels import ACCESS_LEVELS, AccessLevel

OWNER = "user:owner"
LEVELS = list(AccessLevel)
ORDER = ["very-limited", "limited", "medium", "full"]


def owner() -> Principal:
    return Principal(subject=OWNER, roles=frozenset({"merchant"}))


def representative(
    held: str | None, scopes: tuple[str, ...] = ("foreign-trade",), role: str = "merchant"
) -> Principal:
    """An acting-for token as identity issues it: the grant's level, scopes and role."""
    return Principal(
        subject=OWNER,
        actor="user:agent",
        access_level=held,
        scopes=frozenset(scopes),
        roles=frozenset({role}),
    )


def test_levels_are_the_tokens_levels_in_order() -> None:
    assert [level.value for level in AccessLevel] == list(ACCESS_LEVELS) == ORDER
    assert sorted(reversed(LEVELS)) == LEVELS
    assert AccessLevel.VERY_LIMITED < AccessLevel.LIMITED < AccessLevel.MEDIUM < AccessLevel.FULL
    assert AccessLevel.FULL > AccessLevel.MEDIUM >= AccessLevel.MEDIUM
    assert max(LEVELS) is AccessLevel.FULL
    # Not the alphabetical order of the strings ("full" < "limited" as text).
    assert AccessLevel.LIMITED < AccessLevel.FULL
    assert AccessLevel.LIMITED < "full"
    assert AccessLevel.FULL == "full"
    assert {AccessLevel.MEDIUM: 1}["medium"] == 1


def test_comparing_with_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        assert AccessLevel.FULL < "fullest"
    with pytest.raises(TypeError):
        assert AccessLevel.FULL < 3


@pytest.mark.parametrize("text", ORDER)
def test_parse_each_level(text: str) -> None:
    level = AccessLevel.parse(text)
    assert level.value == text
    assert level.rank == ORDER.index(text)


@pytest.mark.parametrize("text", ["", "Full", "very limited", "high", "کامل"])
def test_parse_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="not an access level"):
        AccessLevel.parse(text)


@pytest.mark.parametrize("level", LEVELS)
def test_owner_always_may_act(level: AccessLevel) -> None:
    assert may_act(owner(), OWNER, level)
    assert may_act(owner(), OWNER, level, "currency")
    ensure_may_act(owner(), OWNER, level, "anything")


# The 4×4 matrix: a representative holding R acts on a file of level F only when F ≤ R.
MATRIX = [
    (held, level, ORDER.index(level) <= ORDER.index(held)) for held, level in itertools.product(ORDER, ORDER)
]


@pytest.mark.parametrize(("held", "level", "allowed"), MATRIX)
def test_representative_level_matrix(held: str, level: str, allowed: bool) -> None:
    agent = representative(held)
    assert may_act(agent, OWNER, AccessLevel(level)) is allowed
    assert may_act(agent, OWNER, AccessLevel(level), "foreign-trade") is allowed
    # A scope the grant does not cover is refused at every level.
    assert may_act(agent, OWNER, AccessLevel(level), "currency") is False
    assert (level in visible_levels(agent)) is allowed  # type: ignore[operator]


@pytest.mark.parametrize(("held", "level", "allowed"), MATRIX)
def test_ensure_may_act_matrix(held: str, level: str, allowed: bool) -> None:
    agent = representative(held)
    if allowed:
        ensure_may_act(agent, OWNER, AccessLevel(level), "foreign-trade")
        with pytest.raises(Forbidden) as refused:
            ensure_may_act(agent, OWNER, AccessLevel(level), "currency")
        assert refused.value.extra["missing_scopes"] == ["currency"]
    else:
        # Above the representative's level the file is hidden, whatever the scope.
        for scope in ("foreign-trade", "currency", None):
            with pytest.raises(NotFound):
                ensure_may_act(agent, OWNER, AccessLevel(level), scope)


@pytest.mark.parametrize(
    ("role", "scopes", "scope", "allowed"),
    [
        ("merchant", ("foreign-trade", "currency"), "currency", True),
        ("merchant", ("foreign-trade", "currency"), "product-id", False),
        ("merchant", ("product-id",), "product-id", True),
        ("trader", ("full",), "sales", True),
        ("trader", ("full",), "distribution", True),
        ("trader", ("sales", "warehouses"), "warehouses", True),
        ("trader", ("sales",), "purchases", False),
        ("trader", (), "sales", False),
        ("trader", (), None, True),
        # A trader's full grant is domestic trade only: never a merchant scope (SPEC §1).
        ("trader", ("full",), "foreign-trade", False),
        ("trader", ("full",), "currency", False),
        ("trader", ("full",), "product-id", False),
        # A merchant scope counts only in the merchant role, a trader section only in the trader role.
        ("trader", ("foreign-trade",), "foreign-trade", False),
        ("base-natural", ("product-id",), "product-id", False),
        ("merchant", ("full",), "foreign-trade", False),
        ("merchant", ("sales",), "sales", False),
        ("base-natural", ("base",), "base", True),
    ],
)
def test_scope_coverage(role: str, scopes: tuple[str, ...], scope: str | None, allowed: bool) -> None:
    agent = representative("full", scopes, role)
    assert covers(agent, scope) is allowed
    assert may_act(agent, OWNER, AccessLevel.VERY_LIMITED, scope) is allowed
    assert (visible_levels(agent, scope) == ORDER) is allowed


def test_a_trader_full_representative_is_refused_merchant_acts_with_403() -> None:
    agent = representative("full", ("full",), "trader")
    assert visible_levels(agent, "foreign-trade") == []
    for scope in ("foreign-trade", "product-id", "currency"):
        with pytest.raises(Forbidden):
            ensure_may_act(agent, OWNER, AccessLevel.VERY_LIMITED, scope)


def test_a_token_without_the_grants_role_covers_nothing() -> None:
    agent = Principal(
        subject=OWNER, actor="user:agent", access_level="full", scopes=frozenset({"full", "foreign-trade"})
    )
    assert not covers(agent, "foreign-trade")
    assert not covers(agent, "sales")


def test_scopes_of_roles_give_each_role_its_own_scopes() -> None:
    assert scopes_of_roles(["base-legal", "merchant"]) == ["base", "foreign-trade", "currency", "product-id"]
    assert scopes_of_roles(["base-legal", "trader"]) == ["base", "full"]
    assert scopes_of_roles(["officer"]) == []


@pytest.mark.parametrize("held", [None, "", "admin", "FULL"])
def test_a_representative_without_a_valid_level_sees_nothing(held: str | None) -> None:
    agent = representative(held)
    assert visible_levels(agent) == []
    for level in LEVELS:
        assert not may_act(agent, OWNER, level)
        with pytest.raises(NotFound):
            ensure_may_act(agent, OWNER, level)


@pytest.mark.parametrize(
    "stranger",
    [
        Principal(subject="user:someone-else"),
        Principal(
            subject="user:someone-else", actor="user:agent", access_level="full", scopes=frozenset({"full"})
        ),
        Principal(subject="client:arya", client_id="arya", scopes=frozenset({"admin", "full"})),
        Principal(subject="user:agent"),  # the agent with their own token, not acting for the owner
    ],
)
def test_anyone_else_never_and_gets_404(stranger: Principal) -> None:
    for level in LEVELS:
        assert not may_act(stranger, OWNER, level)
        with pytest.raises(NotFound):
            ensure_may_act(stranger, OWNER, level, "foreign-trade")


def test_visible_levels() -> None:
    assert visible_levels(owner()) is None
    assert visible_levels(representative("very-limited")) == ["very-limited"]
    assert visible_levels(representative("limited")) == ["very-limited", "limited"]
    assert visible_levels(representative("medium")) == ["very-limited", "limited", "medium"]
    assert visible_levels(representative("full")) == ORDER
