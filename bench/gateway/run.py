"""Gateway overhead on a database-backed, token-verified read: direct vs through the gateway.

    .venv/bin/python bench/gateway/run.py [--duration 10] [--gateway-workers N]

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
1: targets missed; 2: the benchmark could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from identity.cli import _create_client
from identity.config import Settings as IdentitySettings
from kit.embedded_pg import create_database, drop_database, embedded_server, fresh_database_name
from kit.processes import ProcessStartError, free_port, wait_healthy
from kit.testing import migrate

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RESULTS = REPO / "bench" / "results"
LUA = HERE / "report.lua"
MIN_RATIO = 0.7
MAX_ADDED_P50_MS = 1.0
CONNECTIONS = (1, 50)
WARMUP_SECONDS = 3


class BenchError(Exception):
    """The benchmark could not run."""


@dataclass
class Result:
    target: str
    connections: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    identity_cpu_us: float = 0.0  # CPU per request, user + system
    gateway_cpu_us: float = 0.0


def say(message: str) -> None:
    print(message, flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        raise BenchError("wrk is not installed and there is no sudo: install it with `apt-get install wrk`")
    say("wrk is not installed: installing it with apt-get (Debian package wrk)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, "apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        say("apt-get install failed; running apt-get update and trying again")
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, check=False)
        subprocess.run(install, env=env, check=False)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("could not install wrk")
    return found


def wait_until_ok(name: str, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    try:
        wait_healthy(name, url, process, timeout=30)
    except ProcessStartError as exc:
        raise BenchError(f"{exc}; see {log}") from exc


def start(
    stack: contextlib.ExitStack, name: str, args: list[str], env: dict[str, str], logs: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    log = logs / f"{name}.log"
    out = stack.enter_context(log.open("wb"))
    process = subprocess.Popen(
        [sys.executable, *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO
    )

    def stop() -> None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    stack.callback(stop)
    return process, log


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the gateway's workers), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(wrk: str, url: str, token: str, connections: int, seconds: int, target: str) -> Result:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url]
    done = subprocess.run(
        command, env={**os.environ, "BENCH_TOKEN": token}, capture_output=True, text=True, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    return Result(
        target=target,
        connections=connections,
        requests=raw["requests"],
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        non_2xx=raw["non_2xx"],
        socket_errors=raw["socket_errors"],
    )


def combine(runs: list[Result]) -> Result:
    """Two runs of one target as one: means, the worse p99, summed errors."""
    requests = sum(r.requests for r in runs)
    return Result(
        target=runs[0].target,
        connections=runs[0].connections,
        requests=requests,
        rps=sum(r.rps for r in runs) / len(runs),
        p50_ms=sum(r.p50_ms for r in runs) / len(runs),
        p99_ms=max(r.p99_ms for r in runs),
        non_2xx=sum(r.non_2xx for r in runs),
        socket_errors=sum(r.socket_errors for r in runs),
        identity_cpu_us=sum(r.identity_cpu_us * r.requests for r in runs) / requests,
        gateway_cpu_us=sum(r.gateway_cpu_us * r.requests for r in runs) / requests,
    )


def measure(database_url: str, *, duration: int, gateway_workers: int, logs: Path) -> list[Result]:
    wrk = ensure_wrk()
    identity_port, gateway_port = free_port(), free_port()
    kek = base64.b64encode(os.urandom(32)).decode()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "IDENTITY_KEY_ENCRYPTION_KEY": kek,
        "IDENTITY_ACCESS_TOKEN_TTL_SECONDS": "3600",
        "PANJEREH_SANDBOX": "0",
    }
    identity_url = f"http://127.0.0.1:{identity_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    with contextlib.ExitStack() as stack:
        uvicorn_args = [
            "--factory",
            "--host",
            "127.0.0.1",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ]
        identity, identity_log = start(
            stack,
            "identity",
            [
                "-m",
                "uvicorn",
                "identity.main:create_app",
                *uvicorn_args,
                "--port",
                str(identity_port),
                "--workers",
                "1",
            ],
            env,
            logs,
        )
        wait_until_ok("identity", f"{identity_url}/health", identity, identity_log)
        gateway_env = {
            **env,
            "GATEWAY_IDENTITY_URL": identity_url,
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
                IdentitySettings(database_url=database_url, key_encryption_key=kek), "bench admin", ["admin"]
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
            "direct": f"{identity_url}/v1/clients/{admin['client_id']}",
            "gateway": f"{gateway_url}/identity/v1/clients/{admin['client_id']}",
        }
        for name, url in targets.items():
            check = httpx.get(url, headers={"Authorization": f"Bearer {bearer}"})
            if check.status_code != 200:
                raise BenchError(f"{name} {url}: {check.status_code} {check.text[:200]}")

        say(f"warming up ({WARMUP_SECONDS} s each)")
        for name, url in targets.items():
            run_wrk(wrk, url, bearer, 50, WARMUP_SECONDS, name)
        results = []
        for connections in CONNECTIONS:
            runs: dict[str, list[Result]] = {"direct": [], "gateway": []}
            for name in (
                "direct",
                "gateway",
                "gateway",
                "direct",
            ):  # ABBA: cancels a drifting background load
                say(f"measuring {name} at {connections} connection(s) for {duration} s")
                before = cpu_seconds(identity.pid), cpu_seconds(gateway.pid)
                result = run_wrk(wrk, targets[name], bearer, connections, duration, name)
                after = cpu_seconds(identity.pid), cpu_seconds(gateway.pid)
                result.identity_cpu_us = (after[0] - before[0]) / result.requests * 1e6
                result.gateway_cpu_us = (after[1] - before[1]) / result.requests * 1e6
                runs[name].append(result)
            results += [combine(runs["direct"]), combine(runs["gateway"])]
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
            cpu = f"identity {r.identity_cpu_us:.0f}" + (
                f", gateway {r.gateway_cpu_us:.0f}" if target == "gateway" else ""
            )
            errors = r.non_2xx + r.socket_errors
            say(
                f"{connections:>5}  {target:<8} {r.rps:>7.0f} {r.p50_ms:>7.2f} {r.p99_ms:>7.2f} {errors:>6}  {cpu}"
            )
            passed &= errors == 0
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
    if any(r.non_2xx or r.socket_errors for r in results):
        say("FAIL: some requests failed (non-2xx or socket errors)")
    say(f"RESULT: {'PASS' if passed else 'FAIL'}")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--gateway-workers", type=int, default=1, help="gateway processes (default 1)")
    args = parser.parse_args(argv)
    logs = Path(tempfile.mkdtemp(prefix="panjereh-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            server_url = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_server())
            name = fresh_database_name("panjereh_bench")
            database_url = asyncio.run(create_database(server_url, name))
            stack.callback(lambda: asyncio.run(drop_database(server_url, name)))
            migrate(database_url)
            results = measure(
                database_url, duration=args.duration, gateway_workers=args.gateway_workers, logs=logs
            )
    except BenchError as exc:
        say(f"ERROR: {exc}")
        return 2
    passed = report(results, args.gateway_workers)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"gateway-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "passed": passed,
                "gateway_workers": args.gateway_workers,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
        + "\n"
    )
    say(f"saved {out.relative_to(REPO)}; process logs in {logs}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
