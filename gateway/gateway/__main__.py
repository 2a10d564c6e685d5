"""``python -m gateway [--host H] [--port P] [--workers N]``; everything else from GATEWAY_* variables."""

from __future__ import annotations

import argparse

from gateway.config import GatewaySettings
from gateway.server import run


def main(argv: list[str] | None = None) -> None:
    settings = GatewaySettings()
    parser = argparse.ArgumentParser(prog="python -m gateway", description="Run the Panjereh gateway.")
    parser.add_argument("--host", default=settings.host, help=f"default {settings.host} (GATEWAY_HOST)")
    parser.add_argument(
        "--port", type=int, default=settings.port, help=f"default {settings.port} (GATEWAY_PORT)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=settings.workers,
        help=f"processes, default {settings.workers} (GATEWAY_WORKERS)",
    )
    args = parser.parse_args(argv)
    run(settings, host=args.host, port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
