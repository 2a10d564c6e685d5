"""Passwords: the seed's policy, a common-password list, and Argon2id hashing.

Policy (seed 001, ASVS 5.0 §6.2): 12 to 128 characters, with at least one
upper-case and one lower-case Latin letter, one digit (0-9) and one symbol
(any other visible character except a space; Persian letters count as
symbols). Control characters are refused; spaces are allowed. The password is
not a common one (``data/common-passwords.txt``, compared case-insensitively,
also once the leading and trailing digits and symbols are stripped and
look-alike substitutions such as ``@``→``a``, ``0``→``o`` undone, so
``P@ssw0rd1234`` counts as ``password``), and does not contain the user's
national code or mobile number. Every reason is reported, each with its own
``type`` under ``#/body/password``. The composition rules are also the JSON
Schema pattern of password fields (``identity_client.accounts.PASSWORD_PATTERN``).

Hashing: Argon2id through pwdlib, with RFC 9106's second recommended
parameter set written out here: 64 MiB of memory (``m=65536`` KiB), 3 passes
(``t=3``), 4 lanes (``p=4``), a 16-byte random salt and a 32-byte tag —
about 0.1 s on two cores. It runs in a worker thread so the event loop keeps
serving. A stored hash made with other parameters verifies and is reported for
rehashing.
"""

from __future__ import annotations

import asyncio
import re
import string
from functools import cache
from pathlib import Path
from typing import NamedTuple

from identity_client.accounts import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_SYMBOL
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from identity.exceptions import PasswordRejected
from kit.errors import field_error
from panjereh_contract.identifiers import normalise_digits

_CONTROL = "[\x00-\x1f\x7f-\x9f]"
_COMMON_FILE = Path(__file__).parent / "data" / "common-passwords.txt"
_DECORATION = string.digits + string.punctuation + " "
_LOOK_ALIKES = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "$": "s", "5": "s", "7": "t", "!": "i"})

HASHER = PasswordHash(
    (Argon2Hasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16),)
)
# The hash of a random password nobody knows, made with HASHER's parameters: verify
# against it when the account does not exist, so an unknown national code costs the
# same time as a wrong password.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$x66DgAyqO5+0yTF5poQzqw$JmlYXXrW81WfVCnURvuLUb8fqnMWu1ClqEWwpMHtyVw"
)


class Verification(NamedTuple):
    valid: bool
    rehash: str | None
    """A new hash to store when the password was right but its hash used old parameters."""


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _common_forms(password: str) -> set[str]:
    """The password lowered, and its core without decoration or look-alikes."""
    lowered = password.lower()
    core = lowered.strip(_DECORATION)
    forms = {lowered, core}
    # "1" reads as i or l: try both.
    for one in ("i", "l"):
        forms.add(core.translate(_LOOK_ALIKES).replace("1", one))
    return {f for f in forms if f}


def is_common(password: str) -> bool:
    return not common_passwords().isdisjoint(_common_forms(password))


def problems(
    password: str, *, national_code: str | None = None, mobile: str | None = None
) -> list[dict[str, str]]:
    """Every reason ``password`` is refused, as problem ``errors`` (empty when it is acceptable)."""
    found: list[tuple[str, str]] = []
    if len(password) < PASSWORD_MIN_LENGTH:
        found.append(("password_too_short", f"Use at least {PASSWORD_MIN_LENGTH} characters."))
    if len(password) > PASSWORD_MAX_LENGTH:
        found.append(("password_too_long", f"Use at most {PASSWORD_MAX_LENGTH} characters."))
    if re.search(_CONTROL, password):
        found.append(("password_control_character", "Control characters (such as newlines) are not allowed."))
    if not re.search("[A-Z]", password):
        found.append(("password_needs_uppercase", "Add an upper-case Latin letter (A-Z)."))
    if not re.search("[a-z]", password):
        found.append(("password_needs_lowercase", "Add a lower-case Latin letter (a-z)."))
    if not re.search("[0-9]", password):
        found.append(("password_needs_digit", "Add a digit (0-9)."))
    if not re.search(PASSWORD_SYMBOL, password):
        found.append(("password_needs_symbol", "Add a symbol such as ! @ # - or _."))
    if len(password) <= PASSWORD_MAX_LENGTH and is_common(password):
        found.append(("password_common", "This password is too common; choose one that is not."))
    digits = normalise_digits(password)
    if national_code and national_code in digits:
        found.append(("password_contains_national_code", "The password may not contain your national code."))
    if mobile and mobile[1:] in digits:
        found.append(("password_contains_mobile", "The password may not contain your mobile number."))
    return [field_error("#/body/password", detail, type_) for type_, detail in found]


def check(password: str, *, national_code: str | None = None, mobile: str | None = None) -> None:
    """Raise ``PasswordRejected`` (422, every reason named) unless the password is acceptable."""
    errors = problems(password, national_code=national_code, mobile=mobile)
    if errors:
        raise PasswordRejected(
            "The password does not meet the policy: " + " ".join(e["detail"] for e in errors), errors=errors
        )


async def hash_password(password: str) -> str:
    """The Argon2id hash (``$argon2id$v=19$m=65536,t=3,p=4$...``) of ``password``."""
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(password: str, stored_hash: str) -> Verification:
    """Whether ``password`` matches ``stored_hash``, and a new hash when it needs rehashing.

    For an unknown user, pass ``DUMMY_HASH`` so the answer takes as long.
    """
    valid, rehash = await asyncio.to_thread(HASHER.verify_and_update, password, stored_hash)
    return Verification(valid, rehash)


async def verify_dummy(password: str) -> None:
    """Spend the time of a verification when there is no account, so the answer
    does not tell whether the national code is registered."""
    await asyncio.to_thread(HASHER.verify, password, DUMMY_HASH)
