"""The followers' token: fetched once, shared, and fetched again before it expires."""

from __future__ import annotations

import asyncio

import pytest
from identity_client.models import TokenResponse

from notifications import feed_token
from notifications.feed_token import FeedToken


class _Identity:
    """Answers the client-credentials grant with numbered tokens."""

    def __init__(self, expires_in: int) -> None:
        self.expires_in = expires_in
        self.calls: list[tuple[str, str]] = []

    async def client_credentials_token(self, client_id: str, client_secret: str) -> TokenResponse:
        self.calls.append((client_id, client_secret))
        return TokenResponse(access_token=f"token-{len(self.calls)}", expires_in=self.expires_in)


async def test_one_token_is_shared_until_shortly_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    identity = _Identity(expires_in=900)
    token = FeedToken(identity, "client-1", "secret")  # type: ignore[arg-type]
    now = 1000.0
    monkeypatch.setattr(feed_token.time, "monotonic", lambda: now)
    assert await asyncio.gather(token(), token(), token()) == ["token-1"] * 3
    now += 900 - feed_token.REFRESH_MARGIN_SECONDS - 1
    assert await token() == "token-1"
    now += 1
    assert await token() == "token-2"
    assert identity.calls == [("client-1", "secret")] * 2


async def test_a_short_lived_token_is_renewed_at_half_its_life(monkeypatch: pytest.MonkeyPatch) -> None:
    identity = _Identity(expires_in=60)
    token = FeedToken(identity, "client-1", "secret")  # type: ignore[arg-type]
    now = 0.0
    monkeypatch.setattr(feed_token.time, "monotonic", lambda: now)
    await token()
    now = 29.9
    assert await token() == "token-1"
    now = 30.0
    assert await token() == "token-2"
