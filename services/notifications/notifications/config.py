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

    # Deliveries (notifications.messages.dispatcher). Off, the service still fills boxes and
    # serves them, and sends nothing (tests that do not exercise deliveries turn it off).
    deliver: bool = True
    # How often the scheduler looks for due messages when nothing woke it (seconds); the due
    # query is one range scan of the partial index ix_messages_due.
    delivery_poll_seconds: float = 0.05
    # At most this many subscriptions delivering at once (one worker each) ...
    delivery_max_workers: int = 200
    # ... and at most this many messages (of distinct objects) in flight per subscription.
    delivery_batch_size: int = 20
    # A webhook must accept the connection and answer within these (seconds).
    delivery_connect_timeout_seconds: float = 2.0
    delivery_timeout_seconds: float = 5.0
    # A worker reads its subscription's URL and signing secrets again once they are this old (the
    # claim itself checks, every time, that the subscription is still active with a webhook).
    delivery_endpoint_cache_seconds: float = 1.0
    # A claimed message is leased for this long: another instance (or this one after a restart)
    # takes it again only once the lease runs out (at-least-once, never two at a time).
    delivery_lease_seconds: float = 60.0
    # Retries: exponential backoff with full jitter, the n-th retry waiting up to
    # min(cap, first * 2**(n-1)); Retry-After (429, 503) is honoured up to its own cap.
    retry_first_seconds: float = 5.0
    retry_cap_seconds: float = 3600.0
    retry_after_cap_seconds: float = 3600.0
    # A message not delivered this long after it was made is failed.
    retry_for_seconds: float = 3 * 24 * 3600.0
    # At most this many messages in one replay of a time range.
    replay_max_messages: int = 1000
    # Attempts, and messages no longer pending, older than this are deleted (a periodic task).
    retention_days: int = 30
