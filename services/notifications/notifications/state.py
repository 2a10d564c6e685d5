"""The notifications service's typed state, built once at start-up (kit.runtime). What its domains
share beyond kit's runtime (reference data, adapters, keys) becomes a field here."""

from __future__ import annotations

from dataclasses import dataclass

from kit.runtime import Runtime, ServiceState


@dataclass(kw_only=True)
class NotificationsState(ServiceState):
    """Nothing beyond kit's runtime yet."""


async def build(runtime: Runtime) -> NotificationsState:
    return NotificationsState(runtime=runtime)
