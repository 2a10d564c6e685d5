"""The test factories make what the API would: valid identifiers, working tokens."""

from __future__ import annotations

from fastapi import FastAPI
from identity_testing.parties import make_user, national_code, national_id, token_for

from identity.subjects import party_id_of
from kit.runtime import runtime_of


def test_identifiers_are_fresh() -> None:
    codes = {national_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 10 for c in codes)
    assert all(len(i) == 11 for i in (national_id() for _ in range(20)))


async def test_token_for_a_made_user_verifies(app: FastAPI) -> None:
    party = await make_user(app, roles=("base-natural", "merchant"))
    principal = await runtime_of(app).token_verifier.verify(await token_for(app, party, roles=["merchant"]))
    assert party_id_of(principal.subject) == party.id
    assert principal.roles == {"merchant"}
