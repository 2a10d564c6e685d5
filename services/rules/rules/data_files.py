"""Read and validate the data files (``rules/data/*.yaml``), the source of truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.data_files import DataFileError, read, validate
from rules.law import HolidayCalendar, Rule

DATA_DIR = Path(__file__).resolve().parent / "data"
CALENDAR_FILE = "calendar.yaml"


@dataclass(frozen=True)
class LawData:
    rules: dict[str, Rule]
    holidays: HolidayCalendar


def rule_document(rule: Rule) -> dict[str, Any]:
    """The JSON form kept in the database (and hashed to spot changes)."""
    return rule.model_dump(mode="json", by_alias=True, exclude_none=True)


def load(directory: Path = DATA_DIR) -> LawData:
    rules: dict[str, Rule] = {}
    holidays: HolidayCalendar | None = None
    for path in sorted(directory.glob("*.yaml")):
        document = read(path)
        if path.name == CALENDAR_FILE:
            holidays = validate(HolidayCalendar, document.get("holidays", {}), file=path, at=("holidays",))
            continue
        for index, raw in enumerate(document.get("rules", [])):
            rule = validate(Rule, raw, file=path, at=("rules", index))
            if rule.id in rules:
                raise DataFileError(f"{path.name}: rule id {rule.id} is defined twice")
            rules[rule.id] = rule
    if holidays is None:
        raise DataFileError(f"{CALENDAR_FILE} is missing from {directory}")
    return LawData(rules=dict(sorted(rules.items())), holidays=holidays)
