"""The notifications service's typed state, built once at start-up (kit.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from kit.feeds import FeedFollower
from kit.runtime import Runtime, ServiceState
from notifications.events.followers import followers
from notifications.messages.dispatcher import Delivery, Dispatcher, default_delivery


@dataclass(kw_only=True)
class NotificationsState(ServiceState):
    # A follower per service feed (notifications.events.followers); empty without credentials.
    followers: dict[str, FeedFollower]
    # Sends the webhooks (notifications.messages.dispatcher); None when the build lacks its
    # collaborators (then the delivery routes answer 503).
    dispatcher: Dispatcher | None = None


async def build(runtime: Runtime, delivery: Delivery | None = None) -> NotificationsState:
    """The state; ``delivery`` (tests) replaces the collaborators of ``default_delivery``."""
    state = NotificationsState(runtime=runtime, followers=followers(runtime))
    delivery = delivery or default_delivery(runtime)
    if delivery is not None:
        state.dispatcher = Dispatcher(state, delivery)
    return state
