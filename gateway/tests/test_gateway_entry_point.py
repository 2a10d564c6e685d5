"""``python -m gateway`` runs the gateway as deployed: its own process, uvloop, settings from the environment."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
from kit_testing import Running

from kit.processes import free_port
from kit.registry import registry


async def test_python_m_gateway_serves_the_services(services: dict[str, Running]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        **{registry()[name].url_variable: server.url for name, server in services.items()},
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "--port",
        url.rsplit(":", 1)[1],
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(100):
                try:
                    health = await client.get(f"{url}/health")
                    break
                except httpx.TransportError:
                    assert process.returncode is None, "python -m gateway exited"
                    await asyncio.sleep(0.1)
            assert health.status_code == 200, health.text
            for name in services:
                response = await client.get(
                    f"{url}{registry()[name].prefix}/health", headers={"X-Request-ID": f"entry-{name}"}
                )
                assert response.status_code == 200
                assert response.headers["x-request-id"] == f"entry-{name}"
                assert len(response.headers.get_list("date")) == 1  # the service's, not a second one
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
