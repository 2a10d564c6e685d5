"""Standard Webhooks (https://www.standardwebhooks.com): how notifications signs what it sends,
and how a receiver verifies it. Standard library only, so a receiver needs nothing else.

Each delivery carries three headers:

* ``webhook-id``: the message's ID, the same on every retry and replay (deduplicate by it);
* ``webhook-timestamp``: when this attempt was signed, in Unix seconds;
* ``webhook-signature``: space-separated ``v1,<base64>`` signatures, one per signing secret in
  use (two during a rotation): HMAC-SHA256, keyed with the base64-decoded part of the
  ``whsec_`` secret, over ``<webhook-id>.<webhook-timestamp>.<body>``.

A receiver checks one signature matches a secret it holds (in constant time) and that the
timestamp is recent (``TOLERANCE_SECONDS``), which together refuse a forged or replayed message;
it then deduplicates by ``webhook-id``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# Older or newer than this, a message is refused as a replay (the standard's five minutes).
TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(Exception):
    """The message is not one notifications signed with the secret, or is not fresh."""


def new_secret() -> str:
    """A new signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"A signing secret starts with {SECRET_PREFIX!r}.")
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``<message_id>.<timestamp>.<body>``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signature_header(secrets_in_use: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per secret in use, space-separated."""
    return " ".join(signature(secret, message_id, timestamp, body) for secret in secrets_in_use)


def signed_headers(
    secrets_in_use: Iterable[str], message_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The three headers of a delivery signed now."""
    timestamp = int(time.time() if now is None else now)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_in_use, message_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check a delivery a receiver got; answers its ``webhook-id`` or raises
    ``WebhookVerificationError``. ``headers`` may be any case-insensitive mapping (or lower-case)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    header = lowered.get("webhook-signature")
    if not message_id or not stamp or not header:
        raise WebhookVerificationError(
            "The webhook-id, webhook-timestamp or webhook-signature header is missing."
        )
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError("The webhook-timestamp is not a number.") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("The webhook-timestamp is too old or too new: refused as a replay.")
    expected = signature(secret, message_id, timestamp, body)
    for candidate in header.split(" "):
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return message_id
    raise WebhookVerificationError("No signature matches the secret.")
