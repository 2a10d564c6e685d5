"""Machine-client secrets.

Secrets are 256-bit random values the system generates (never chosen by a
person), so a fast SHA-256 digest is as strong as a slow password
hash here, and keeps the token endpoint cheap to call and hard to DoS.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _secrets

SECRET_PREFIX = "pjs_"


def new_client_id(name: str) -> str:
    """An ASCII ID from the name (a Persian name gives ``client-…``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "client"
    return f"{slug}-{_secrets.token_hex(4)}"


def new_secret() -> str:
    return SECRET_PREFIX + _secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored)
