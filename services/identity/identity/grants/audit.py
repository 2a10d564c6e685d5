"""The audit of ``POST /v1/token`` refusals for machine clients and token exchanges.

A refused token request rolls its transaction back, so the refusal is written apart. The
actor is who the request proves to be: the agent whose ``actor_token`` verifies, else
``anonymous`` (a client whose secret is wrong proves nothing: the client it named is the
object, so an admin sees the attempts against it).
"""

from __future__ import annotations

from fastapi import Request
from identity_client.representations import LEGAL_PERSON_TOKEN_TYPE

from identity import audit
from identity.grants import client_credentials, token_exchange
from identity.state import identity_state
from kit.errors import ProblemError

ANONYMOUS = "anonymous"
CLIENT_CREDENTIALS_ACTION = "token.client-credentials"
EXCHANGE_ACTION = "token.exchange"


def exchange_object_type(subject_token_type: str | None) -> str:
    return "legal-person" if subject_token_type == LEGAL_PERSON_TOKEN_TYPE else "representation"


async def _verified_subject(request: Request, token: str | None) -> str | None:
    if not token:
        return None
    try:
        return (await identity_state(request).runtime.token_verifier.verify(token)).subject
    except ProblemError:
        return None


async def refused(request: Request, grant_type: str, form: dict[str, str], error: ProblemError) -> None:
    """Record a refused client-credentials or token-exchange request (other grants: nothing)."""
    details = {"error": error.code, "detail": error.detail}
    if grant_type == client_credentials.GRANT_TYPE:
        try:
            basic = client_credentials.basic_credentials(request)
        except ProblemError:
            basic = None
        claimed = basic[0] if basic else form.get("client_id")
        actor, action, object_type, object_id = ANONYMOUS, CLIENT_CREDENTIALS_ACTION, "client", claimed
    elif grant_type == token_exchange.GRANT_TYPE:
        actor = await _verified_subject(request, form.get("actor_token")) or ANONYMOUS
        action, object_id = EXCHANGE_ACTION, form.get("subject_token")
        object_type = exchange_object_type(form.get("subject_token_type"))
    else:
        return
    await audit.record_refusal(
        identity_state(request).runtime.sessionmaker,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=(object_id or "-")[:100],
        details=details,
    )
