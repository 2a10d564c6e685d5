"""Separation of duties: an officer never decides on a case they are party to.

An order registration's approval or rejection, and a product-ID request's, is refused (403
``conflict-of-interest``) to an officer who:

* is the owner, or created the file / request, or signed the file's final registration, or
  acted on the request (edited or submitted it);
* represents the owner: an active grant (today) from the owner to the officer or to a legal
  person the officer manages;
* manages the owner (a legal person), or a legal person that created or signed.

Representation and management are identity's facts; orders asks identity with the officer's own
token (``GET /v1/me/relations/{subject}``), so it learns only how that officer stands to those
parties. identity unreachable: 503, nothing decided (never an approval on an unchecked tie).
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from kit.auth import Principal
from kit.errors import Forbidden, problem_responses
from kit.runtime import runtime
from orders.cars.exceptions import PeerUnavailable
from orders.identity_peer import identity_client, identity_refusals

LEGAL_PREFIX = "legal:"
# The OpenAPI answer of a decision when identity cannot tell the officer's ties.
IDENTITY_UNAVAILABLE: dict[int | str, dict] = problem_responses(
    PeerUnavailable,
    described={503: "identity did not answer the conflict-of-interest check; nothing was decided"},
)


class ConflictOfInterest(Forbidden):
    code = "conflict-of-interest"
    title = "An officer does not decide on a case they are party to"
    title_fa = "کارشناس در پرونده‌ای که خود در آن ذی‌نفع است تصمیم نمی‌گیرد"

    def __init__(self, why: str) -> None:
        super().__init__(
            f"You {why}; another officer must decide (separation of duties).",
        )


async def _relations(request: Request, subject: str) -> list[str]:
    async with identity_refusals(
        "identity does not answer how you stand to the case's parties: no decision without it."
    ):
        relation = await identity_client(runtime(request)).my_relation(
            request.headers.get("Authorization", ""), subject
        )
    return list(relation.relations)


async def ensure_independent(
    request: Request,
    principal: Principal,
    *,
    owner: str,
    made_by: Iterable[str | None] = (),
    signed_by: str | None = None,
) -> None:
    """Refuse (``ConflictOfInterest``) an officer who is party to the case of ``owner``,
    made (created or changed) by ``made_by`` and signed by ``signed_by``."""
    me = principal.subject
    if me == owner:
        raise ConflictOfInterest("own it")
    makers = {m for m in made_by if m}
    if me in makers:
        raise ConflictOfInterest("created or changed it")
    if signed_by is not None and me == signed_by:
        raise ConflictOfInterest("signed its final registration")
    ties = await _relations(request, owner)
    if "representative" in ties:
        raise ConflictOfInterest("represent its owner (an active grant of representation)")
    if "manager" in ties:
        raise ConflictOfInterest("manage its owner")
    for party in sorted({*makers, signed_by} - {None, owner}):
        if party.startswith(LEGAL_PREFIX) and "manager" in await _relations(request, party):
            raise ConflictOfInterest(f"manage {party}, which created, changed or signed it")
