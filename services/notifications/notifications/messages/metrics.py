"""Prometheus metrics of deliveries (served on the metrics port, kit.metrics_listener)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# outcome: delivered (2xx), retried (another attempt scheduled), failed (retries ran out),
# gone (410: the subscription was disabled), withheld (the subscriber may no longer read it),
# replayed (an operator's replay, whatever its answer).
DELIVERIES = Counter(
    "notifications_deliveries_total",
    "Webhook delivery attempts and withheld messages, by outcome",
    ["outcome"],
)
LATENCY = Histogram(
    "notifications_delivery_seconds",
    "Time from sending a webhook to its answer (or failure)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMIT_TO_DELIVERY = Histogram(
    "notifications_message_age_at_delivery_seconds",
    "Time from a message's creation to its successful delivery",
    buckets=(0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 30.0, 300.0, 3600.0, 86400.0),
)
