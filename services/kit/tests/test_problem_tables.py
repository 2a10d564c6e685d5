"""Field pointers and problem-response tables, written once in kit.errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from kit.errors import PROBLEM_JSON, PROBLEM_RESPONSES, field_pointer, problem_doc, problem_responses


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "items", 0, "hs_code"), "#/body/items/0/hs_code"),
        (("query", "on"), "#/query/on"),
        (("body", "a/b", "c~d"), "#/body/a~1b/c~0d"),  # RFC 6901: "~" then "/" escaped
        ((), "#/"),
    ],
)
def test_field_pointer(loc: tuple[str | int, ...], expected: str) -> None:
    assert field_pointer(*loc) == expected


def test_a_pydantic_loc_becomes_the_pointer_of_its_field() -> None:
    class Line(BaseModel):
        quantity: int

    class Order(BaseModel):
        lines: list[Line]

    with pytest.raises(ValidationError) as refused:
        Order.model_validate({"lines": [{"quantity": 1}, {"quantity": "many"}]})
    assert [field_pointer("body", *e["loc"]) for e in refused.value.errors()] == ["#/body/lines/1/quantity"]


def test_problem_responses_come_from_the_one_table() -> None:
    documented = problem_responses(401, 404, 409)
    assert list(documented) == [401, 404, 409]
    assert documented[404] == PROBLEM_RESPONSES[404]
    assert documented[409]["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_a_route_describes_its_own_statuses() -> None:
    documented = problem_responses(404, 410, 503, described={410: "The code has expired", 503: "SMS is down"})
    assert documented[404] == PROBLEM_RESPONSES[404]
    assert documented[410] == problem_doc("The code has expired")
    assert documented[503]["description"] == "SMS is down"
    assert documented[503]["content"] == PROBLEM_RESPONSES[404]["content"]


def test_a_status_outside_the_table_is_described_by_its_phrase() -> None:
    assert problem_responses(418)[418] == problem_doc("I'm a Teapot")
