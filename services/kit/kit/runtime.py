"""One typed object per running service, instead of an untyped ``app.state`` bag.

At start-up kit's lifespan builds a :class:`Runtime` (what every service has: its
settings, database engine and sessions, HTTP client, token verifier, ...), then the
service's own state, a dataclass subclassing :class:`ServiceState` built by
``ServiceSpec.state`` (reference data, adapters, keys...). Both live under one
attribute of the app; code reads them through the typed functions here:

- in a handler or dependency: ``RuntimeDep``, or ``Annotated[MyState,
  Depends(state_dependency(MyState))]`` for the service's own state;
- with the app at hand (periodic tasks, tests): ``state_of(app, MyState)``,
  ``runtime_of(app)``.

A service whose state changes part of the runtime (identity verifies tokens against
its own key table, not over HTTP) returns a state whose ``runtime`` is
``dataclasses.replace(runtime, token_verifier=...)``: kit uses the state's runtime
from then on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    import httpx

    from kit.auth import TokenVerifier
    from kit.edge import EdgePolicy
    from kit.settings import ServiceSettings
    from kit.signatures import SignatureVerifier

# The one attribute of ``app.state`` kit uses.
ATTRIBUTE = "panjereh"


@dataclass(frozen=True, slots=True, kw_only=True)
class Runtime:
    """What kit builds for every service at start-up."""

    service_name: str
    settings: ServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # First come, first served for pooled connections on the hot paths (kit.db.connection_gate).
    connection_gate: asyncio.Semaphore
    http: httpx.AsyncClient
    token_verifier: TokenVerifier
    idempotency_table: Table
    edge_policy: EdgePolicy
    # None when the service does not check its schema at start-up (ServiceSpec.check_migrations).
    migration_head: str | None
    # The port the Prometheus listener bound (0 in settings picks a free one), None when off.
    metrics_port: int | None


@dataclass(kw_only=True)
class ServiceState:
    """Base of a service's own typed state; a service without one runs with this."""

    runtime: Runtime
    # Where signed requests' keys come from (kit.signatures); None: identity, over HTTP.
    signature_verifier: SignatureVerifier | None = None


S = TypeVar("S", bound=ServiceState)


class NotStarted(RuntimeError):
    """The app's lifespan has not run (or has ended): there is no runtime yet."""


def state_of(app: Any, kind: type[S] = ServiceState) -> S:  # type: ignore[assignment]
    """The running service's state, checked to be a ``kind``."""
    state = getattr(app.state, ATTRIBUTE, None)
    if state is None:
        raise NotStarted(f"{app!r} has not started: run its lifespan first.")
    if not isinstance(state, kind):
        raise TypeError(f"the app's state is a {type(state).__name__}, not a {kind.__name__}")
    return state


def runtime_of(app: Any) -> Runtime:
    """The running service's :class:`Runtime`."""
    return state_of(app).runtime


def install(app: Any, state: ServiceState | None) -> None:
    """Make ``state`` the app's state (None when the lifespan ends)."""
    setattr(app.state, ATTRIBUTE, state)


def runtime(request: Request) -> Runtime:
    """Dependency: the runtime of the service answering ``request``."""
    state: ServiceState = getattr(request.app.state, ATTRIBUTE)
    return state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def state_dependency(kind: type[S]) -> Callable[[Request], S]:
    """A dependency answering the service's own state, typed as ``kind``."""

    def dependency(request: Request) -> S:
        state: S = getattr(request.app.state, ATTRIBUTE)
        return state

    dependency.__name__ = f"{kind.__name__.lower()}_state"
    return dependency
