"""Reference and demo data for identity, run by ``make run`` after migrating.

In the sandbox it (re)issues the sandbox admin client and returns its
credentials so a developer can get a token at once; outside it, nothing.
"""

from __future__ import annotations

from identity.cli import seed_sandbox_admin
from identity.config import Settings


async def seed(settings: Settings) -> list[str]:
    if not settings.sandbox:
        return []
    admin = await seed_sandbox_admin(settings)
    return [
        f"sandbox admin client: client_id={admin['client_id']} client_secret={admin['client_secret']}",
        "  get a token: curl -s -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials "
        "http://127.0.0.1:8000/identity/v1/token",
    ]
