"""``make run``: the whole of Panjereh on one machine.

Starts PostgreSQL (embedded, data under .data/, unless DATABASE_URL is set),
migrates every service, seeds reference data, issues each feed follower's machine client
(``follows_feeds`` in the registry: ``events:read``), starts every service of the
registry (services.toml, on its port) and the gateway with uvicorn, prints the URLs, and on Ctrl-C or SIGTERM stops
everything: the children first, then PostgreSQL. ``--migrate-only`` stops
after migrating (``make migrate``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from kit.embedded_pg import create_database, embedded_server
from kit.migrations import migrate
from kit.processes import ProcessStartError, wait_healthy
from kit.registry import Service, registry

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / ".data" / "pg"
DATABASE_NAME = "panjereh"
GATEWAY_PORT = 8000
# Prometheus metrics are on a port of their own, never on the API port: 9000 for the gateway,
# 9000 + n beside a service's 8000 + n.
GATEWAY_METRICS_PORT = 9000
PR_SET_PDEATHSIG = 1


def say(message: str) -> None:
    print(f"[panjereh] {message}", flush=True)


@contextlib.contextmanager
def database() -> Iterator[str]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        say("using DATABASE_URL")
        yield configured
        return
    say(f"starting embedded PostgreSQL (data in {DATA_DIR.relative_to(ROOT)})")
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    with embedded_server(DATA_DIR) as server_url:
        yield asyncio.run(create_database(server_url, DATABASE_NAME))
    say("PostgreSQL stopped")


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if this runner dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, preexec_fn=_die_with_parent)


def seed(database_url: str) -> list[str]:
    """Run each service's ``<service>.seed.seed(settings)`` where there is one."""
    lines: list[str] = []
    for service in registry():
        try:
            module = importlib.import_module(f"{service.package}.seed")
        except ModuleNotFoundError:
            continue
        settings = importlib.import_module(f"{service.package}.config").Settings(database_url=database_url)
        lines.extend(asyncio.run(module.seed(settings)))
    return lines


FEED_SCOPES = ["events:read"]


def feed_scopes(service: Service) -> list[str]:
    """The scopes of ``service``'s feed client: ``FEED_CLIENT_SCOPES`` of its config module when
    it needs more than the feeds (notifications also reads identity's active grants), else
    ``FEED_SCOPES``."""
    config = importlib.import_module(f"{service.package}.config")
    return list(getattr(config, "FEED_CLIENT_SCOPES", FEED_SCOPES))


def feed_clients(database_url: str) -> dict[str, str]:
    """For each service with ``follows_feeds``: its machine client with ``events:read``, issued
    by the token service (a fresh secret each run) unless its variables are set already;
    answers the variables to set (``<NAME>_FEED_CLIENT_ID``, ``<NAME>_FEED_CLIENT_SECRET``)."""
    token_service = registry().token_service
    cli = importlib.import_module(f"{token_service.package}.cli")
    settings = importlib.import_module(f"{token_service.package}.config").Settings(database_url=database_url)
    variables: dict[str, str] = {}
    for service in registry().followers:
        id_variable, secret_variable = service.feed_client_variables
        if os.environ.get(id_variable) and os.environ.get(secret_variable):
            continue
        client = asyncio.run(
            cli.issue_client(
                settings,
                f"{service.name}-feeds",
                f"{service.name}: feed follower",
                feed_scopes(service),
            )
        )
        variables[id_variable], variables[secret_variable] = client["client_id"], client["client_secret"]
        scopes = " ".join(feed_scopes(service))
        say(f"{service.name} follows the feeds as the machine client {client['client_id']} ({scopes})")
    return variables


def metrics_port(service_port: int) -> int:
    return GATEWAY_METRICS_PORT + service_port - GATEWAY_PORT


def _service_line(service: Service) -> str:
    return f"{service.name:<8} {service.local_url}  (via the gateway: {service.prefix}/...; {service.description})"


def stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 10
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop in time; killing it")
            process.kill()
            process.wait()


def run_services(database_url: str, extra_env: dict[str, str]) -> int:
    env = {**os.environ, **extra_env, "DATABASE_URL": database_url}
    env.setdefault("PANJEREH_SANDBOX", "1")
    env.setdefault("GATEWAY_METRICS_PORT", str(GATEWAY_METRICS_PORT))
    for service in registry():
        env.setdefault(f"{service.name.upper()}_METRICS_PORT", str(metrics_port(service.port)))
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for service in registry().startup_order():
            processes[service.name] = start(
                service.name,
                [
                    "-m",
                    "uvicorn",
                    "--factory",
                    f"{service.package}.main:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(service.port),
                    "--no-access-log",
                    "--no-server-header",
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                ],
                env,
            )
        for service in registry().startup_order():
            wait_healthy(service.name, f"{service.local_url}/health", processes[service.name])
        processes["gateway"] = start("gateway", ["-m", "gateway"], env)
        wait_healthy("gateway", f"http://127.0.0.1:{GATEWAY_PORT}/health", processes["gateway"])
        say(f"gateway  http://127.0.0.1:{GATEWAY_PORT}")
        say(f"docs     http://127.0.0.1:{GATEWAY_PORT}/docs  (ReDoc: /redoc, OpenAPI: /openapi.json)")
        for service in registry():
            say(_service_line(service))
        say(f"metrics  http://127.0.0.1:{env['GATEWAY_METRICS_PORT']}/metrics (gateway), 9000 + n (services)")
        say("running; Ctrl-C stops everything")
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    say(f"{name} exited with code {process.returncode}; stopping everything")
                    return 1
            time.sleep(0.5)
        return 0
    except ProcessStartError as exc:
        say(str(exc))
        return 1
    finally:
        say("stopping services")
        stop_all(processes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--migrate-only", action="store_true", help="migrate every service, then stop")
    args = parser.parse_args()
    with database() as database_url:
        say("migrating " + ", ".join(registry().names))
        migrate(database_url)
        if args.migrate_only:
            return 0
        if os.environ.get("PANJEREH_SANDBOX", "1") == "1":
            say("PANJEREH_SANDBOX=1: sandbox mode (development signing-key encryption, sandbox endpoints)")
        os.environ.setdefault("PANJEREH_SANDBOX", "1")
        for line in seed(database_url):
            say(line)
        return run_services(database_url, feed_clients(database_url))


if __name__ == "__main__":
    sys.exit(main())
