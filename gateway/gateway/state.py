"""The gateway's typed state, built by its lifespan (no untyped ``app.state`` bag)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from gateway.config import GatewaySettings
from gateway.service_docs import ServiceDocuments
from kit.edge import EdgePolicy
from kit.runtime import ATTRIBUTE, NotStarted


@dataclass(kw_only=True)
class GatewayState:
    settings: GatewaySettings
    http: httpx.AsyncClient
    documents: ServiceDocuments
    # The site's own routes; proxied requests are checked by the proxy itself.
    edge_policy: EdgePolicy
    # The port the Prometheus listener bound, None until it has.
    metrics_port: int | None = None


def gateway_state(app: Any) -> GatewayState:
    """The running gateway's state (the site app's)."""
    state: GatewayState | None = getattr(app.state, ATTRIBUTE, None)
    if state is None:
        raise NotStarted("the gateway has not started: run its lifespan first")
    return state


def edge_policy_of(app: Any) -> EdgePolicy | None:
    state: GatewayState | None = getattr(app.state, ATTRIBUTE, None)
    return state.edge_policy if state is not None else None
