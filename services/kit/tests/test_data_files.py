"""Data files: YAML read safely, every refusal naming the file and the entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from kit.data_files import DataFileError, content_hash, read, validate


class Rate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_percent: int
    valid_from: dt.date


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hs_code: str
    rates: list[Rate]


class LinesFile(BaseModel):
    lines: list[Line]


LINES = """\
lines:
  - hs_code: "10011910"
    rates: [{rate_percent: 4, valid_from: 2024-03-20}]
  - hs_code: "85171300"
    rates:
      - {rate_percent: 15, valid_from: 2024-03-20}
      - {rate_percent: many, valid_from: 2025-03-21}
"""


def _file(tmp_path: Path, text: str, name: str = "tariff-lines.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_is_read_and_validated(tmp_path: Path) -> None:
    path = _file(tmp_path, LINES.replace("many", "20"))
    lines = validate(LinesFile, read(path), file=path)
    assert [line.hs_code for line in lines.lines] == ["10011910", "85171300"]
    assert lines.lines[1].rates[1] == Rate(rate_percent=20, valid_from=dt.date(2025, 3, 21))


def test_an_invalid_entry_is_named_by_file_pointer_and_code(tmp_path: Path) -> None:
    path = _file(tmp_path, LINES)
    with pytest.raises(DataFileError) as refused:
        validate(LinesFile, read(path), file=path)
    assert str(refused.value).startswith(
        "tariff-lines.yaml: #/lines/1/rates/1/rate_percent (hs_code 85171300): Input should be a valid integer"
    )


def test_an_entry_validated_alone_is_named_by_where_it_sits(tmp_path: Path) -> None:
    raw = {"id": "order-registration-fee", "rates": "none"}
    with pytest.raises(DataFileError) as refused:
        validate(Line, raw, file=tmp_path / "fees.yaml", at=("rules", 3))
    message = str(refused.value)
    assert message.startswith("fees.yaml: #/rules/3/hs_code (id order-registration-fee): Field required")
    assert "#/rules/3/rates (id order-registration-fee): Input should be a valid list" in message
    assert "#/rules/3/id (id order-registration-fee): Extra inputs are not permitted" in message


def test_yaml_that_is_not_yaml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"^broken\.yaml: not valid YAML"):
        read(_file(tmp_path, "lines: [unclosed\n", "broken.yaml"))


def test_a_file_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"^list\.yaml: expected a mapping at the top"):
        read(_file(tmp_path, "- one\n- two\n", "list.yaml"))


def test_only_plain_yaml_is_read(tmp_path: Path) -> None:
    """``safe_load``: a tag that would build a Python object is refused, not run."""
    with pytest.raises(DataFileError, match="not valid YAML"):
        read(_file(tmp_path, "x: !!python/object/apply:os.getcwd []\n", "tagged.yaml"))


def test_the_content_hash_ignores_key_order_and_sees_values() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert content_hash({"day": dt.date(2024, 3, 20)}) == content_hash({"day": "2024-03-20"})
    # the digest stored beside rows already in databases: UTF-8 JSON, sorted keys, no ASCII escapes
    assert content_hash({"name": "چای"}) == "6cd85492e76e616ef493fb32f15de645cb378b9f0babcb45365e8f63ffcd25b6"
