"""The rules in memory: point-in-time values, timelines and search.

Built once at start-up from the database (which start-up filled from the data
files), so a lookup costs no I/O.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from rules.exceptions import NotInForce, RuleNotFound
from rules.law import HolidayCalendar, Kind, Period, Rule


@dataclass(frozen=True)
class InForce:
    """A rule's value on a day: the period, and the amendments up to it."""

    rule: Rule
    index: int

    @property
    def period(self) -> Period:
        return self.rule.periods[self.index]

    @property
    def ends(self) -> dt.date | None:
        return self.rule.end_of(self.index)

    @property
    def chain(self) -> tuple[Period, ...]:
        return self.rule.periods[: self.index + 1]


class Catalogue:
    def __init__(self, rules: dict[str, Rule], holidays: HolidayCalendar) -> None:
        self.rules = dict(sorted(rules.items()))
        self.holidays = holidays
        self._starts = {rid: [p.starts for p in rule.periods] for rid, rule in self.rules.items()}
        self._ids = list(self.rules)

    def get(self, rule_id: str) -> Rule:
        rule = self.rules.get(rule_id)
        if rule is None:
            raise RuleNotFound(f"No rule {rule_id!r}. List them with GET /v1/rules.")
        return rule

    def at(self, rule_id: str, day: dt.date) -> InForce:
        rule = self.get(rule_id)
        index = bisect.bisect_right(self._starts[rule_id], day) - 1
        first = rule.periods[0].starts
        if index < 0:
            raise NotInForce(
                f"{rule_id} applies from {first.isoformat()}; nothing applied on {day.isoformat()}.",
                applies_from=first.isoformat(),
            )
        if rule.periods[index].value is None:
            raise NotInForce(
                f"{rule_id} ended on {rule.periods[index].starts.isoformat()}; "
                f"it applied from {first.isoformat()} until then.",
                applies_from=first.isoformat(),
                ended=rule.periods[index].starts.isoformat(),
            )
        return InForce(rule, index)

    def search(
        self,
        *,
        instrument: str | None = None,
        article: str | None = None,
        note: str | None = None,
        kind: Kind | None = None,
        text: str | None = None,
        after: str | None = None,
    ) -> Iterator[Rule]:
        """Rules matching every filter given, in id order, after the id ``after``."""
        words = text.casefold().split() if text else []
        start = bisect.bisect_right(self._ids, after) if after else 0
        for rule_id in self._ids[start:]:
            rule = self.rules[rule_id]
            source = rule.source
            if instrument and source.instrument != instrument:
                continue
            if article and source.article != article:
                continue
            if note and source.note != note:
                continue
            if kind and rule.kind is not kind:
                continue
            if words and not _matches(rule, words):
                continue
            yield rule


def _matches(rule: Rule, words: list[str]) -> bool:
    """Every word appears somewhere in the rule's id, titles, Persian text or tags."""
    haystack = " ".join(
        filter(None, [rule.id, rule.title, rule.title_fa, rule.text_fa, *rule.tags, rule.source.instrument])
    ).casefold()
    return all(word in haystack for word in words)
