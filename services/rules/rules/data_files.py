"""Read and validate the data files (``rules/data/*.yaml``), the source of truth."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rules.law import HolidayCalendar, Rule

DATA_DIR = Path(__file__).resolve().parent / "data"
CALENDAR_FILE = "calendar.yaml"


class DataFileError(ValueError):
    """A data file is malformed; the message names the file and the rule."""


@dataclass(frozen=True)
class LawData:
    rules: dict[str, Rule]
    holidays: HolidayCalendar


def rule_document(rule: Rule) -> dict[str, Any]:
    """The JSON form kept in the database (and hashed to spot changes)."""
    return rule.model_dump(mode="json", by_alias=True, exclude_none=True)


def content_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise DataFileError(f"{path.name}: expected a mapping at the top")
    return loaded


def load(directory: Path = DATA_DIR) -> LawData:
    rules: dict[str, Rule] = {}
    holidays: HolidayCalendar | None = None
    for path in sorted(directory.glob("*.yaml")):
        document = _load_yaml(path)
        if path.name == CALENDAR_FILE:
            holidays = HolidayCalendar.model_validate(document.get("holidays", {}))
            continue
        for index, raw in enumerate(document.get("rules", [])):
            try:
                rule = Rule.model_validate(raw)
            except ValidationError as exc:
                name = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
                raise DataFileError(f"{path.name}: rule {name}: {exc}") from exc
            if rule.id in rules:
                raise DataFileError(f"{path.name}: rule id {rule.id} is defined twice")
            rules[rule.id] = rule
    if holidays is None:
        raise DataFileError(f"{CALENDAR_FILE} is missing from {directory}")
    return LawData(rules=dict(sorted(rules.items())), holidays=holidays)
