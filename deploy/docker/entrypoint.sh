#!/bin/sh
# Entrypoint of every Panjereh image. PANJEREH_SERVICE is baked in at build time
# (--build-arg SERVICE=...); PORT overrides the service's usual port.
#
#   serve            (default) run the process:
#                      uvicorn --factory <package>.main:create_app   (a service)
#                      python -m gateway --host 0.0.0.0 --port 8000 (the gateway)
#   migrate [rev]    alembic upgrade head (or rev) for this service's schema.
#                    kit.migrations serialises concurrent runs itself (an advisory
#                    transaction lock per schema). The database is
#                    MIGRATION_DATABASE_URL when set, else DATABASE_URL; every
#                    statement, the wait for that lock included, is bounded by
#                    MIGRATION_STATEMENT_TIMEOUT seconds (default 300, 0 = none).
#   healthcheck      the image's HEALTHCHECK: GET /health on the local port
#                    (the gateway: a TCP connect, its /health aggregates the services)
#   anything else    run as given, e.g.
#                      alembic -c services/orders/alembic.ini current
#                      panjereh-identity rotate-keys
set -eu

service="${PANJEREH_SERVICE:?PANJEREH_SERVICE is not set (build with --build-arg SERVICE=...)}"
if [ "$service" = gateway ]; then
  default_port=8000
elif ! default_port="$(python -m kit.registry port "$service")"; then
  # kit.registry reads services.toml (PANJEREH_SERVICES_FILE): the service's port.
  echo "unknown PANJEREH_SERVICE: $service (not in services.toml)" >&2
  exit 64
fi
port="${PORT:-$default_port}"

cmd="${1:-serve}"
[ "$#" -gt 0 ] && shift

case "$cmd" in
  serve)
    if [ "$service" = gateway ]; then
      # The gateway binds 127.0.0.1 unless told otherwise (GATEWAY_HOST).
      exec python -m gateway --host "${HOST:-0.0.0.0}" --port "$port" "$@"
    fi
    # One worker per container: scale with replicas, not --workers (the
    # Prometheus registry is per process, and Kubernetes balances pods).
    # keep-alive above httpx's 5 s pool expiry, so a caller never reuses a
    # connection the server is closing; graceful shutdown below the pod's
    # terminationGracePeriodSeconds minus the preStop sleep.
    # X-Forwarded-For is believed from FORWARDED_ALLOW_IPS only (settings.env:
    # the gateway's pods), so a requester's address is the caller's, not the
    # gateway's; uvicorn's own default, 127.0.0.1, suits one machine.
    exec uvicorn --factory "$(python -m kit.registry package "$service").main:create_app" \
      --host "${HOST:-0.0.0.0}" --port "$port" \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
      --no-access-log --no-server-header \
      --timeout-keep-alive "${UVICORN_TIMEOUT_KEEP_ALIVE:-30}" \
      --timeout-graceful-shutdown "${UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN:-20}" \
      "$@"
    ;;
  migrate)
    if [ "$service" = gateway ]; then
      echo "the gateway has no database: nothing to migrate" >&2
      exit 0
    fi
    if [ "$#" -gt 1 ]; then
      echo "usage: migrate [revision]" >&2
      exit 64
    fi
    url="${MIGRATION_DATABASE_URL:-${DATABASE_URL:-}}"
    if [ -z "$url" ]; then
      echo "neither MIGRATION_DATABASE_URL nor DATABASE_URL is set" >&2
      exit 2
    fi
    # A bounded wait. asyncpg reads neither PGOPTIONS nor server settings from
    # the URL, so PostgreSQL's lock_timeout cannot be set from here; asyncpg's
    # command_timeout can (SQLAlchemy passes URL parameters to
    # asyncpg.connect()). When a statement exceeds it, asyncpg cancels it on
    # the server, the wait for the lock included, and alembic fails with
    # TimeoutError; nothing is committed (the run is one transaction).
    statement_timeout="${MIGRATION_STATEMENT_TIMEOUT:-300}"
    case "$statement_timeout" in
      "" | *[!0-9]*)
        echo "MIGRATION_STATEMENT_TIMEOUT must be whole seconds (0: no limit), not '$statement_timeout'" >&2
        exit 64
        ;;
    esac
    if [ "$statement_timeout" -gt 0 ]; then
      case "$url" in
        *command_timeout=*) ;;  # the URL's own value wins
        *\?*) url="$url&command_timeout=$statement_timeout" ;;
        *) url="$url?command_timeout=$statement_timeout" ;;
      esac
    fi
    # kit.migrations takes the URL from `-x url=...`, else from DATABASE_URL.
    # It goes in this one process's environment rather than on its command
    # line, where `ps` in the container would show the password. The command
    # is alembic's own, with kit's JSON logging first (env.py configures none,
    # so a plain `alembic upgrade` would not say what it ran).
    DATABASE_URL="$url" exec python -c '
import os, sys
from alembic.config import main
from kit.observability import configure_logging
configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
main(argv=sys.argv[1:], prog="alembic")
' -c "services/$service/alembic.ini" upgrade "${1:-head}"
    ;;
  healthcheck)
    if [ "$service" = gateway ]; then
      # The gateway's /health asks every service and answers 503 when one is
      # down; whether this container is alive is whether it accepts connections.
      exec python -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=4).close()
except OSError as exc:
    sys.exit(f"unhealthy: {exc}")
' "$port"
    fi
    exec python -c '
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=4)
except Exception as exc:
    sys.exit(f"unhealthy: {exc}")
' "http://127.0.0.1:${port}/health"
    ;;
  *)
    exec "$cmd" "$@"
    ;;
esac
