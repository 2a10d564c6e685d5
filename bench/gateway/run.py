"""Gateway overhead on a database-backed, token-verified read: direct vs through the gateway.

    .venv/bin/python bench/gateway/run.py [--duration 10] [--gateway-workers N] [--smoke]

Starts PostgreSQL (embedded, unless DATABASE_URL is set) with a fresh migrated
database, identity (uvicorn, 1 worker) and the gateway as subprocesses on free
ports, creates an admin client and gets its token, then measures
``GET /v1/clients/{id}`` with the bearer token directly against identity and
``GET /identity/v1/clients/{id}`` through the gateway, in the same run, at 1
and at 50 connections, with wrk: direct, gateway, gateway, direct for
``--duration`` seconds each (the ABBA order cancels a background load that
drifts; the two runs of a target are averaged). It also reports the CPU each
process spent per request. The gateway's rate limiter runs on every request,
with a limit the load never reaches.

Targets: through the gateway >= 0.7x the direct requests/s (both connection
counts) and <= 1 ms added p50 at 1 connection. Exit status 0: targets met;
1: targets missed; 2: the benchmark could not run. ``--smoke``: 2 s per
measurement, targets not judged (0 unless it could not run or an answer was not 2xx).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for wrklib

from wrklib import (
    REPO,
    SMOKE_SECONDS,
    WARMUP_SECONDS,
    BenchError,
    Result,
    Target,
    add_smoke_option,
    ensure_wrk,
    measure_abba,
    migrated_database,
    save,
    say,
    smoke_outcome,
    start,
    start_uvicorn,
    wait_until_ok,
    warm_up,
)

from identity.cli import _create_client
from identity.config import Settings as IdentitySettings
from kit.processes import free_port

MIN_RATIO = 0.7
MAX_ADDED_P50_MS = 1.0
CONNECTIONS = (1, 50)


def measure(
    database_url: str, *, duration: int, warmup: int, gateway_workers: int, logs: Path
) -> list[Result]:
    wrk = ensure_wrk()
    identity_port, gateway_port = free_port(), free_port()
    kek = base64.b64encode(os.urandom(32)).decode()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "IDENTITY_KEY_ENCRYPTION_KEY": kek,
        "IDENTITY_ACCESS_TOKEN_TTL_SECONDS": "3600",
        # Outside the sandbox identity starts only with a named ownership adapter; the
        # sandbox one answers locally (as the tests' settings do).
        "IDENTITY_OWNERSHIP_ADAPTER": "sandbox",
        "PANJEREH_SANDBOX": "0",
    }
    identity_url = f"http://127.0.0.1:{identity_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    with contextlib.ExitStack() as stack:
        identity, identity_log = start_uvicorn(
            stack, "identity", "identity.main:create_app", identity_port, env, logs
        )
        wait_until_ok("identity", f"{identity_url}/health", identity, identity_log)
        gateway_env = {
            **env,
            "IDENTITY_URL": identity_url,
            "GATEWAY_RATE_LIMIT": "1000000000/minute",
        }
        gateway, gateway_log = start(
            stack,
            "gateway",
            ["-m", "gateway", "--port", str(gateway_port), "--workers", str(gateway_workers)],
            gateway_env,
            logs,
        )
        wait_until_ok("gateway", f"{gateway_url}/identity/health", gateway, gateway_log)

        admin = asyncio.run(
            _create_client(
                IdentitySettings(
                    database_url=database_url, key_encryption_key=kek, ownership_adapter="sandbox"
                ),
                "bench admin",
                ["admin"],
            )
        )
        token = httpx.post(
            f"{identity_url}/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(admin["client_id"], admin["client_secret"]),
        )
        if token.status_code != 200:
            raise BenchError(f"no token: {token.status_code} {token.text}")
        bearer = token.json()["access_token"]
        targets = {
            "direct": Target(f"{identity_url}/v1/clients/{admin['client_id']}", token=bearer),
            "gateway": Target(f"{gateway_url}/identity/v1/clients/{admin['client_id']}", token=bearer),
        }
        for name, target in targets.items():
            check = httpx.get(target.url, headers={"Authorization": f"Bearer {bearer}"})
            if check.status_code != 200:
                raise BenchError(f"{name} {target.url}: {check.status_code} {check.text[:200]}")

        warm_up(wrk, targets, warmup)
        processes = {"identity": identity.pid, "gateway": gateway.pid}
        results = []
        for connections in CONNECTIONS:
            results += measure_abba(
                wrk, targets, connections=connections, duration=duration, processes=processes
            )
        return results


def report(results: list[Result], gateway_workers: int) -> bool:
    by = {(r.target, r.connections): r for r in results}
    say("")
    say(
        f"GET /v1/clients/{{id}} (PostgreSQL read + ES256 token); identity 1 worker, gateway {gateway_workers}"
    )
    say(f"{'conns':>5}  {'target':<8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}  CPU us/request")
    passed = True
    for connections in CONNECTIONS:
        for target in ("direct", "gateway"):
            r = by[(target, connections)]
            cpu = f"identity {r.cpu_us['identity']:.0f}" + (
                f", gateway {r.cpu_us['gateway']:.0f}" if target == "gateway" else ""
            )
            say(
                f"{connections:>5}  {target:<8} {r.rps:>7.0f} {r.p50_ms:>7.2f} {r.p99_ms:>7.2f} {r.errors:>6}  {cpu}"
            )
            passed &= r.errors == 0
        direct, gateway = by[("direct", connections)], by[("gateway", connections)]
        ratio = gateway.rps / direct.rps
        added = gateway.p50_ms - direct.p50_ms
        ok_ratio = ratio >= MIN_RATIO
        line = f"       throughput gateway/direct {ratio:.2f}x (target >= {MIN_RATIO}x: {'PASS' if ok_ratio else 'FAIL'})"
        line += f", added p50 {added:+.2f} ms"
        if connections == 1:
            ok_added = added <= MAX_ADDED_P50_MS
            line += f" (target <= {MAX_ADDED_P50_MS:g} ms: {'PASS' if ok_added else 'FAIL'})"
            passed &= ok_added
        passed &= ok_ratio
        say(line)
    if any(r.errors for r in results):
        say("FAIL: some requests failed (non-2xx or socket errors)")
    say(f"RESULT: {'PASS' if passed else 'FAIL'}")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--gateway-workers", type=int, default=1, help="gateway processes (default 1)")
    add_smoke_option(parser)
    args = parser.parse_args(argv)
    duration, warmup = (SMOKE_SECONDS, SMOKE_SECONDS) if args.smoke else (args.duration, WARMUP_SECONDS)
    logs = Path(tempfile.mkdtemp(prefix="panjereh-bench-"))
    try:
        with migrated_database("panjereh_bench") as database_url:
            results = measure(
                database_url,
                duration=duration,
                warmup=warmup,
                gateway_workers=args.gateway_workers,
                logs=logs,
            )
    except BenchError as exc:
        say(f"ERROR: {exc}")
        return 2
    passed = report(results, args.gateway_workers)
    if args.smoke:
        return smoke_outcome(results)
    out = save(
        "gateway",
        {
            "passed": passed,
            "gateway_workers": args.gateway_workers,
            "results": [r.as_json() for r in results],
        },
    )
    say(f"saved {out.relative_to(REPO)}; process logs in {logs}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
