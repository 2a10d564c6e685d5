"""How tokens name parties: ``user:<uuid>`` for natural persons, ``legal:<uuid>`` for legal ones.

Machine clients are ``client:<client_id>`` (identity.clients). Other services keep
these strings as owner IDs; they never see national codes in a token.
"""

from __future__ import annotations

import uuid

from identity.accounts.models import Party

NATURAL_PREFIX = "user:"
LEGAL_PREFIX = "legal:"


def subject_of(party: Party) -> str:
    return (NATURAL_PREFIX if party.kind == "natural" else LEGAL_PREFIX) + str(party.id)


def party_id_of(subject: str) -> uuid.UUID | None:
    """The party ID in a ``user:``/``legal:`` subject, or None for anything else."""
    for prefix in (NATURAL_PREFIX, LEGAL_PREFIX):
        if subject.startswith(prefix):
            try:
                return uuid.UUID(subject[len(prefix) :])
            except ValueError:
                return None
    return None
