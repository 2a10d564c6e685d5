"""The notifications service's typed state, built once at start-up (kit.runtime)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from kit.feeds import FeedFollower
from kit.runtime import Runtime, ServiceState
from notifications.events.followers import feed_token, followers
from notifications.messages.dispatcher import Delivery, Dispatcher, default_delivery
from notifications.visibility import GrantSource
from notifications.webhooks.transport import webhook_client


@dataclass(kw_only=True)
class NotificationsState(ServiceState):
    # A follower per service feed (notifications.events.followers); empty without credentials.
    followers: dict[str, FeedFollower]
    # identity's active grants, asked with the feed client's token (grants:read); None without
    # feed credentials, when nothing is received and ``still_visible`` fails closed.
    grants: GrantSource | None
    # The client for subscribers' webhook URLs (the challenge), SSRF-guarded at each connection
    # (notifications.webhooks.transport); closed at shutdown (``close_webhooks``).
    webhooks: httpx.AsyncClient
    # Sends the webhooks (notifications.messages.dispatcher); made with the state, which it holds.
    dispatcher: Dispatcher = field(init=False)


async def build(runtime: Runtime, delivery: Delivery | None = None) -> NotificationsState:
    """The state; ``delivery`` (tests) replaces the dispatcher's collaborators."""
    token = feed_token(runtime)
    state = NotificationsState(
        runtime=runtime,
        followers=followers(runtime, token),
        grants=GrantSource(token.identity, token) if token is not None else None,
        webhooks=webhook_client(sandbox=runtime.settings.sandbox),
    )
    state.dispatcher = Dispatcher(state, delivery or default_delivery(runtime))
    return state
