"""Per-client rate limits with the ``limits`` library: who a request counts against, and how much is left.

The key is the verified token's principal (``Principal.rate_limit_key``: the
acting agent, else the subject), else the client address. Only an identity the
gateway has verified (the bearer token's signature against identity's JWKS) may
name a bucket: HTTP Basic credentials on ``/identity/v1/token`` are not checked
here, so keying on their client_id let a wrong secret drain a real client's
quota and a fresh client_id per request open a fresh bucket; they count against
the address. The verifier caches verified tokens, so a key costs a hash and a
dictionary look-up; an invalid token counts against the address. In memory by default (per process: with several workers each has its
own counters), in Redis when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import limits
from jose.exceptions import JOSEError
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import STRATEGIES
from limits.errors import StorageError
from limits.storage import storage_from_string

from kit.auth import TokenVerifier
from kit.errors import ProblemError

logger = logging.getLogger("gateway.rate_limit")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The RateLimit-* headers (IETF draft), on every answer."""
        return [
            (b"ratelimit-limit", b"%d" % self.limit),
            (b"ratelimit-remaining", b"%d" % self.remaining),
            (b"ratelimit-reset", b"%d" % self.reset_seconds),
        ]


def _storage(redis_url: str | None, key_prefix: str) -> Storage:
    if not redis_url:
        return MemoryStorage()
    uri = redis_url if redis_url.startswith("async+") else "async+" + redis_url
    storage = storage_from_string(uri, wrap_exceptions=True, key_prefix=key_prefix)
    assert isinstance(storage, Storage)
    return storage


class RateLimiter:
    """One limit (e.g. ``600/minute``) applied to each key separately."""

    def __init__(
        self,
        limit: str,
        *,
        strategy: str = "fixed-window",
        redis_url: str | None = None,
        key_prefix: str = "panjereh",
    ) -> None:
        self.item = limits.parse(limit)
        self._strategy = STRATEGIES[strategy](_storage(redis_url, key_prefix))

    async def hit(self, key: str) -> Decision | None:
        """Count one request against ``key``; ``None`` when the limiter fails: the request goes through,
        a broken rate limiter must not take the API down with it."""
        item = self.item
        try:
            allowed = await self._strategy.hit(item, key)
            stats = await self._strategy.get_window_stats(item, key)
        except StorageError as exc:
            logger.warning("rate-limit storage unavailable, letting the request through: %s", exc)
            return None
        except Exception:
            logger.exception("rate limiter failed, letting the request through")
            return None
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed, item.amount, stats.remaining, reset)


class ClientKeys:
    """Derives the rate-limit key of a request."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def key(self, authorization: bytes | None, client_ip: str) -> str:
        if authorization:
            scheme, _, credentials = authorization.partition(b" ")
            if scheme.lower() == b"bearer" and credentials:
                try:
                    principal = await self._verifier.verify(credentials.strip().decode("latin-1"))
                except (ProblemError, JOSEError):
                    pass  # not a token we issued: count it against the address
                except Exception:
                    logger.exception("token verification failed; counting the request against its address")
                else:
                    return "sub:" + principal.rate_limit_key
        return "ip:" + client_ip
