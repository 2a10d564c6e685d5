"""/docs and /redoc render from assets the gateway serves itself: nothing comes from the network."""

from __future__ import annotations

import re

import httpx
import pytest
from kit_testing import Running

_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_page_uses_only_local_assets(
    gateway: Running, client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(gateway.url + page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assets = _ASSET.findall(html)
    assert assets, "the page loads its JS"
    assert [a for a in assets if re.match(r"^(https?:)?//", a)] == []
    assert "googleapis" not in html
    assert "cdn." not in html
    assert "/openapi.json" in html

    for asset in assets:
        fetched = await client.get(gateway.url + asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 100, asset


async def test_swagger_ui_does_not_call_the_online_validator(
    gateway: Running, client: httpx.AsyncClient
) -> None:
    html = (await client.get(f"{gateway.url}/docs")).text
    assert '"validatorUrl": null' in html


async def test_the_oauth2_redirect_page(gateway: Running, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{gateway.url}/docs/oauth2-redirect")
    assert response.status_code == 200
