"""JCS canonical form: what counts as the same JSON document."""

from __future__ import annotations

import pytest

from kit.canonical_json import NotCanonicalisable, canonical


def test_key_order_whitespace_and_number_spelling_do_not_matter() -> None:
    assert (
        canonical(b'{ "b": 1.0, "a": [1, "x"] }')
        == canonical(b'{"a":[1,"x"],"b":1}')
        == b'{"a":[1,"x"],"b":1}'
    )


def test_a_changed_value_changes_the_form() -> None:
    assert canonical(b'{"a": 1}') != canonical(b'{"a": 2}')


@pytest.mark.parametrize(
    "raw",
    [b'{"a": 1, "a": 2}', b'{"a": NaN}', b'{"a": 9007199254740993}', b"not json", b"\xff"],
    ids=["duplicate-member", "nan", "beyond-2^53", "not-json", "not-utf8"],
)
def test_ambiguous_or_non_json_bodies_are_refused(raw: bytes) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical(raw)
