"""The rules API: finding rules, values on a date, timelines, refusals."""

from __future__ import annotations

import httpx
import pytest

LATE_EXIT = "cal-109-late-exit-fine"


async def test_find_the_per_day_fine_by_its_source(rules_api: httpx.AsyncClient) -> None:
    response = await rules_api.get(
        "/v1/rules", params={"instrument": "customs-affairs-law", "article": "109"}
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [r["id"] for r in items] == [LATE_EXIT]
    assert items[0]["source"] == {
        "instrument": "customs-affairs-law",
        "article": "109",
        "note": None,
        "clause": None,
    }
    assert items[0]["per"] == "day"


@pytest.mark.parametrize(
    ("at", "calendar", "expected"),
    [
        ("2015-06-10", "gregorian", {"min": 200000, "max": 1000000}),
        ("2015-06-11", "gregorian", {"min": 400000, "max": 2000000}),
        ("2018-07-21", "gregorian", {"min": 400000, "max": 2000000}),
        ("1397-04-31", "jalali", {"min": 520000, "max": 2600000}),
        ("۱۳۹۷/۰۴/۳۱", "jalali", {"min": 520000, "max": 2600000}),
        ("2022-01-29", "gregorian", {"min": 520000, "max": 2600000}),
        ("2022-01-30", "gregorian", {"min": 1080000, "max": 5400000}),
    ],
)
async def test_value_on_a_date(rules_api: httpx.AsyncClient, at: str, calendar: str, expected: dict) -> None:
    response = await rules_api.get(f"/v1/rules/{LATE_EXIT}", params={"at": at, "calendar": calendar})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["value"] == expected
    assert body["unit"] == "IRR"
    assert body["per"] == "day"
    assert set(body["at"]) == {"gregorian", "jalali"}
    assert body["citation"]["title"]
    assert body["amendments"][-1]["citation"] == body["citation"]
    assert body["period"]["from"]["jalali"]


async def test_value_carries_the_amendment_chain(rules_api: httpx.AsyncClient) -> None:
    body = (await rules_api.get(f"/v1/rules/{LATE_EXIT}", params={"at": "2019-01-01"})).json()
    assert [a["applies_from"]["gregorian"] for a in body["amendments"]] == [
        "2011-11-13",
        "2015-06-11",
        "2018-07-22",
    ]
    assert body["period"]["to"]["gregorian"] == "2022-01-29"
    # The +30% is certain, but only the decree date is known, not its notification: unverified.
    assert body["verified"] is False
    assert [a["verified"] for a in body["amendments"]] == [True, False, False]


async def test_unverified_values_say_so(rules_api: httpx.AsyncClient) -> None:
    body = (await rules_api.get(f"/v1/rules/{LATE_EXIT}", params={"at": "2025-09-01"})).json()
    assert body["value"] == {"min": 3467000, "max": 17336000}
    assert body["verified"] is False


async def test_before_the_rule_existed_is_404_saying_from_when(rules_api: httpx.AsyncClient) -> None:
    response = await rules_api.get(f"/v1/rules/{LATE_EXIT}", params={"at": "2010-01-01"})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "rule-not-in-force"
    assert body["applies_from"] == "2011-11-13"
    assert "2011-11-13" in body["detail"]


async def test_a_jalali_date_without_the_calendar_gets_a_hint(rules_api: httpx.AsyncClient) -> None:
    response = await rules_api.get(f"/v1/rules/{LATE_EXIT}", params={"at": "1397-04-30"})
    assert response.status_code == 422
    assert "calendar=jalali" in response.json()["detail"]


@pytest.mark.parametrize(
    ("at", "calendar"), [("1404-12-30", "jalali"), ("2018-02-30", "gregorian"), ("tomorrow", "gregorian")]
)
async def test_bad_dates_are_422_naming_the_parameter(
    rules_api: httpx.AsyncClient, at: str, calendar: str
) -> None:
    response = await rules_api.get(f"/v1/rules/{LATE_EXIT}", params={"at": at, "calendar": calendar})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/query/at"


async def test_unknown_rule_is_404(rules_api: httpx.AsyncClient) -> None:
    for path in ("/v1/rules/no-such-rule", "/v1/rules/no-such-rule/timeline"):
        response = await rules_api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "rule-not-found"


async def test_timeline_shows_every_period_with_citations(rules_api: httpx.AsyncClient) -> None:
    body = (await rules_api.get(f"/v1/rules/{LATE_EXIT}/timeline")).json()
    starts = [p["applies_from"]["gregorian"] for p in body["periods"]]
    assert starts[:4] == ["2011-11-13", "2015-06-11", "2018-07-22", "2022-01-30"]
    assert len(starts) == 5
    for before in body["periods"][:-1]:
        assert before["applies_to"] is not None
        assert before["citation"]["title"]
    assert body["periods"][-1]["applies_to"] is None


async def test_list_filters_and_pages(rules_api: httpx.AsyncClient) -> None:
    everything = (await rules_api.get("/v1/rules", params={"limit": 100})).json()["items"]
    seen: list[str] = []
    url: str | None = "/v1/rules?limit=7"
    while url:
        page = (await rules_api.get(url)).json()
        seen.extend(r["id"] for r in page["items"])
        url = page["next"]
    assert seen == [r["id"] for r in everything]
    fines = (await rules_api.get("/v1/rules", params={"kind": "fine", "limit": 100})).json()["items"]
    assert fines
    assert {r["kind"] for r in fines} == {"fine"}
    noted = (
        await rules_api.get(
            "/v1/rules", params={"instrument": "customs-affairs-law", "article": "103", "note": "2"}
        )
    ).json()["items"]
    assert [r["id"] for r in noted] == ["cal-103-n2-unauthorised-route-fine"]
    search = (await rules_api.get("/v1/rules", params={"q": "late exit"})).json()["items"]
    assert LATE_EXIT in [r["id"] for r in search]
    persian = (await rules_api.get("/v1/rules", params={"q": "جریمه تأخیر"})).json()["items"]
    assert LATE_EXIT in [r["id"] for r in persian]


async def test_unknown_kind_is_422(rules_api: httpx.AsyncClient) -> None:
    response = await rules_api.get("/v1/rules", params={"kind": "tax"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/query/kind"


async def test_forty_days_late_across_the_1397_amendment(rules_api: httpx.AsyncClient) -> None:
    # Due 2018-07-01: late days 2018-07-02 .. 2018-08-10 (40 days); the +30% decree applies from 2018-07-22.
    response = await rules_api.post(
        "/v1/calculations/late-exit-fine", json={"due_date": "2018-07-01", "exit_date": "2018-08-10"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    per_period = [s for s in body["trace"] if s["step"] == "per-day fine"]
    assert [s["parameters"]["days"] for s in per_period] == [20, 20]
    assert [s["applies_from"]["gregorian"] for s in per_period] == ["2015-06-11", "2018-07-22"]
    assert body["result"] == {"min": 20 * 400000 + 20 * 520000, "max": 20 * 2000000 + 20 * 2600000}
    assert body["unit"] == "IRR"
    assert body["verified"] is False  # the 1394 and 1397 start dates are decree dates


async def test_late_exit_in_jalali_and_on_time(rules_api: httpx.AsyncClient) -> None:
    jalali = await rules_api.post(
        "/v1/calculations/late-exit-fine",
        json={"due_date": "1397/04/10", "exit_date": "۱۳۹۷/۰۵/۱۹", "calendar": "jalali"},
    )
    assert jalali.status_code == 200, jalali.text
    assert jalali.json()["result"] == {"min": 20 * 400000 + 20 * 520000, "max": 20 * 2000000 + 20 * 2600000}
    on_time = await rules_api.post(
        "/v1/calculations/late-exit-fine", json={"due_date": "2018-07-01", "exit_date": "2018-07-01"}
    )
    assert on_time.json()["result"] == {"min": 0, "max": 0}


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#/body/due_date"),
        ({"due_date": "2018-07-01", "surprise": 1}, "#/body/surprise"),
        ({"due_date": "2018-02-30"}, "#/body/due_date"),
        ({"due_date": "1404-12-30", "calendar": "jalali"}, "#/body/due_date"),
    ],
)
async def test_bad_calculation_input_is_422_naming_the_field(
    rules_api: httpx.AsyncClient, body: dict, pointer: str
) -> None:
    response = await rules_api.post("/v1/calculations/late-exit-fine", json=body)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("calculation", "body", "pointer"),
    [
        (
            "import-duties-1404",
            {"category": "cars", "customs_value": 1, "unit_value_eur": "700"},
            "unit_value_eur",
        ),
        ("import-duties-1404", {"category": "mobile-phones", "customs_value": 1}, "unit_value_eur"),
        ("import-duties-1404", {"category": "bananas", "customs_value": 1}, "category"),
        ("order-registration-fee", {"exchange_rate": "5", "fob": "1", "kind": "renewal"}, "previous_value"),
        (
            "order-registration-fee",
            {"exchange_rate": "5", "fob": "1", "previous_value": "1"},
            "previous_value",
        ),
    ],
)
async def test_a_union_input_names_the_field_not_the_variant(
    rules_api: httpx.AsyncClient, calculation: str, body: dict, pointer: str
) -> None:
    """One field decides which others are allowed (a union in the schema); the pointer names the
    field in the body, not the variant pydantic chose."""
    response = await rules_api.post(f"/v1/calculations/{calculation}", json=body)
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == [f"#/body/{pointer}"]


async def test_unknown_calculation_is_404(rules_api: httpx.AsyncClient) -> None:
    response = await rules_api.post("/v1/calculations/no-such-thing", json={})
    assert response.status_code == 404
    listed = (await rules_api.get("/v1/calculations")).json()
    assert "late-exit-fine" in [c["name"] for c in listed]


@pytest.mark.parametrize(
    ("field", "value"),
    [("production_unit", 0), ("permitted_goods", "true"), ("duties", "5"), ("duties", True)],
)
async def test_json_types_are_exact(rules_api: httpx.AsyncClient, field: str, value: object) -> None:
    body = {"duties": 0, "goods_value": 574, "permitted_goods": False, "production_unit": False, field: value}
    response = await rules_api.post("/v1/calculations/temporary-import-guarantee", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == f"#/body/{field}"
