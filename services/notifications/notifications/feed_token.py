"""The access token notifications' followers show every feed: its own machine client's, with
``events:read``, by the client-credentials grant at identity, fetched again before it expires."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from identity_client.client import IdentityClient

# Fetch a new token this long before the current one expires (at most half its lifetime).
REFRESH_MARGIN_SECONDS = 60.0


@dataclass
class FeedToken:
    """A ``kit.feeds.TokenSource``: one token shared by every follower, cached until shortly
    before it expires."""

    identity: IdentityClient
    client_id: str
    client_secret: str
    _token: str | None = None
    _fresh_until: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def __call__(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._fresh_until:
                answer = await self.identity.client_credentials_token(self.client_id, self.client_secret)
                margin = min(REFRESH_MARGIN_SECONDS, answer.expires_in / 2)
                self._token = answer.access_token
                self._fresh_until = time.monotonic() + answer.expires_in - margin
            return self._token
