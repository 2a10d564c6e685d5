"""notifications settings (prefix ``NOTIFICATIONS_``)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings

# The scopes of the feed client (`make run` issues it with these; deploy/README.md): every
# service's feed, and identity's active representation grants (who may receive an event).
FEED_CLIENT_SCOPES = ("events:read", "grants:read")


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", populate_by_name=True)

    service_name: str = "notifications"
    # The machine client, granted FEED_CLIENT_SCOPES, that follows every service's feed
    # (`make run` creates it; on the cluster, the notifications-feed-client Secret).
    # Without them the service follows no feed.
    feed_client_id: str | None = None
    feed_client_secret: SecretStr | None = None
    # How long each feed may hold a follower's request open when nothing is new (long-poll,
    # kit.feeds); an event committed meanwhile arrives within milliseconds.
    feed_wait_seconds: int = 20
