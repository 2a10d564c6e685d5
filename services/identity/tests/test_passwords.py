"""Password policy (seed 001), the common-password list, and Argon2id hashing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from identity_client.accounts import PASSWORD_PATTERN
from pwdlib.hashers.argon2 import Argon2Hasher

from identity import passwords
from identity.exceptions import PasswordRejected

GOOD = "Kavir-Lut-2041!"
COMPOSITION = {
    "password_too_short",
    "password_too_long",
    "password_control_character",
    "password_needs_uppercase",
    "password_needs_lowercase",
    "password_needs_digit",
    "password_needs_symbol",
}


def _reasons(password: str, **user: str) -> set[str]:
    return {e["type"] for e in passwords.problems(password, **user)}


def test_a_good_password_passes() -> None:
    assert passwords.problems(GOOD, national_code="0084575948", mobile="09121234567") == []
    passwords.check(GOOD)


@pytest.mark.parametrize(
    ("password", "reasons"),
    [
        ("Short-1a", {"password_too_short"}),
        ("Aa1-" + "x" * 125, {"password_too_long"}),
        ("lowercase-only-42", {"password_needs_uppercase"}),
        ("UPPERCASE-ONLY-42", {"password_needs_lowercase"}),
        ("No-Digits-At-All", {"password_needs_digit"}),
        ("NoSymbolsAtAll42", {"password_needs_symbol"}),
        ("Spaces Are Not 42", {"password_needs_symbol"}),
        ("Tab\tInside-Pass-42", {"password_control_character"}),
        (
            "short",
            {
                "password_too_short",
                "password_needs_uppercase",
                "password_needs_digit",
                "password_needs_symbol",
            },
        ),
    ],
)
def test_each_rule_is_named(password: str, reasons: set[str]) -> None:
    assert _reasons(password) == reasons


def test_persian_letters_count_as_symbols_and_spaces_are_allowed() -> None:
    assert _reasons("Kavir Lut 2041 کویر") == set()
    assert _reasons("A" * 60 + "a" * 60 + "1!" + "x" * 6) == set()  # exactly 128


@pytest.mark.parametrize(
    "password",
    [
        "Password@1234",
        "P@ssw0rd1234",
        "Qwerty@123456",
        "PASSWORD@1234",
        "pAsSwOrD@1234",
        "Iloveyou@123",
        "123456789Qwerty!",
        "!!Letmein2024!!",
        "L3tm31n@2024",
        "Tehran@12345",
        "Aa@123456789",
    ],
)
def test_common_passwords_and_their_decorated_variants_are_refused(password: str) -> None:
    assert "password_common" in _reasons(password)


def test_the_list_is_real_and_compared_case_insensitively() -> None:
    common = passwords.common_passwords()
    assert len(common) > 500
    assert {"123456", "password", "qwerty", "iloveyou", "p@ssw0rd"} <= common
    assert all(entry == entry.lower() for entry in common)
    assert passwords.is_common("QWERTY")


def test_passwords_holding_the_national_code_or_mobile_are_refused() -> None:
    user = {"national_code": "0084575948", "mobile": "09121234567"}
    assert _reasons("Born-0084575948-x", **user) == {"password_contains_national_code"}
    assert _reasons("Born-۰۰۸۴۵۷۵۹۴۸-x1", **user) == {"password_contains_national_code"}
    assert _reasons("Call+989121234567a", **user) == {"password_contains_mobile"}
    assert _reasons("Call-09121234567a", **user) == {"password_contains_mobile"}
    assert _reasons("Call-0912123456-a", **user) == set()


def test_check_raises_one_problem_naming_every_reason() -> None:
    with pytest.raises(PasswordRejected) as caught:
        passwords.check("password")
    errors = caught.value.extra["errors"]
    assert {e["pointer"] for e in errors} == {"#/body/password"}
    assert {e["type"] for e in errors} == {
        "password_too_short",
        "password_needs_uppercase",
        "password_needs_digit",
        "password_needs_symbol",
        "password_common",
    }
    assert caught.value.status == 422


@settings(max_examples=300, deadline=None)
@given(st.from_regex(PASSWORD_PATTERN, fullmatch=True))
def test_what_the_schema_pattern_matches_passes_every_composition_rule(password: str) -> None:
    assert not _reasons(password) & COMPOSITION


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ9-! \t\x85ک"), max_size=20))
def test_composition_rules_and_the_pattern_agree(password: str) -> None:
    assert (re.fullmatch(PASSWORD_PATTERN, password) is not None) == (not _reasons(password) & COMPOSITION)


async def test_argon2id_hash_shape_and_verification() -> None:
    hashed = await passwords.hash_password(GOOD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert hashed != await passwords.hash_password(GOOD)  # salted
    assert await passwords.verify_password(GOOD, hashed) == (True, None)
    assert await passwords.verify_password(GOOD + "x", hashed) == (False, None)


async def test_a_hash_with_old_parameters_is_upgraded() -> None:
    old = Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1).hash(GOOD)
    valid, rehash = await passwords.verify_password(GOOD, old)
    assert valid
    assert rehash is not None
    assert rehash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert await passwords.verify_password("wrong-Password-1", old) == (False, None)


async def test_the_dummy_hash_has_the_current_parameters_and_matches_nothing() -> None:
    assert passwords.DUMMY_HASH.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not passwords.HASHER.current_hasher.check_needs_rehash(passwords.DUMMY_HASH)
    assert await passwords.verify_password(GOOD, passwords.DUMMY_HASH) == (False, None)
    assert await passwords.verify_dummy(GOOD) is None
