"""Rules as the API shows them: every legal date in both calendars.

A period's presentation does not depend on the request, so it is built once
and kept (the Jalali conversion alone cost more than the rest of a lookup):
dates in both calendars by day, citations by citation, and a rule's value
with everything but ``at`` by rule and period. The models handed out are
shared between answers; they are only ever serialised, never changed.
"""

from __future__ import annotations

import datetime as dt
import functools

from rules_client.models import (
    Amendment,
    Citation,
    DatePair,
    RuleSummary,
    RuleValue,
    Source,
    Timeline,
    TimelinePeriod,
)

from kit.jalali import jalali
from rules.catalogue import InForce
from rules.law import Citation as LawCitation
from rules.law import Rule

_MAX_CACHED = 4096


@functools.lru_cache(maxsize=_MAX_CACHED)
def date_pair(day: dt.date) -> DatePair:
    return DatePair(gregorian=day.isoformat(), jalali=jalali(day))


def _maybe(day: dt.date | None) -> DatePair | None:
    return date_pair(day) if day is not None else None


@functools.lru_cache(maxsize=_MAX_CACHED)
def citation(cited: LawCitation) -> Citation:
    return Citation(
        instrument=cited.instrument.value,
        title=cited.title,
        title_fa=cited.title_fa,
        number=cited.number,
        approved=_maybe(cited.approved),
        effective=_maybe(cited.effective),
        article=cited.article,
        note=cited.note,
        clause=cited.clause,
    )


def source(rule: Rule) -> Source:
    return Source.model_validate(rule.source.model_dump())


def summary(rule: Rule) -> RuleSummary:
    return RuleSummary(
        id=rule.id,
        kind=rule.kind.value,
        title=rule.title,
        title_fa=rule.title_fa,
        source=source(rule),
        unit=rule.unit,
        per=rule.per,
        tags=list(rule.tags),
        verified=rule.verified,
        applies_from=date_pair(rule.periods[0].starts),
    )


def value(in_force: InForce, day: dt.date) -> RuleValue:
    return _value_in_force(in_force).model_copy(update={"at": date_pair(day)})


def value_json(in_force: InForce, day: dt.date) -> bytes:
    """``value`` as the JSON the API answers, rendered once per rule, period and day."""
    key = (id(in_force.rule), in_force.index, day)
    hit = _rendered.get(key)
    if hit is not None and hit[0] is in_force.rule:
        return hit[1]
    if len(_rendered) >= _MAX_CACHED:
        _rendered.clear()
    body = _RULE_VALUE_JSON.to_json(value(in_force, day))
    _rendered[key] = (in_force.rule, body)
    return body


# id(rule) -> (rule, {period index: its RuleValue}); holding the rule keeps its id from being reused.
_values: dict[int, tuple[Rule, dict[int, RuleValue]]] = {}
# (id(rule), period index, day) -> (rule, the rendered answer), held the same way.
_rendered: dict[tuple[int, int, dt.date], tuple[Rule, bytes]] = {}
_RULE_VALUE_JSON = RuleValue.__pydantic_serializer__


def _value_in_force(in_force: InForce) -> RuleValue:
    """The RuleValue of a rule's period, built once; its ``at`` is the period's first day."""
    rule, index = in_force.rule, in_force.index
    entry = _values.get(id(rule))
    if entry is None or entry[0] is not rule:
        if len(_values) >= _MAX_CACHED:
            _values.clear()
        entry = _values[id(rule)] = (rule, {})
    built = entry[1].get(index)
    if built is None:
        built = entry[1][index] = _build_value(in_force)
    return built


def _build_value(in_force: InForce) -> RuleValue:
    rule, period = in_force.rule, in_force.period
    return RuleValue(
        id=rule.id,
        kind=rule.kind.value,
        title=rule.title,
        title_fa=rule.title_fa,
        source=source(rule),
        at=date_pair(period.starts),
        value=period.value,
        unit=rule.unit,
        per=rule.per,
        verified=period.verified,
        period={"from": date_pair(period.starts), "to": _maybe(in_force.ends)},
        citation=citation(period.citation),
        amendments=[
            Amendment(applies_from=date_pair(p.starts), citation=citation(p.citation), verified=p.verified)
            for p in in_force.chain
        ],
        note=period.note,
        text_fa=period.text_fa or rule.text_fa,
    )


def timeline(rule: Rule) -> Timeline:
    return Timeline(
        id=rule.id,
        kind=rule.kind.value,
        title=rule.title,
        source=source(rule),
        unit=rule.unit,
        per=rule.per,
        periods=[
            TimelinePeriod(
                applies_from=date_pair(p.starts),
                applies_to=_maybe(rule.end_of(i)),
                value=p.value,
                verified=p.verified,
                citation=citation(p.citation),
                note=p.note,
                text_fa=p.text_fa,
            )
            for i, p in enumerate(rule.periods)
        ],
    )
