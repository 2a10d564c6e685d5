"""The canonical form of a JSON document: JCS (RFC 8785).

Two bodies that differ only in key order, whitespace or number spelling
(``1.0`` and ``1``) have one canonical form. Signatures are computed over it
(``kit.signatures``) and idempotent retries are compared by it
(``kit.idempotency``), so a client that re-serialises a body between two tries
is not taken for another request.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785


class NotCanonicalisable(ValueError):
    """The bytes are not UTF-8 JSON that JCS can represent exactly."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member names")
    return dict(pairs)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_loads(raw: bytes | str) -> Any:
    """``json.loads`` refusing duplicate member names and NaN/Infinity (ambiguous to sign)."""
    return json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)


def canonical(raw: bytes) -> bytes:
    """The JCS form of the JSON document ``raw``.

    Raises ``NotCanonicalisable`` for a body that is not UTF-8 JSON, has
    duplicate member names, NaN/Infinity, or integers JCS cannot represent
    exactly (beyond ±2^53).
    """
    try:
        return rfc8785.dumps(strict_loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError, rfc8785.CanonicalizationError) as exc:
        raise NotCanonicalisable(str(exc)) from None
