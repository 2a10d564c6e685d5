"""Every ``pattern`` the API documents must be one a client's regex engine can compile cheaply.

Engines that build automata (Rust's regex, which jsonschema-rs and so schemathesis use;
RE2; Go) unroll a counted repetition, so its cost grows with the count: ``{1,2000}`` on a
character class compiles to ~0.35 MB, while a bound of 349,525 on base64 groups cost
~300 MB per compiled validator and held gigabytes in the schemathesis run. Lengths
belong in ``maxLength``; patterns describe the shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from openapi.export import rendered_documents

MAX_REPEAT = 10_000  # well under a few MB compiled
_COUNT = re.compile(r"(?<!\\)\{(\d+)(?:,(\d*))?\}")


def _patterns(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from _patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _patterns(value, f"{where}/{index}")


def _largest_count(pattern: str) -> int:
    return max((int(n) for m in _COUNT.finditer(pattern) for n in m.groups() if n), default=0)


def test_a_huge_counted_repetition_is_detected() -> None:
    assert _largest_count(r"^(?:[A-Za-z0-9+/]{4}){0,349525}$") == 349525
    assert _largest_count(r"^[0-9]{13}$|^\{1000000\}$") == 13


def test_no_documented_pattern_has_a_huge_counted_repetition() -> None:
    too_big = [
        (name, where, pattern)
        for name, text in rendered_documents().items()
        for where, pattern in _patterns(json.loads(text))
        if _largest_count(pattern) > MAX_REPEAT
    ]
    assert not too_big, f"patterns with a repetition count over {MAX_REPEAT}: {too_big}"
