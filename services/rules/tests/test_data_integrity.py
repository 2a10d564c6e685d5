"""The data files, the database and the law's own shape agree."""

from __future__ import annotations

import datetime as dt
import itertools

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kit.db import create_engine, create_sessionmaker
from rules import repository
from rules.catalogue import Catalogue
from rules.data_files import LawData, rule_document
from rules.law import Kind
from rules.models import PeriodRow

REQUIRED_INSTRUMENTS = {"customs-affairs-law", "customs-affairs-bylaw"}


def test_every_rule_is_cited_and_dated(law: LawData) -> None:
    assert len(law.rules) >= 25
    assert {r.source.instrument for r in law.rules.values()} >= REQUIRED_INSTRUMENTS
    for rule in law.rules.values():
        for period in rule.periods:
            assert period.citation.title, rule.id
            assert period.citation.instrument, rule.id


async def test_database_and_files_agree(rules_api: httpx.AsyncClient, settings_for, law: LawData) -> None:  # type: ignore[no-untyped-def]
    """The app loaded the files at start-up; what it stored is exactly the files."""
    engine = create_engine(settings_for("rules"))
    try:
        async with create_sessionmaker(engine)() as session:
            documents = await repository.all_documents(session)
            periods = list((await session.scalars(select(PeriodRow))).all())
    finally:
        await engine.dispose()
    assert {d["id"]: d for d in documents} == {rid: rule_document(r) for rid, r in law.rules.items()}
    stored = {(p.rule_id, p.seq): (p.starts_on, p.ends_on, p.value, p.verified) for p in periods}
    expected = {
        (rid, i): (p.starts, rule.end_of(i), p.value, p.verified)
        for rid, rule in law.rules.items()
        for i, p in enumerate(rule.periods)
    }
    assert stored == expected


def test_no_timeline_has_a_gap_or_an_overlap(law: LawData) -> None:
    for rule in law.rules.values():
        periods = rule.periods
        for i, (before, after) in enumerate(itertools.pairwise(periods)):
            assert after.starts > before.starts, f"{rule.id}: overlap at {after.starts}"
            assert rule.end_of(i) == after.starts - dt.timedelta(days=1), (
                f"{rule.id}: gap before {after.starts}"
            )
        ended = [i for i, p in enumerate(periods) if p.value is None]
        assert ended in ([], [len(periods) - 1]), f"{rule.id}: a value after the rule ended leaves a gap"


def _fine_bounds(value: object) -> tuple[int, int]:
    if isinstance(value, dict):
        return int(value["min"]), int(value["max"])
    assert isinstance(value, int)
    return value, value


def test_no_fine_decreases_across_amendments(law: LawData) -> None:
    for rule in law.rules.values():
        if rule.kind is not Kind.FINE:
            continue
        values = [_fine_bounds(p.value) for p in rule.periods if p.value is not None]
        for (low_a, high_a), (low_b, high_b) in itertools.pairwise(values):
            assert low_b >= low_a, f"{rule.id}: minimum fell"
            assert high_b >= high_a, f"{rule.id}: maximum fell"


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_fine_on_a_later_day_is_never_lower(catalogue: Catalogue, data: st.DataObject) -> None:
    fines = sorted(rid for rid, r in catalogue.rules.items() if r.kind is Kind.FINE)
    rule_id = data.draw(st.sampled_from(fines))
    first = catalogue.rules[rule_id].periods[0].starts
    day_a = data.draw(st.dates(min_value=first, max_value=dt.date(2030, 12, 31)))
    day_b = data.draw(st.dates(min_value=day_a, max_value=dt.date(2030, 12, 31)))
    low_a, high_a = _fine_bounds(catalogue.at(rule_id, day_a).period.value)
    low_b, high_b = _fine_bounds(catalogue.at(rule_id, day_b).period.value)
    assert (low_b, high_b) >= (low_a, high_a)
    assert low_b >= low_a
    assert high_b >= high_a
