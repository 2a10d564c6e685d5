"""The periodic task marking approved order files past their validity ``expired``.

Reads never wait for it (an approved file past its expiry already reads
``expired``); it makes the stored state and the ``order.expired`` events
follow. Run by kit's housekeeping loop (``ServiceSpec.periodic``); tests call
``orders.files.service.expire_due`` directly.
"""

from __future__ import annotations

import logging

from kit.runtime import ServiceState
from orders.files.service import expire_due

logger = logging.getLogger("orders.files.expiry")


async def run_once(state: ServiceState) -> int:
    """Mark what is due now, in its own transaction; answers how many files expired."""
    async with state.runtime.sessionmaker() as session, session.begin():
        count = await expire_due(session)
    if count:
        logger.info("marked %d order files expired", count)
    return count
