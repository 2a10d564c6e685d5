"""Answers rendered once.

FastAPI validates a returned model against ``response_model`` and serialises it
again; an endpoint that builds its answer from checked data returns the bytes
itself (``model.model_dump_json()``) and keeps ``response_model`` for the docs.
On the rules lookups and the order-file reads that second pass was a tenth of
the request's CPU (bench/rules, bench/orders).
"""

from __future__ import annotations

from fastapi import Response


class JsonBytes(Response):
    """JSON already rendered to bytes."""

    media_type = "application/json"


def no_store(response: Response) -> None:
    """Forbid caching an answer that carries a secret (tokens, codes, new client secrets):
    RFC 6749 §5.1 asks it of token responses; ``Pragma`` for HTTP/1.0 caches."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
