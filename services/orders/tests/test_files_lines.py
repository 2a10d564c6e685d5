"""Tariff lines: the permits a code requires, prohibited and unknown codes, removal."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from orders_testing import files as f


@pytest.fixture
async def draft(
    orders: httpx.AsyncClient, identity_app: FastAPI, admin_headers: dict[str, str]
) -> tuple[f.Merchant, str]:
    owner = await f.merchant(identity_app)
    created = await f.create(orders, owner.headers, await f.seller(orders, admin_headers))
    return owner, f"/v1/order-files/{created['id']}"


async def test_a_line_shows_the_permits_its_code_requires(
    orders: httpx.AsyncClient, draft: tuple[f.Merchant, str]
) -> None:
    owner, path = draft
    cars = await orders.post(f"{path}/lines", json=f.line_body(f.STANDARDS_LINE), headers=owner.headers)
    assert cars.status_code == 201, cars.text
    line = cars.json()
    assert line["hs_code"] == f.STANDARDS_LINE
    assert line["duty_category"] == "cars"
    assert [p["kind"] for p in line["permits"]] == ["standards"]
    assert line["permits"][0]["issuing_body"]["id"]

    medicine = await orders.post(
        f"{path}/lines", json=f.line_body("3004 90 00", unit="kg", value="1000"), headers=owner.headers
    )
    assert medicine.status_code == 201
    assert medicine.json()["hs_code"] == f.HEALTH_LINE
    assert [p["kind"] for p in medicine.json()["permits"]] == ["food-and-drug"]

    file = (await orders.get(path, headers=owner.headers)).json()
    assert [li["id"] for li in file["lines"]] == [line["id"], medicine.json()["id"]]
    assert file["version"] == 3


async def test_a_prohibited_code_is_refused_with_its_reason(
    orders: httpx.AsyncClient, draft: tuple[f.Merchant, str]
) -> None:
    owner, path = draft
    response = await orders.post(f"{path}/lines", json=f.line_body(f.PROHIBITED_LINE), headers=owner.headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "goods-prohibited"
    assert problem["errors"][0]["pointer"] == "#/body/hs_code"
    assert problem["prohibition"]["group"] == "group-4"
    assert problem["prohibition"]["reason_en"]
    assert problem["prohibition"]["reason_fa"]
    assert (await orders.get(path, headers=owner.headers)).json()["lines"] == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"hs_code": "99999999"}, "tariff-line-unknown"),
        ({"hs_code": "1234"}, "validation-failed"),
        ({"quantity": "0"}, "validation-failed"),
        ({"unit": "bucket"}, "validation-failed"),
        ({"unit": "kg"}, "line-unit-mismatch"),  # cars are counted in units
        ({"value": "abc"}, "validation-failed"),
    ],
)
async def test_bad_lines_are_refused_naming_the_field(
    orders: httpx.AsyncClient, draft: tuple[f.Merchant, str], body: dict, code: str
) -> None:
    owner, path = draft
    response = await orders.post(f"{path}/lines", json={**f.line_body(), **body}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["pointer"] == f"#/body/{next(iter(body))}"


async def test_removing_a_line(orders: httpx.AsyncClient, draft: tuple[f.Merchant, str]) -> None:
    owner, path = draft
    line = (await orders.post(f"{path}/lines", json=f.line_body(), headers=owner.headers)).json()
    assert (await orders.delete(f"{path}/lines/{line['id']}", headers=owner.headers)).status_code == 204
    assert (await orders.get(path, headers=owner.headers)).json()["lines"] == []
    again = await orders.delete(f"{path}/lines/{line['id']}", headers=owner.headers)
    assert again.status_code == 404
    assert again.json()["code"] == "order-line-not-found"


async def test_lines_of_a_draft_can_change_any_field(
    orders: httpx.AsyncClient, draft: tuple[f.Merchant, str]
) -> None:
    owner, path = draft
    line = (await orders.post(f"{path}/lines", json=f.line_body(), headers=owner.headers)).json()
    etag = (await orders.get(path, headers=owner.headers)).headers["ETag"]
    changed = await orders.patch(
        f"{path}/lines/{line['id']}",
        json={"hs_code": f.HEALTH_LINE, "unit": "kg"},
        headers={**owner.headers, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["hs_code"] == f.HEALTH_LINE
    assert [p["kind"] for p in changed.json()["permits"]] == ["food-and-drug"]
    etag = (await orders.get(path, headers=owner.headers)).headers["ETag"]
    wrong_unit = await orders.patch(
        f"{path}/lines/{line['id']}", json={"unit": "u"}, headers={**owner.headers, "If-Match": etag}
    )
    assert wrong_unit.status_code == 422
    assert wrong_unit.json()["code"] == "line-unit-mismatch"
    assert wrong_unit.json()["expected_unit"] == "kg"
    assert wrong_unit.json()["errors"][0]["pointer"] == "#/body/unit"
