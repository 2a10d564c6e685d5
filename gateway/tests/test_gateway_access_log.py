"""The proxy's access line: kit's JSON shape, buffered, gated by the panjereh.access level."""

from __future__ import annotations

import io
import json
import logging

import pytest

from gateway.access import FLUSH_BYTES, AccessLog
from kit.observability import access_log


@pytest.fixture
def info_level() -> object:
    previous = access_log.level
    access_log.setLevel(logging.INFO)
    yield
    access_log.setLevel(previous)


def test_a_line_is_json_with_the_request_fields(info_level: object) -> None:
    out = io.StringIO()
    log = AccessLog(out)
    log.record("rid-1", "GET", '/orders/ab"c\\d/سلام', "/orders/{path}", 200, 0.00123)
    assert out.getvalue() == ""  # buffered
    log.flush()
    entry = json.loads(out.getvalue())
    assert entry["logger"] == "panjereh.access"
    assert entry["level"] == "INFO"
    assert entry["request_id"] == "rid-1"
    assert entry["path"] == '/orders/ab"c\\d/سلام'
    assert entry["message"] == 'GET /orders/ab"c\\d/سلام 200'
    assert entry["route"] == "/orders/{path}"
    assert entry["status"] == 200
    assert entry["ms"] == 1.23
    assert entry["ts"].endswith("+00:00")


class Writes(io.StringIO):
    """A stream that remembers each write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_lines_are_written_in_whole_chunks_of_at_most_4_kib(info_level: object) -> None:
    out = Writes()
    log = AccessLog(out)
    for i in range(100):
        log.record(f"rid-{i}", "GET", "/orders/x", "/orders/{path}", 200, 0.001)
    log.flush()
    assert len(out.writes) > 1
    assert all(0 < len(chunk) <= FLUSH_BYTES for chunk in out.writes)
    assert all(chunk.endswith("\n") for chunk in out.writes)
    ids = [json.loads(line)["request_id"] for line in out.getvalue().splitlines()]
    assert ids == [f"rid-{i}" for i in range(100)]


def test_nothing_is_written_below_info() -> None:
    out = io.StringIO()
    log = AccessLog(out)
    previous = access_log.level
    access_log.setLevel(logging.WARNING)
    try:
        log.record("rid", "GET", "/orders/x", "/orders/{path}", 200, 0.001)
        log.flush()
    finally:
        access_log.setLevel(previous)
    assert out.getvalue() == ""
