"""Reusable field types whose JSON Schema says exactly what the API accepts."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

_VISIBLE = r"[^\s\x00-\x1f\x7f]"
_ANY_BUT_CONTROL = r"[^\x00-\x1f\x7f]"
# One line of text: no control characters (NUL, newlines...), no leading or
# trailing whitespace. PostgreSQL refuses NUL in text, and names with hidden
# characters are how look-alike records are made.
SINGLE_LINE_PATTERN = rf"^{_VISIBLE}({_ANY_BUT_CONTROL}*{_VISIBLE})?$"


def single_line(max_length: int) -> type[str]:
    """A one-line text field of 1 to ``max_length`` characters."""
    return Annotated[  # type: ignore[return-value]
        str, StringConstraints(min_length=1, max_length=max_length, pattern=SINGLE_LINE_PATTERN)
    ]
