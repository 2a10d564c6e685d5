"""The service registry: ``services.toml`` at the repository root, read once.

Every service is declared there once, as a ``[services.<name>]`` table (the
file's header says what each key means). Everything that needs the list of
services reads it through this module, so kit itself names no service:

* ``registry()``: the :class:`Registry`, cached. The file is
  ``PANJEREH_SERVICES_FILE`` when set, else the first ``services.toml`` found
  walking up from this module (an editable install inside the checkout), else
  from the current directory (an image: ``/app``).
* ``load(path)``: read and check one file, uncached (tests, tools).
* :class:`Registry`: ``services`` in declaration order, ``names``,
  ``registry()["orders"]``, ``token_service`` (the one with ``token_path``:
  it issues access tokens and publishes the JWKS), ``publishers`` (those with
  ``events = true``: their outbox is a feed at ``/v1/events``), ``followers`` (those with
  ``follows_feeds = true``: they read feeds as a machine client of their own, whose
  settings are ``Service.feed_client_variables``), ``startup_order()`` (each
  service after the services it calls and after the token service), and
  ``service_urls(environ)``: where each service is reached, ``<NAME>_URL``
  from the environment, else ``http://127.0.0.1:<port>``.
* :class:`Service`: the declared fields, plus ``url_variable``,
  ``local_url``, ``directory`` (``services/<name>`` under ``root``),
  ``client_directory`` and ``token_endpoint`` (the gateway path).

The module needs only the standard library, so the Makefile and the Docker
build can run it before anything is installed (``cd services/kit && python
-m kit.registry names``). Commands: ``names``, ``port NAME``, ``package
NAME``, ``client-dirs``, ``service-dirs``.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FILE_NAME = "services.toml"
FILE_VARIABLE = "PANJEREH_SERVICES_FILE"
JWKS_PATH = "/.well-known/jwks.json"

_NAME = re.compile(r"[a-z][a-z0-9]*")
_PREFIX = re.compile(r"/[a-z][a-z0-9-]*")
_PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
_OPTIONAL = {"token_path", "events", "follows_feeds"}
_KEYS = {"port", "prefix", "package", "client", "calls", "description", *_OPTIONAL}


class RegistryError(ValueError):
    """``services.toml`` is missing or does not hold a valid registry."""


@dataclass(frozen=True, slots=True)
class Service:
    """One ``[services.<name>]`` table of ``services.toml``."""

    name: str
    port: int
    prefix: str
    package: str
    client: str
    calls: tuple[str, ...]
    description: str
    token_path: str | None
    # It publishes its outbox as a feed, GET /v1/events (kit.feed_api), that others follow.
    events: bool
    # It follows feeds as a machine client of its own with events:read (feed_client_variables).
    follows_feeds: bool
    root: Path

    @property
    def url_variable(self) -> str:
        """The environment variable that says where the service is reached (``ORDERS_URL``)."""
        return f"{self.name.upper()}_URL"

    @property
    def local_url(self) -> str:
        """Where the service listens on one machine (``make run``, the default URL)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def feed_client_variables(self) -> tuple[str, str]:
        """The settings of its feed client (``follows_feeds``): ``make run`` sets them, the
        cluster takes them from the Secret ``<name>-feed-client``."""
        return f"{self.name.upper()}_FEED_CLIENT_ID", f"{self.name.upper()}_FEED_CLIENT_SECRET"

    @property
    def directory(self) -> Path:
        return self.root / "services" / self.name

    @property
    def client_directory(self) -> Path:
        return self.directory / "client"

    @property
    def token_endpoint(self) -> str:
        """The gateway path where access tokens are obtained (only on the token service)."""
        if self.token_path is None:
            raise RegistryError(f"{self.name} does not issue tokens")
        return self.prefix + self.token_path


