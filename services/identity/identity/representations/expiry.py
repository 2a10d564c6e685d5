"""The periodic task publishing ``representation.expired`` for accepted grants past their end.

Reads never wait for it (a grant past ``ends_on`` already reads ``expired``); it tells the
subscribers, once per grant. Run by kit's housekeeping loop (``ServiceSpec.periodic``); tests
call ``identity.representations.service.expire_due`` or ``run_once`` directly.
"""

from __future__ import annotations

import logging

from identity.representations.service import expire_due
from kit.runtime import ServiceState

logger = logging.getLogger("identity.representations.expiry")


async def run_once(state: ServiceState) -> int:
    """Publish what is due now, in its own transaction; answers how many grants expired."""
    async with state.runtime.sessionmaker() as session, session.begin():
        count = await expire_due(session)
    if count:
        logger.info("published the expiry of %d representations", count)
    return count
