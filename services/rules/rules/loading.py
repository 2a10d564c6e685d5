"""Start-up: the data files into the database, then the database into memory.

The files ship with the code, so the database always holds the law this
version of the service was written for. Only changed rules are rewritten;
rules no longer in the files are removed.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.data_files import content_hash
from rules import repository
from rules.catalogue import Catalogue
from rules.data_files import LawData, rule_document
from rules.law import Rule

logger = logging.getLogger("rules.loading")


async def sync_files_to_database(session: AsyncSession, data: LawData) -> dict[str, int]:
    await repository.lock_sync(session)
    stored = await repository.stored_hashes(session)
    changed = [
        rule for rule in data.rules.values() if stored.get(rule.id) != content_hash(rule_document(rule))
    ]
    removed = sorted(set(stored) - set(data.rules))
    await repository.delete_rules(session, removed)
    for rule in changed:
        await repository.replace_rule(session, rule)
    return {"written": len(changed), "removed": len(removed), "total": len(data.rules)}


async def load_catalogue(sessionmaker: async_sessionmaker[AsyncSession], data: LawData) -> Catalogue:
    async with sessionmaker() as session, session.begin():
        counts = await sync_files_to_database(session, data)
    logger.info("rules loaded", extra={"fields": counts})
    async with sessionmaker() as session:
        documents = await repository.all_documents(session)
    rules = {doc["id"]: Rule.model_validate(doc) for doc in documents}
    return Catalogue(rules, data.holidays)
