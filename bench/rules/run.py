"""Rules service throughput against a FastAPI hello endpoint, in the same run.

    .venv/bin/python bench/rules/run.py [--duration 10] [--smoke]

Starts PostgreSQL (embedded, unless DATABASE_URL is set) with a fresh migrated
database, the rules service and, as the baseline, a minimal FastAPI app with
one ``GET /hello`` (bench/rules/hello.py), both served the same way: uvicorn,
1 worker, uvloop and httptools, no uvicorn access log; the service runs with
``LOG_LEVEL=INFO`` as deployed, so it writes its JSON access line per request.
Then it measures, at 1 and at 50 connections, with wrk:

- hello: ``GET /hello``
- lookup: ``GET /v1/rules/cal-109-late-exit-fine?at=2019-01-01``
- calculation: ``POST /v1/calculations/late-exit-fine`` with a 40-day delay
  that runs across the 2018-07-22 amendment

in the order hello, lookup, calculation, calculation, lookup, hello for
``--duration`` seconds each (ABBA: a drifting background load cancels out; the
two runs of a target are averaged), with the CPU the serving process spent per
request.

Target: lookup and calculation each >= 0.5x the hello requests/s, at both
connection counts, with no failed request. Exit status 0: targets met;
1: targets missed; 2: the benchmark could not run. ``--smoke``: 2 s per
measurement, targets not judged (0 unless it could not run or an answer was not 2xx).
"""

from __future__ import annotations

import argparse
import contextlib
import json
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
    start_uvicorn,
    wait_until_ok,
    warm_up,
)

from kit.processes import free_port

HERE = Path(__file__).resolve().parent
MIN_RATIO = 0.5
CONNECTIONS = (1, 50)
LOOKUP_PATH = "/v1/rules/cal-109-late-exit-fine?at=2019-01-01"
CALCULATION_PATH = "/v1/calculations/late-exit-fine"
CALCULATION_BODY = {"due_date": "2018-07-01", "exit_date": "2018-08-10"}
TARGETS = ("hello", "lookup", "calculation")
MEASURED = ("lookup", "calculation")


def measure(database_url: str, *, duration: int, warmup: int, logs: Path) -> list[Result]:
    wrk = ensure_wrk()
    rules_port, hello_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "INFO", "PANJEREH_SANDBOX": "0"}
    rules_url = f"http://127.0.0.1:{rules_port}"
    hello_url = f"http://127.0.0.1:{hello_port}"
    with contextlib.ExitStack() as stack:
        rules, rules_log = start_uvicorn(stack, "rules", "rules.main:create_app", rules_port, env, logs)
        hello, hello_log = start_uvicorn(
            stack, "hello", "hello:create_app", hello_port, env, logs, app_dir=HERE
        )
        wait_until_ok("rules", f"{rules_url}/health", rules, rules_log)
        wait_until_ok("hello", f"{hello_url}/hello", hello, hello_log)

        targets = {
            "hello": Target(f"{hello_url}/hello"),
            "lookup": Target(f"{rules_url}{LOOKUP_PATH}"),
            "calculation": Target(
                f"{rules_url}{CALCULATION_PATH}", method="POST", body=json.dumps(CALCULATION_BODY)
            ),
        }
        for name, target in targets.items():
            check = httpx.request(
                target.method,
                target.url,
                content=target.body,
                headers={"content-type": "application/json"} if target.body else {},
            )
            if check.status_code != 200:
                raise BenchError(
                    f"{name} {target.method} {target.url}: {check.status_code} {check.text[:300]}"
                )

        warm_up(wrk, targets, warmup)
        processes = {"rules": rules.pid, "hello": hello.pid}
        results = []
        for connections in CONNECTIONS:
            results += measure_abba(
                wrk, targets, connections=connections, duration=duration, processes=processes
            )
        return results


def server_cpu_us(result: Result) -> float:
    """The CPU per request of the process that served the target."""
    return result.cpu_us["hello" if result.target == "hello" else "rules"]


def report(results: list[Result]) -> bool:
    by = {(r.target, r.connections): r for r in results}
    say("")
    say(
        f"rules (uvicorn, 1 worker, LOG_LEVEL=INFO) against FastAPI hello (the same); lookup GET {LOOKUP_PATH}, "
        f"calculation POST {CALCULATION_PATH} {json.dumps(CALCULATION_BODY)}"
    )
    say(
        f"{'conns':>5}  {'target':<11} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'CPU us/req':>10}"
    )
    passed = True
    for connections in CONNECTIONS:
        for target in TARGETS:
            r = by[(target, connections)]
            say(
                f"{connections:>5}  {target:<11} {r.rps:>7.0f} {r.p50_ms:>7.2f} {r.p99_ms:>7.2f} {r.errors:>6} "
                f"{server_cpu_us(r):>10.0f}"
            )
            passed &= r.errors == 0
        hello = by[("hello", connections)]
        for target in MEASURED:
            ratio = by[(target, connections)].rps / hello.rps
            ok = ratio >= MIN_RATIO
            passed &= ok
            say(f"       {target}/hello {ratio:.2f}x (target >= {MIN_RATIO}x: {'PASS' if ok else 'FAIL'})")
    if any(r.errors for r in results):
        say("FAIL: some requests failed (non-2xx or socket errors)")
    say(f"RESULT: {'PASS' if passed else 'FAIL'}")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    add_smoke_option(parser)
    args = parser.parse_args(argv)
    duration, warmup = (SMOKE_SECONDS, SMOKE_SECONDS) if args.smoke else (args.duration, WARMUP_SECONDS)
    logs = Path(tempfile.mkdtemp(prefix="panjereh-bench-"))
    try:
        with migrated_database("panjereh_bench") as database_url:
            results = measure(database_url, duration=duration, warmup=warmup, logs=logs)
    except BenchError as exc:
        say(f"ERROR: {exc}")
        return 2
    passed = report(results)
    if args.smoke:
        return smoke_outcome(results)
    by = {(r.target, r.connections): r for r in results}
    ratios = {
        f"{target}/hello@{connections}": by[(target, connections)].rps / by[("hello", connections)].rps
        for connections in CONNECTIONS
        for target in MEASURED
    }
    out = save(
        "rules",
        {
            "passed": passed,
            "min_ratio": MIN_RATIO,
            "duration": args.duration,
            "lookup": f"GET {LOOKUP_PATH}",
            "calculation": {"path": f"POST {CALCULATION_PATH}", "body": CALCULATION_BODY},
            "ratios": ratios,
            "results": [r.as_json() for r in results],
        },
    )
    say(f"saved {out.relative_to(REPO)}; process logs in {logs}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
