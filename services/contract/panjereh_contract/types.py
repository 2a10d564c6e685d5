"""Reusable field types whose JSON Schema says exactly what the API accepts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
_ANY_BUT_CONTROL = r"[^\x00-\x1f\x7f-\x9f]"
# One line of text: no control characters (C0, DEL and C1: NUL, newlines, NEL...),
# no leading or trailing whitespace. PostgreSQL refuses NUL in text, and names
# with hidden characters are how look-alike records are made. C1 is named
# outright because engines disagree on whether NEL (U+0085) is ``\s``.
SINGLE_LINE_PATTERN = rf"^{_VISIBLE}({_ANY_BUT_CONTROL}*{_VISIBLE})?$"


def single_line(max_length: int) -> type[str]:
    """A one-line text field of 1 to ``max_length`` characters."""
    return Annotated[  # type: ignore[return-value]
        str, StringConstraints(min_length=1, max_length=max_length, pattern=SINGLE_LINE_PATTERN)
    ]


def decimal_text(pattern: str, example: str) -> type[Decimal]:
    """A decimal given as a JSON string matching ``pattern`` (money and rates
    travel as strings, never binary floats).

    The pattern is the whole rule, in the schema and on the server alike, so
    bounds live in it too: a client that follows the document is never refused.
    """

    def check(value: Any) -> Any:
        if isinstance(value, Decimal):
            return value
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise PydanticCustomError(
                "decimal_text", "write the number as a decimal string such as {example}", {"example": example}
            )
        return value

    return Annotated[  # type: ignore[return-value]
        Decimal,
        BeforeValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example]}),
    ]


def non_negative_decimal(integer_digits: int, decimal_places: int) -> type[Decimal]:
    return decimal_text(rf"^[0-9]{{1,{integer_digits}}}(\.[0-9]{{1,{decimal_places}}})?$", "1250.5")


def positive_decimal(integer_digits: int, decimal_places: int) -> type[Decimal]:
    return decimal_text(
        rf"^(?=.*[1-9])[0-9]{{1,{integer_digits}}}(\.[0-9]{{1,{decimal_places}}})?$", "1250.5"
    )
