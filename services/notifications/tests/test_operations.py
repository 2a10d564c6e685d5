"""notifications starts on its migrated schema, answers health and readiness, and documents itself."""

from __future__ import annotations

import httpx

from notifications.main import create_app


async def test_health_and_readiness(notifications_api: httpx.AsyncClient) -> None:
    assert (await notifications_api.get("/health")).status_code == 200
    assert (await notifications_api.get("/ready")).status_code == 200, "the schema is at the migration head"


def test_the_openapi_document_builds() -> None:
    document = create_app().openapi()
    assert document["info"]["title"] == "Panjereh notifications"
    assert {"/health", "/ready"} <= set(document["paths"])
