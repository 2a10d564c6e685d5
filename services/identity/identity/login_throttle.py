"""Back-off of failed logins, per account *and* source, so nobody can lock an owner out.

A lock on the account itself (the old design, and what the review found) lets
anyone who knows a national code keep its owner out with one wrong password
an hour, and its distinct answer told who is registered. OWASP's
Authentication Cheat Sheet ("Protect against automated attacks", "Account
lockout") asks instead for back-off that an attacker cannot turn against the
owner, and for the same answer whatever the account's state. So failures are
counted under three keys, in table ``login_throttles``:

``pair``    the national code typed and the source address (the client's IP as
            the gateway forwards it). From the ``login_lockout_threshold``-th
            failure (5) this pair backs off 1 minute, then 2, 4, 8 ... up to
            ``login_lockout_max_minutes`` (60). Only that source is slowed:
            the owner logging in from elsewhere is not.
``source``  the source address, whatever the national code: password spraying
            (one guess at many accounts) backs off from the
            ``login_source_lockout_threshold``-th failure (50), doubling from 1
            minute up to ``login_source_lockout_max_minutes`` (15). Set high
            because many users may share an address (carrier NAT).
``account`` the national code, from every source. Many addresses guessing at
            one account (a botnet) never lock it; from the
            ``login_account_step_up_threshold``-th failure (20) a *right*
            password also needs a code sent by SMS to the account's mobile
            (a login challenge, as if SMS two-step login were on), so the
            owner still gets in and a guessed password alone does not.

A failure older than ``login_failure_window_minutes`` (60) is forgotten: the
next one counts from 1. A successful login clears only its ``pair``: an
attacker logging in to an account of their own must not wipe the count of
their source. A password reset clears the account's ``pair`` and ``account``
counts.

While a pair or a source backs off, every login from it is refused with the
same 401 ``login-failed`` as a wrong password or an unknown national code, a
right password included. The password is still hashed (against the dummy
hash when there is no account), the failure still counted and audited, so the
answer takes as long and costs the same queries. The keys come from the
national code *typed*, registered or not, so unknown codes back off exactly
like known ones: the back-off tells nothing about registration either.

The national code is kept only as a keyed hash (HMAC with the key-encryption
key). Counting is an ``INSERT ... ON CONFLICT`` in its own committed
transaction (the request's rolls back with the 401), so concurrent failures
all count and the counts hold across replicas.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from fastapi import Request
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity import audit
from identity.config import Settings
from identity.models import LoginThrottle
from identity.state import identity_state
from kit.clock import now_utc

Kind = Literal["pair", "source", "account"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """A login attempt's throttle keys: who it claims to be, and where it comes from."""

    account_ref: str
    source: str

    @property
    def keys(self) -> dict[Kind, str]:
        return {
            "pair": f"pair:{self.account_ref}:{self.source}",
            "source": f"source:{self.source}",
            "account": f"account:{self.account_ref}",
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    refused: bool
    """The pair or the source backs off: answer as for a wrong password."""
    step_up: bool
    """The account is under attack from many sources: a right password also needs an SMS code."""


def account_ref(kek: bytes, national_code: str) -> str:
    return hmac.new(kek, b"login-throttle:" + national_code.encode(), hashlib.sha256).hexdigest()


def source_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def attempt_of(request: Request, national_code: str) -> Attempt:
    return Attempt(account_ref(identity_state(request).kek, national_code), source_of(request))


def back_off_minutes(failures: int, threshold: int, cap: int) -> int:
    """How long the ``failures``-th failure in a row backs off (0: not yet): 1, 2, 4 ... ``cap``."""
    if failures < threshold:
        return 0
    return min(cap, 2 ** min(failures - threshold, 30))


def _rule(settings: Settings, kind: Kind) -> tuple[int, int]:
    """(threshold, cap in minutes) of a kind of key; the account key never blocks."""
    if kind == "pair":
        return settings.login_lockout_threshold, settings.login_lockout_max_minutes
    if kind == "source":
        return settings.login_source_lockout_threshold, settings.login_source_lockout_max_minutes
    return settings.login_account_step_up_threshold, 0


async def verdict(request: Request, session: AsyncSession, attempt: Attempt) -> Verdict:
    """Whether this attempt is refused outright, or needs a second factor when the password is right."""
    settings: Settings = identity_state(request).settings
    now = now_utc()
    window = timedelta(minutes=settings.login_failure_window_minutes)
    keys = attempt.keys
    rows = {
        row.key: row
        for row in await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys.values())))
    }
    refused = any(
        (row := rows.get(keys[kind])) is not None
        and row.blocked_until is not None
        and row.blocked_until > now
        for kind in ("pair", "source")
    )
    account = rows.get(keys["account"])
    step_up = (
        account is not None
        and account.last_failure_at > now - window
        and account.failures >= settings.login_account_step_up_threshold
    )
    return Verdict(refused=refused, step_up=step_up)


async def count_failure(request: Request, attempt: Attempt, *, object_id: object, reason: str) -> None:
    """Count a failure under every key, in a transaction of its own; audit it and any back-off it starts."""
    settings: Settings = identity_state(request).settings
    now = now_utc()
    forgotten = now - timedelta(minutes=settings.login_failure_window_minutes)
    async with identity_state(request).runtime.sessionmaker() as own, own.begin():
        started: dict[str, int] = {}
        for kind, key in attempt.keys.items():
            statement = insert(LoginThrottle).values(
                key=key,
                account_ref=None if kind == "source" else attempt.account_ref,
                failures=1,
                last_failure_at=now,
            )
            statement = statement.on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={
                    "failures": case(
                        (LoginThrottle.last_failure_at < forgotten, 1), else_=LoginThrottle.failures + 1
                    ),
                    "last_failure_at": now,
                },
            ).returning(LoginThrottle.failures)
            failures = int((await own.execute(statement)).scalar_one())
            threshold, cap = _rule(settings, kind)
            if kind == "account":
                if failures == threshold:
                    started["step_up_failures"] = failures
                continue
            minutes = back_off_minutes(failures, threshold, cap)
            if minutes:
                row = await own.get(LoginThrottle, key)
                assert row is not None
                row.blocked_until = now + timedelta(minutes=minutes)
                started[f"{kind}_minutes"] = minutes
                started[f"{kind}_failures"] = failures
        audit.record(
            own,
            actor=f"ip:{attempt.source}",
            action="login.failed",
            object_type="account",
            object_id=object_id,
            details={"reason": reason, "source": attempt.source},
        )
        if started:
            audit.record(
                own,
                actor=f"ip:{attempt.source}",
                action="login.back-off",
                object_type="account",
                object_id=object_id,
                details={"source": attempt.source, **started},
            )


async def forget_pair(session: AsyncSession, attempt: Attempt) -> None:
    """A successful login clears its own (account, source) count, nothing else."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == attempt.keys["pair"]))


async def clear_account(session: AsyncSession, kek: bytes, national_code: str) -> int:
    """After a password reset: forget the account's counts from every source."""
    ref = account_ref(kek, national_code)
    result = await session.execute(delete(LoginThrottle).where(LoginThrottle.account_ref == ref))
    return int(getattr(result, "rowcount", 0) or 0)
