"""What every wrk benchmark under bench/ shares.

A benchmark is ``bench/<name>/run.py``; it puts ``bench/`` on ``sys.path``
and imports this module, so it runs as ``python bench/<name>/run.py`` and
from ``bench/run_all.py`` alike. Here: installing wrk, a fresh migrated
database, starting the servers as subprocesses with their logs, running wrk
(``report.lua`` prints one ``BENCH_RESULT`` JSON line; it can send a bearer
token and POST a JSON body), the CPU a process spent, ABBA-ordered
measurement and saving the results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kit.embedded_pg import create_database, drop_database, embedded_server, fresh_database_name
from kit.migrations import migrate
from kit.processes import ProcessStartError, wait_healthy

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
LUA = BENCH / "report.lua"
WARMUP_SECONDS = 3
SMOKE_SECONDS = 2  # per measurement and warm-up with --smoke (in 1 s a loaded machine finished none)
# Five servers importing at once on two busy cores took over 30 s to answer /health.
START_TIMEOUT_SECONDS = 120
# How every service is served in production, one worker per process.
UVICORN_ARGS = ["--host", "127.0.0.1", "--no-access-log", "--loop", "uvloop", "--http", "httptools"]


class BenchError(Exception):
    """The benchmark could not run."""


@dataclass(frozen=True)
class Target:
    """One request wrk sends over and over."""

    url: str
    method: str = "GET"
    body: str | None = None  # sent as application/json
    token: str | None = None  # sent as a bearer token


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
    cpu_us: dict[str, float] = field(default_factory=dict)  # process -> CPU per request, user + system
    p99_runs_ms: list[float] = field(default_factory=list)  # each run's p99, when runs were combined

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors

    def as_json(self) -> dict[str, Any]:
        """Flat: the CPU of process ``x`` is ``x_cpu_us``."""
        flat = asdict(self)
        del flat["cpu_us"]
        flat.update({f"{name}_cpu_us": us for name, us in self.cpu_us.items()})
        return flat


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


@contextlib.contextmanager
def migrated_database(prefix: str) -> Iterator[str]:
    """A fresh database migrated to head, on the server DATABASE_URL names or on
    an embedded one; dropped (and the embedded server stopped) on exit."""
    with contextlib.ExitStack() as stack:
        server_url = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_server())
        name = fresh_database_name(prefix)
        database_url = asyncio.run(create_database(server_url, name))
        stack.callback(lambda: asyncio.run(drop_database(server_url, name)))
        migrate(database_url)
        yield database_url


def start(
    stack: contextlib.ExitStack,
    name: str,
    args: list[str],
    env: dict[str, str],
    logs: Path,
    cwd: Path = REPO,
) -> tuple[subprocess.Popen[bytes], Path]:
    """``python *args`` with its output in ``logs/<name>.log``; stopped when ``stack`` closes."""
    log = logs / f"{name}.log"
    out = stack.enter_context(log.open("wb"))
    process = subprocess.Popen(
        [sys.executable, *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd
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


def start_uvicorn(
    stack: contextlib.ExitStack,
    name: str,
    factory: str,
    port: int,
    env: dict[str, str],
    logs: Path,
    app_dir: Path | None = None,
) -> tuple[subprocess.Popen[bytes], Path]:
    """``uvicorn --factory <factory>`` with UVICORN_ARGS and 1 worker."""
    extra = ["--app-dir", str(app_dir)] if app_dir else []
    args = ["-m", "uvicorn", factory, "--factory", *UVICORN_ARGS, "--port", str(port), "--workers", "1"]
    return start(stack, name, [*args, *extra], env, logs)


def wait_until_ok(name: str, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    try:
        wait_healthy(name, url, process, timeout=START_TIMEOUT_SECONDS)
    except ProcessStartError as exc:
        raise BenchError(f"{exc}; see {log}") from exc


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (a server's workers), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(wrk: str, target: Target, connections: int, seconds: int, name: str) -> Result:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), target.url]
    env = {
        **os.environ,
        "BENCH_TOKEN": target.token or "",
        "BENCH_METHOD": target.method,
        "BENCH_BODY": target.body or "",
    }
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    return Result(
        target=name,
        connections=connections,
        requests=raw["requests"],
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        non_2xx=raw["non_2xx"],
        socket_errors=raw["socket_errors"],
    )


def combine(runs: list[Result]) -> Result:
    """Runs of one target as one: means, the worse p99 (each run's kept), summed errors, CPU
    weighted by requests."""
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
        cpu_us={
            process: sum(r.cpu_us[process] * r.requests for r in runs) / requests
            for process in runs[0].cpu_us
        },
        p99_runs_ms=[r.p99_ms for r in runs],
    )


def abba(names: Sequence[str]) -> list[str]:
    """A, B, ..., B, A: a background load that drifts linearly cancels out of the means."""
    return [*names, *reversed(names)]


def measure_abba(
    wrk: str,
    targets: dict[str, Target],
    *,
    connections: int,
    duration: int,
    processes: dict[str, int],
    rounds: int = 1,
) -> list[Result]:
    """Each target twice in ABBA order (``rounds`` times over); one combined Result per
    target, in the order of ``targets``, with the CPU per request of each of ``processes``
    (name -> pid)."""
    runs: dict[str, list[Result]] = {name: [] for name in targets}
    for name in abba(list(targets)) * rounds:
        say(f"measuring {name} at {connections} connection(s) for {duration} s")
        before = {process: cpu_seconds(pid) for process, pid in processes.items()}
        result = run_wrk(wrk, targets[name], connections, duration, name)
        after = {process: cpu_seconds(pid) for process, pid in processes.items()}
        if result.requests == 0:
            raise BenchError(f"{name}: wrk completed no request")
        result.cpu_us = {
            process: (after[process] - before[process]) / result.requests * 1e6 for process in processes
        }
        runs[name].append(result)
    return [combine(runs[name]) for name in targets]


def add_smoke_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"start everything and measure each target for {SMOKE_SECONDS} s: the figures are shown, "
        "the targets not judged; exit 0 unless the benchmark could not run or a request got no 2xx",
    )


def smoke_outcome(results: Sequence[Result]) -> int:
    """The exit status of a --smoke run that measured ``results``: 2 when a target answered
    other than 2xx or not at all. Socket errors (timeouts of an overloaded machine) are shown,
    not fatal: the run is too short to judge them."""
    failed = [f"{r.target}@{r.connections}" for r in results if r.non_2xx or not r.requests]
    if failed:
        say(f"SMOKE: ERROR: non-2xx answers at {', '.join(failed)}")
        return 2
    timeouts = sum(r.socket_errors for r in results)
    say(f"SMOKE: ran, every answer 2xx ({timeouts} socket errors or timeouts); targets not judged")
    return 0


def warm_up(wrk: str, targets: dict[str, Target], seconds: int = WARMUP_SECONDS) -> None:
    say(f"warming up ({seconds} s each)")
    for name, target in targets.items():
        run_wrk(wrk, target, 50, seconds, name)


def save(name: str, document: dict[str, Any]) -> Path:
    """``bench/results/<name>-<timestamp>.json``; returns the path."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return out
