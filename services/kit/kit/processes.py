"""Starting local processes: free ports and waiting for health (make run, benchmarks, tests)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time

import httpx


class ProcessStartError(RuntimeError):
    """A process exited, or never answered its health URL, while starting."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(name: str, url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Return once ``url`` answers 200; raise if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProcessStartError(f"{name} exited with code {process.returncode} while starting")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise ProcessStartError(f"{name} did not become healthy at {url} within {timeout:g} s")