@dataclass(frozen=True, slots=True)
class Registry:
    """Every declared service, in the order of ``services.toml``."""

    services: tuple[Service, ...]
    path: Path

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(service.name for service in self.services)

    @property
    def root(self) -> Path:
        """The repository root (the directory of ``services.toml``)."""
        return self.path.parent

    def __getitem__(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def __iter__(self) -> Iterator[Service]:
        return iter(self.services)

    @property
    def token_service(self) -> Service:
        return next(service for service in self.services if service.token_path is not None)

    @property
    def publishers(self) -> tuple[Service, ...]:
        """The services whose events are a feed (``events = true``)."""
        return tuple(service for service in self.services if service.events)

    @property
    def followers(self) -> tuple[Service, ...]:
        """The services that follow feeds as their own machine client (``follows_feeds = true``)."""
        return tuple(service for service in self.services if service.follows_feeds)

    def startup_order(self) -> tuple[Service, ...]:
        """Each service after the services it calls and after the token service (whose
        JWKS every service needs), otherwise in declaration order."""
        ordered: list[Service] = []

        def visit(service: Service) -> None:
            if service in ordered:
                return
            needs = [*service.calls]
            if service is not self.token_service:
                needs.insert(0, self.token_service.name)
            for name in needs:
                visit(self[name])
            ordered.append(service)

        for service in self.services:
            visit(service)
        return tuple(ordered)

    def service_urls(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """``{name: url}``: ``<NAME>_URL`` from ``environ`` (default: the process's), else the local URL."""
        env = os.environ if environ is None else environ
        return {service.name: env.get(service.url_variable) or service.local_url for service in self.services}


def _service(name: str, table: object, root: Path) -> Service:
    if not _NAME.fullmatch(name):
        raise RegistryError(f"service name {name!r}: lower-case letters and digits")
    if not isinstance(table, dict):
        raise RegistryError(f"[services.{name}] must be a table")
    unknown = set(table) - _KEYS
    missing = _KEYS - _OPTIONAL - set(table)
    if unknown or missing:
        raise RegistryError(f"[services.{name}]: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
    port, prefix, calls = table["port"], table["prefix"], table["calls"]
    if not isinstance(port, int) or not 1024 <= port <= 65535:
        raise RegistryError(f"[services.{name}] port: an integer 1024-65535")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise RegistryError(f"[services.{name}] prefix: one path segment such as /{name}")
    for key in ("package", "client"):
        if not isinstance(table[key], str) or not _PACKAGE.fullmatch(table[key]):
            raise RegistryError(f"[services.{name}] {key}: a Python package name")
    if not isinstance(calls, list) or not all(isinstance(peer, str) for peer in calls):
        raise RegistryError(f"[services.{name}] calls: a list of service names")
    token_path = table.get("token_path")
    if token_path is not None and (not isinstance(token_path, str) or not token_path.startswith("/")):
        raise RegistryError(f"[services.{name}] token_path: a path starting with /")
    events, follows_feeds = table.get("events", False), table.get("follows_feeds", False)
    for key, value in (("events", events), ("follows_feeds", follows_feeds)):
        if not isinstance(value, bool):
            raise RegistryError(f"[services.{name}] {key}: true or false")
    return Service(
        name=name,
        port=port,
        prefix=prefix,
        package=table["package"],
        client=table["client"],
        calls=tuple(calls),
        description=str(table["description"]),
        token_path=token_path,
        events=events,
        follows_feeds=follows_feeds,
        root=root,
    )


def _check(services: tuple[Service, ...]) -> None:
    names = [service.name for service in services]
    for attribute in ("port", "prefix", "package", "client"):
        values = [getattr(service, attribute) for service in services]
        if len(set(values)) != len(values):
            raise RegistryError(f"two services share a {attribute}")
    for service in services:
        strangers = [peer for peer in service.calls if peer not in names or peer == service.name]
        if strangers:
            raise RegistryError(f"{service.name} calls {strangers}: not other declared services")
    issuers = [service.name for service in services if service.token_path is not None]
    if len(issuers) != 1:
        raise RegistryError(f"exactly one service must have a token_path, not {issuers}")


def load(path: Path) -> Registry:
    """Read and check ``path`` (a ``services.toml``)."""
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"cannot read the service registry {path}: {exc}") from exc
    tables = document.get("services")
    if not isinstance(tables, dict) or not tables or set(document) != {"services"}:
        raise RegistryError(f"{path}: only [services.<name>] tables, at least one")
    root = path.resolve().parent
    services = tuple(_service(name, table, root) for name, table in tables.items())
    _check(services)
    return Registry(services=services, path=path.resolve())


def find() -> Path:
    """``PANJEREH_SERVICES_FILE``, else ``services.toml`` in a parent of this module (the
    checkout of an editable install), else in the current directory or a parent (an image)."""
    configured = os.environ.get(FILE_VARIABLE)
    if configured:
        return Path(configured)
    for start in (Path(__file__).resolve().parent, Path.cwd()):
        for directory in (start, *start.parents):
            candidate = directory / FILE_NAME
            if candidate.is_file():
                return candidate
    raise RegistryError(f"no {FILE_NAME} found: set {FILE_VARIABLE} or run inside the checkout")


@cache
def registry() -> Registry:
    """The registry of this process (read once)."""
    return load(find())


def main(argv: list[str]) -> int:
    """``names`` | ``port NAME`` | ``package NAME`` | ``client-dirs`` | ``service-dirs``, one value a line
    (directories relative to the repository root)."""
    reg = registry()
    match argv:
        case ["names"]:
            lines = list(reg.names)
        case ["port", name] if name in reg.names:
            lines = [str(reg[name].port)]
        case ["package", name] if name in reg.names:
            lines = [reg[name].package]
        case ["client-dirs"]:
            lines = [str(s.client_directory.relative_to(reg.root)) for s in reg]
        case ["service-dirs"]:
            lines = [str(s.directory.relative_to(reg.root)) for s in reg]
        case _:
            print(
                f"usage: python -m kit.registry names|port NAME|package NAME|client-dirs|service-dirs ({argv})",
                file=sys.stderr,
            )
            return 64
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
