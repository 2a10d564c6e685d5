"""Run every benchmark under bench/ (each ``bench/<name>/run.py``) one after the other.

    .venv/bin/python bench/run_all.py [--quick] [NAME ...]

Each prints its own figures and PASS/FAIL. A benchmark exits 0 when it met
its targets, 1 when it missed them and anything else when it could not run.
This exits 0 when all passed, 1 when one missed its targets and 2 when one
could not run.

``--quick`` runs each with ``--smoke``: everything it needs started, each target
measured for two seconds, the targets not judged. It exits 0 when every benchmark
ran with every answer 2xx and 2 otherwise: CI runs it (``make bench-quick``) so
that a benchmark which no longer starts fails there, not months later.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def benchmarks() -> dict[str, Path]:
    return {script.parent.name: script for script in sorted(BENCH.glob("*/run.py"))}


def main(argv: list[str] | None = None) -> int:
    available = benchmarks()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"default: all ({', '.join(available)})")
    parser.add_argument(
        "--quick", action="store_true", help="run each with --smoke: does it run? (targets not judged)"
    )
    args = parser.parse_args(argv)
    names = args.names or list(available)
    extra = ["--smoke"] if args.quick else []
    unknown = [name for name in names if name not in available]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are: {', '.join(available)}")
    outcomes: dict[str, int] = {}
    for name in names:
        print(f"=== bench/{name}", flush=True)
        outcomes[name] = subprocess.run(
            [sys.executable, str(available[name]), *extra], check=False
        ).returncode
    print("=== summary")
    for name, code in outcomes.items():
        print(f"{name}: {_verdict(code, args.quick)}")
    if any(code not in (0, 1) for code in outcomes.values()) or (args.quick and any(outcomes.values())):
        return 2
    return 1 if any(outcomes.values()) else 0


def _verdict(code: int, quick: bool) -> str:
    if code == 0:
        return "RAN" if quick else "PASS"
    if code == 1 and not quick:
        return "FAIL (targets missed)"
    return f"ERROR (exit {code})"


if __name__ == "__main__":
    sys.exit(main())
