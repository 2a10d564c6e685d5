"""One ``kit.feeds.FeedFollower`` per service of the registry with ``events = true`` (but
notifications itself), run as the service's background tasks.

They authenticate as notifications' machine client (``NOTIFICATIONS_FEED_CLIENT_ID`` and
``NOTIFICATIONS_FEED_CLIENT_SECRET``, granted ``events:read``). Without those settings the
service starts and serves its API, follows no feed, and says so once in its log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from identity_client.client import IdentityClient

from kit.app import Hook
from kit.feeds import FeedFollower
from kit.registry import registry
from kit.runtime import Runtime
from notifications.config import Settings
from notifications.db import feed_cursors, seen_events
from notifications.events.service import receiver
from notifications.feed_token import FeedToken
from notifications.visibility import GrantSource, PageGrants

if TYPE_CHECKING:
    from notifications.state import NotificationsState

logger = logging.getLogger("notifications.events")
SERVICE = "notifications"


def feeds() -> tuple[str, ...]:
    """The services whose feeds notifications follows."""
    return tuple(service.name for service in registry().publishers if service.name != SERVICE)


def feed_token(runtime: Runtime) -> FeedToken | None:
    """The feed client's token source (``events:read`` and ``grants:read``), or None without
    feed credentials."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    if not settings.feed_client_id or settings.feed_client_secret is None:
        logger.warning(
            "no feed credentials (NOTIFICATIONS_FEED_CLIENT_ID, NOTIFICATIONS_FEED_CLIENT_SECRET): "
            "following no feed, receiving no event"
        )
        return None
    return FeedToken(
        IdentityClient(settings.url_of("identity"), runtime.http),
        settings.feed_client_id,
        settings.feed_client_secret.get_secret_value(),
    )


def followers(runtime: Runtime, token: FeedToken | None) -> dict[str, FeedFollower]:
    """A follower per feed, or none without feed credentials. Each has its own ``PageGrants``:
    the grants of a page's grantors are fetched in one call before its events are handled."""
    if token is None:
        return {}
    settings = runtime.settings
    assert isinstance(settings, Settings)
    source = GrantSource(token.identity, token)
    made: dict[str, FeedFollower] = {}
    for name in feeds():
        grants = PageGrants(source)
        made[name] = FeedFollower(
            feed=name,
            url=settings.url_of(name),
            token=token,
            handler=receiver(name, grants),
            sessionmaker=runtime.sessionmaker,
            http=runtime.http,
            cursors=feed_cursors,
            seen=seen_events,
            wait_seconds=settings.feed_wait_seconds,
            prepare=grants.load,
        )
    return made


def follow(feed: str) -> Hook:
    """The background task following ``feed`` (it ends at once when there is no follower)."""

    async def run(state: NotificationsState) -> None:
        follower = state.followers.get(feed)
        if follower is not None:
            await follower.run()

    run.__qualname__ = f"follow_{feed}"
    return run


async def close_webhooks(state: NotificationsState) -> None:
    """Owns the webhook client for the service's lifetime: closes it when cancelled at shutdown."""
    try:
        await asyncio.Event().wait()
    finally:
        await state.webhooks.aclose()


async def purge_seen(state: NotificationsState) -> None:
    """Forget event IDs older than ``kit.feeds.SEEN_WINDOW`` (a periodic task)."""
    for follower in state.followers.values():
        await follower.purge_seen()
