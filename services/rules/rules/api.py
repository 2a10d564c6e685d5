"""Rules HTTP API: the law as data, point-in-time values, timelines, calculations.

The law is public: these endpoints need no token (the gateway still rate-limits
them), and they change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from rules_client.models import CalculationResult, RulePage, RuleValue, Timeline

from kit import json_body
from kit.clock import today_tehran
from kit.errors import InvalidCursor, field_error, field_pointer, merge_problem_responses, problem_responses
from kit.jalali import DATE_PATTERN, INVALID_DATE, Calendar, DateError, parse_date
from kit.pagination import PageParams, decode_cursor, encode_cursor, page_params
from kit.responses import JsonBytes
from kit.urls import public_url
from rules import presenting
from rules.calculations import REGISTRY, Calculation
from rules.catalogue import Catalogue
from rules.exceptions import CalculationInputInvalid, InvalidDate, NotInForce, RuleNotFound
from rules.law import Kind
from rules.state import rules_state

router = APIRouter(tags=["rules"])
calculations_router = APIRouter(tags=["calculations"])


def catalogue(request: Request) -> Catalogue:
    """The law in memory, loaded at startup.

    Taken from the request rather than declared as a dependency: resolving a
    dependency cost a hot endpoint more than its own work. For the same reason
    the lookup and the calculations answer rendered JSON (``JsonBytes``),
    skipping FastAPI's second validation of a model built from checked data.
    """
    return rules_state(request).catalogue


DATE_HELP = (
    "ISO Gregorian (`2018-07-22`), or Jalali (`1397-04-31`, `1397/04/31`) with `calendar=jalali`; "
    "Persian digits are accepted. Default: today in Asia/Tehran."
)


def _day(at: str | None, calendar: Calendar) -> dt.date:
    if at is None:
        return today_tehran()
    try:
        return parse_date(at, calendar, refuse_jalali_looking=True)
    except DateError as exc:
        raise InvalidDate(
            str(exc), errors=[field_error(field_pointer("query", "at"), str(exc), INVALID_DATE)]
        ) from exc


@router.get(
    "/v1/rules",
    summary="Find rules by source, kind or text",
    response_model=RulePage,
    responses=problem_responses(InvalidCursor),
)
async def list_rules(
    request: Request,
    params: Annotated[PageParams, Depends(page_params)],
    instrument: Annotated[
        str | None, Query(max_length=60, description="`customs-affairs-law`, `customs-affairs-bylaw`, ...")
    ] = None,
    article: Annotated[str | None, Query(max_length=10, description='Latin digits: `"109"`.')] = None,
    note: Annotated[str | None, Query(max_length=10, description='The note (تبصره): `"2"`.')] = None,
    kind: Annotated[Kind | None, Query()] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Text in the title, Persian text or tags.")
    ] = None,
) -> RulePage:
    """Every rule carries `source: {instrument, article, note, clause}`, so
    "customs affairs law, article 109" is
    `?instrument=customs-affairs-law&article=109`. Ordered by id."""
    after = decode_cursor(params.cursor, 1)[0] if params.cursor else None
    found = catalogue(request).search(
        instrument=instrument, article=article, note=note, kind=kind, text=q, after=after
    )
    items = []
    for rule in found:
        if len(items) == params.limit:
            cursor = encode_cursor([items[-1].id])
            return RulePage(
                items=items,
                next=str(public_url(request).include_query_params(cursor=cursor, limit=params.limit)),
            )
        items.append(presenting.summary(rule))
    return RulePage(items=items)


@router.get(
    "/v1/rules/{rule_id}",
    summary="The value in force on a date, with its citation",
    response_model=RuleValue,
    responses=problem_responses(InvalidDate, RuleNotFound, NotInForce),
)
async def rule_at(
    request: Request,
    rule_id: str,
    at: Annotated[str | None, Query(pattern=DATE_PATTERN, description=DATE_HELP)] = None,
    calendar: Calendar = Calendar.GREGORIAN,
) -> JsonBytes:
    """The value on `at`, the amendment that produced it (`citation`), every
    amendment before it (`amendments`), `verified`, and every date in both
    calendars. A date before the rule existed is 404 and says from when it
    applies."""
    day = _day(at, calendar)
    return JsonBytes(presenting.value_json(catalogue(request).at(rule_id, day), day))


@router.get(
    "/v1/rules/{rule_id}/timeline",
    summary="Every period of a rule with its value and citation",
    response_model=Timeline,
    responses=problem_responses(RuleNotFound),
)
async def rule_timeline(request: Request, rule_id: str) -> Timeline:
    return presenting.timeline(catalogue(request).get(rule_id))


@calculations_router.get("/v1/calculations", summary="The calculations this service offers")
async def list_calculations() -> list[dict[str, str]]:
    return [
        {"name": c.name, "summary": c.summary, "path": f"/v1/calculations/{c.name}"}
        for c in REGISTRY.values()
    ]


def _endpoint(calc: Calculation) -> Any:
    async def run(request: Request) -> JsonBytes:
        inputs = await json_body.parse(request, calc.inputs)
        return JsonBytes(_RESULT_JSON.to_json(calc.run(catalogue(request), inputs)))

    run.__name__ = "calculate_" + calc.name.replace("-", "_")
    return run


_RESULT_JSON = CalculationResult.__pydantic_serializer__

for _calc in REGISTRY.values():
    _body = json_body.documented(_calc.inputs)
    calculations_router.add_api_route(
        f"/v1/calculations/{_calc.name}",
        _endpoint(_calc),
        methods=["POST"],
        summary=_calc.summary,
        description=_calc.description,
        response_model=CalculationResult,
        openapi_extra=_body["openapi_extra"],
        responses=merge_problem_responses(
            problem_responses(RuleNotFound, NotInForce, CalculationInputInvalid), _body["responses"]
        ),
    )
