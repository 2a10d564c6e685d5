"""Every rules query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from kit.data_files import content_hash
from rules.data_files import rule_document
from rules.law import Rule
from rules.models import PeriodRow, RuleRow

_SYNC_LOCK = 0x72756C65  # "rule": one replica loads the files at a time


async def lock_sync(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SYNC_LOCK})


async def stored_hashes(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(RuleRow.id, RuleRow.content_hash))
    return {rule_id: digest for rule_id, digest in rows}


async def delete_rules(session: AsyncSession, rule_ids: list[str]) -> None:
    if rule_ids:
        await session.execute(delete(RuleRow).where(RuleRow.id.in_(rule_ids)))


async def replace_rule(session: AsyncSession, rule: Rule) -> None:
    """Write the rule and its periods, replacing what was stored under its id."""
    await delete_rules(session, [rule.id])
    document = rule_document(rule)
    session.add(
        RuleRow(
            id=rule.id,
            kind=rule.kind.value,
            instrument=rule.source.instrument,
            article=rule.source.article,
            note=rule.source.note,
            clause=rule.source.clause,
            title=rule.title,
            document=document,
            content_hash=content_hash(document),
        )
    )
    await session.flush()
    for seq, period in enumerate(rule.periods):
        session.add(
            PeriodRow(
                rule_id=rule.id,
                seq=seq,
                starts_on=period.starts,
                ends_on=rule.end_of(seq),
                value=period.value,
                verified=period.verified,
                citation=period.citation.model_dump(mode="json", exclude_none=True),
            )
        )
    await session.flush()


async def all_documents(session: AsyncSession) -> list[dict[str, Any]]:
    return list((await session.scalars(select(RuleRow.document).order_by(RuleRow.id))).all())


async def all_periods(session: AsyncSession) -> list[PeriodRow]:
    return list((await session.scalars(select(PeriodRow).order_by(PeriodRow.rule_id, PeriodRow.seq))).all())
