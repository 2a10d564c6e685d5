"""The notifications service's typed state, built once at start-up (kit.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from kit.feeds import FeedFollower
from kit.runtime import Runtime, ServiceState
from notifications.events.followers import followers


@dataclass(kw_only=True)
class NotificationsState(ServiceState):
    # A follower per service feed (notifications.events.followers); empty without credentials.
    followers: dict[str, FeedFollower]


async def build(runtime: Runtime) -> NotificationsState:
    return NotificationsState(runtime=runtime, followers=followers(runtime))
