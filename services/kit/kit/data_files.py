"""Data files: the dated, cited YAML files a service ships as its source of truth (the rules
service's law, orders' reference data and product headings).

``read`` parses one file (``yaml.safe_load``: no tags, no objects); ``validate`` checks a part
of it against a pydantic model. Every refusal is a ``DataFileError`` whose message names the
file, the entry (its JSON pointer in the file, and its ``id`` or code when it has one) and what
is wrong, so the person editing the file finds the line without reading a traceback.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from kit.errors import field_pointer

Model = TypeVar("Model", bound=BaseModel)
# The keys that name an entry, in the order they are looked for.
NAMING_KEYS = ("id", "key", "code", "hs_code", "fida_id")


class DataFileError(ValueError):
    """A data file is malformed; the message names the file and the entry."""


def read(path: Path) -> dict[str, Any]:
    """The file's top-level mapping."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise DataFileError(f"{path.name}: expected a mapping at the top")
    return loaded


def validate(model: type[Model], data: Any, *, file: Path | str, at: tuple[str | int, ...] = ()) -> Model:
    """``data`` (found at ``at`` in ``file``) as a ``model``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        name = Path(file).name
        problems = "; ".join(_problem(data, at, error["loc"], error["msg"]) for error in exc.errors())
        raise DataFileError(f"{name}: {problems}") from exc


def _problem(data: Any, at: tuple[str | int, ...], loc: tuple[str | int, ...], message: str) -> str:
    names = _names(data, loc)
    named = f" ({', '.join(names)})" if names else ""
    return f"{field_pointer(*at, *loc)}{named}: {message}"


def _names(data: Any, loc: tuple[str | int, ...]) -> list[str]:
    """``id 1001``, ``hs_code 10011910``...: what names each entry on the way to the error."""
    names, node = [], data
    for part in (None, *loc):
        if part is not None:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        if isinstance(node, dict):
            key = next((k for k in NAMING_KEYS if isinstance(node.get(k), str | int)), None)
            if key is not None:
                names.append(f"{key} {node[key]}")
    return names


def content_hash(document: Any) -> str:
    """A stable digest of a loaded entry (keys sorted), kept beside it to spot changes."""
    encoded = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()
