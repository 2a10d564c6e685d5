"""The reference-data endpoints, refusals included."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest

PROBLEM = "application/problem+json"


def _fida(length: int = 12) -> str:
    return str(random.randint(10 ** (length - 1), 10**length - 1))


def _problem(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    if code:
        assert body["code"] == code, body
    return body


# ------------------------------------------------------------------ tariff lines


async def test_a_tariff_line_shows_permits_prohibition_and_duty_category(orders: httpx.AsyncClient) -> None:
    response = await orders.get("/v1/tariff-lines/87032300")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"].startswith("public")
    line = response.json()
    assert line["hs_code"] == "87032300"
    assert line["hs_code_display"] == "8703 23 00"
    assert line["duty_category"] == "cars"
    assert [p["kind"] for p in line["permits"]] == ["standards"]
    assert line["permits"][0]["issuing_body"]["name_fa"] == "سازمان ملی استاندارد ایران"
    assert line["prohibited"] is False
    assert line["prohibition"] is None
    assert line["confidence"] == "G"
    assert line["verified"] is False
    assert line["sources"][0]["id"] == "hs-2022"


async def test_a_prohibited_line_says_why(orders: httpx.AsyncClient) -> None:
    line = (await orders.get("/v1/tariff-lines/22030000")).json()
    assert line["prohibited"] is True
    assert line["prohibition"]["group"] == "sharia"
    assert line["prohibition"]["reason_fa"]
    fridge = (await orders.get("/v1/tariff-lines/84182100")).json()
    assert fridge["prohibition"]["group"] == "group-4"
    assert fridge["prohibition"]["confidence"] == "M"


async def test_rates_are_dated(orders: httpx.AsyncClient) -> None:
    wheat = (await orders.get("/v1/tariff-lines/10011910")).json()
    assert wheat["duty_rate"]["rate_percent"] == "10"
    assert wheat["duty_rate"]["valid_from"] is None
    ev_1403 = (await orders.get("/v1/tariff-lines/87038000", params={"on": "2024-06-01"})).json()
    assert ev_1403["duty_rate"]["rate_percent"] == "4"
    assert ev_1403["duty_rate"]["valid_from_jalali"] == "1403-01-01"
    assert ev_1403["duty_rate"]["valid_to_jalali"] == "1403-12-30"
    jalali = (await orders.get("/v1/tariff-lines/87038000", params={"on": "۱۴۰۳/۰۳/۱۲"})).json()
    assert jalali["duty_rate"]["rate_percent"] == "4"
    ev_now = (await orders.get("/v1/tariff-lines/87038000", params={"on": "2025-06-01"})).json()
    assert ev_now["duty_rate"] is None
    assert len(ev_now["duty_rates"]) == 1
    medicine = (await orders.get("/v1/tariff-lines/30049000")).json()
    assert medicine["duty_rate"] is None
    assert medicine["duty_rates"] == [], "rate not found: not invented"


@pytest.mark.parametrize("code", ["1001 19 10", "1001.19.10", "۱۰۰۱۱۹۱۰"])
async def test_codes_are_accepted_as_people_write_them(orders: httpx.AsyncClient, code: str) -> None:
    response = await orders.get(f"/v1/tariff-lines/{code}")
    assert response.status_code == 200, response.text
    assert response.json()["hs_code"] == "10011910"


async def test_an_unknown_code_is_404_naming_the_field(orders: httpx.AsyncClient) -> None:
    body = _problem(await orders.get("/v1/tariff-lines/99999999"), 404, "tariff-line-not-found")
    assert body["errors"][0]["pointer"] == "#/path/hs_code"
    assert body["title_fa"]


@pytest.mark.parametrize("code", ["1001", "100119101", "ABCDEFGH", "00011910", "1001-19-10"])
async def test_a_malformed_code_is_422_naming_the_field(orders: httpx.AsyncClient, code: str) -> None:
    body = _problem(await orders.get(f"/v1/tariff-lines/{code}"), 422, "validation-failed")
    assert body["errors"][0]["pointer"] == "#/path/hs_code"
    assert body["errors"][0]["type"] == "hs_code_invalid"


async def test_search_by_prefix_words_chapter_and_heading(orders: httpx.AsyncClient) -> None:
    cars = (await orders.get("/v1/tariff-lines", params={"q": "8703", "limit": 100})).json()["items"]
    assert cars
    assert all(line["hs_code"].startswith("8703") for line in cars)
    assert [line["hs_code"] for line in cars] == sorted(line["hs_code"] for line in cars)
    persian_digits = (await orders.get("/v1/tariff-lines", params={"q": "۸۵۱۷ ۱۳"})).json()["items"]
    assert [line["hs_code"] for line in persian_digits] == ["85171390"]
    fridge = (await orders.get("/v1/tariff-lines", params={"q": "یخچال"})).json()["items"]
    assert {line["hs_code"] for line in fridge} >= {"84182100", "84181000"}
    arabic_letters = (await orders.get("/v1/tariff-lines", params={"q": "يخچال"})).json()["items"]
    assert arabic_letters == fridge
    rice = (await orders.get("/v1/tariff-lines", params={"q": "milled rice"})).json()["items"]
    assert [line["hs_code"] for line in rice] == ["10063000"]
    chapter = (await orders.get("/v1/tariff-lines", params={"chapter": "10", "limit": 100})).json()["items"]
    assert chapter
    assert {line["chapter"] for line in chapter} == {"10"}
    heading = (await orders.get("/v1/tariff-lines", params={"heading": "1701"})).json()["items"]
    assert {line["hs_code"] for line in heading} == {"17011200", "17011300", "17011400", "17019900"}
    nothing = (await orders.get("/v1/tariff-lines", params={"q": "100%_"})).json()["items"]
    assert nothing == []


async def test_the_list_is_paginated(orders: httpx.AsyncClient) -> None:
    seen: list[str] = []
    url: str | None = "/v1/tariff-lines?limit=30"
    while url:
        page = (await orders.get(url)).json()
        seen.extend(line["hs_code"] for line in page["items"])
        url = page["next"]
    assert len(seen) == len(set(seen)) >= 90
    assert seen == sorted(seen)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"chapter": "1"}, "chapter"),
        ({"heading": "87"}, "heading"),
        ({"limit": "0"}, "limit"),
        ({"on": "0"}, "on"),
        ({"on": "1404-13-01"}, "on"),
        ({"on": "2025-02-30"}, "on"),
    ],
)
async def test_bad_search_parameters_are_422(orders: httpx.AsyncClient, params: dict, field: str) -> None:
    body = _problem(await orders.get("/v1/tariff-lines", params=params), 422)
    assert body["errors"][0]["pointer"] == f"#/query/{field}"


async def test_a_bad_cursor_is_400(orders: httpx.AsyncClient) -> None:
    _problem(await orders.get("/v1/tariff-lines", params={"cursor": "nonsense"}), 400, "invalid-cursor")


async def test_permit_kinds(orders: httpx.AsyncClient) -> None:
    kinds = {k["id"]: k for k in (await orders.get("/v1/permit-kinds")).json()["items"]}
    assert set(kinds) == {
        "standards",
        "food-and-drug",
        "veterinary",
        "plant-quarantine",
        "environment",
        "telecom",
        "defence",
    }
    assert kinds["food-and-drug"]["issuing_body"]["id"] == "ifda"


# ------------------------------------------------------------------ customs offices


async def test_customs_offices_by_province_kind_border_and_words(orders: httpx.AsyncClient) -> None:
    everything = (await orders.get("/v1/customs-offices")).json()["items"]
    assert len(everything) >= 100
    west = (await orders.get("/v1/customs-offices", params={"province": "IR-04"})).json()["items"]
    assert west[0]["head"]
    assert west[0]["id"] == "west-azerbaijan-supervision"
    assert all(o["province"]["id"] == "IR-04" for o in west)
    assert all(o["parent_id"] == "west-azerbaijan-supervision" for o in west[1:])
    turkey = (await orders.get("/v1/customs-offices", params={"border": "TR"})).json()["items"]
    assert {o["id"] for o in turkey} == {"bazargan", "razi", "serow"}
    assert turkey[0]["neighbour_name"] == "Türkiye" or turkey[0]["neighbour_name"]
    airports = (await orders.get("/v1/customs-offices", params={"kind": "airport"})).json()["items"]
    assert {o["id"] for o in airports} == {"imam-khomeini-airport", "lar-airport"}
    cars = (await orders.get("/v1/customs-offices", params={"clears_cars": "true"})).json()["items"]
    assert [o["id"] for o in cars] == ["bazargan"]
    found = (await orders.get("/v1/customs-offices", params={"q": "رجایی"})).json()["items"]
    assert [o["id"] for o in found] == ["shahid-rajaee"]
    assert (await orders.get("/v1/customs-offices", params={"q": "khorramshahr"})).json()["items"][0][
        "code"
    ] == "75403"


async def test_one_office_by_code_or_id(orders: httpx.AsyncClient) -> None:
    by_code = (await orders.get("/v1/customs-offices/30300")).json()
    by_id = (await orders.get("/v1/customs-offices/bazargan")).json()
    assert by_code == by_id
    assert by_id["clears_cars"] is True
    assert by_id["main_transit"] is True
    assert by_id["province"] == {"id": "IR-04", "name_fa": "آذربایجان غربی", "name_en": "West Azerbaijan"}
    rajaee = (await orders.get("/v1/customs-offices/shahid-rajaee")).json()
    assert rajaee["code"] is None
    assert rajaee["kind"] == "seaport"


async def test_unknown_and_malformed_offices(orders: httpx.AsyncClient) -> None:
    body = _problem(await orders.get("/v1/customs-offices/99999"), 404, "customs-office-not-found")
    assert body["errors"][0]["pointer"] == "#/path/office_id"
    _problem(await orders.get("/v1/customs-offices/nowhere"), 404)
    _problem(await orders.get("/v1/customs-offices/Bad_Id"), 422)
    _problem(await orders.get("/v1/customs-offices", params={"province": "Tehran"}), 422)
    _problem(await orders.get("/v1/customs-offices", params={"kind": "spaceport"}), 422)


async def test_provinces_with_their_offices(orders: httpx.AsyncClient) -> None:
    provinces = {p["id"]: p for p in (await orders.get("/v1/provinces")).json()["items"]}
    assert len(provinces) == 31
    hormozgan = provinces["IR-22"]
    assert hormozgan["head_office_id"] == "shahid-rajaee"
    assert hormozgan["offices"][0]["id"] == "shahid-rajaee"
    assert provinces["IR-23"]["head_office_id"] is None  # Tehran: no head unit given
    assert "imam-khomeini-airport" in {o["id"] for o in provinces["IR-23"]["offices"]}
    assert sum(len(p["offices"]) for p in provinces.values()) == len(
        (await orders.get("/v1/customs-offices")).json()["items"]
    )


# ------------------------------------------------------------------ Incoterms, countries, currencies, overview


async def test_incoterms(orders: httpx.AsyncClient) -> None:
    body = (await orders.get("/v1/incoterms")).json()
    assert body["version"] == "2020"
    assert body["valid_from"] == "2020-01-01"
    terms = {t["code"]: t for t in body["items"]}
    assert len(terms) == 11
    assert terms["FOB"]["mode_group"] == "sea"
    assert not terms["FOB"]["seller_pays_main_carriage"]
    assert terms["CFR"]["seller_pays_main_carriage"]
    assert not terms["CFR"]["seller_insures"]
    assert terms["CIP"]["mode_group"] == "any"
    assert terms["CIP"]["seller_insures"]


async def test_countries_and_currencies(orders: httpx.AsyncClient) -> None:
    countries = {c["alpha_2"]: c for c in (await orders.get("/v1/countries")).json()["items"]}
    assert len(countries) == 249
    assert countries["AE"]["alpha_3"] == "ARE"
    assert countries["AE"]["name_fa"] == "امارات متحده عربی"
    currencies = {c["code"]: c for c in (await orders.get("/v1/currencies")).json()["items"]}
    assert {"EUR", "AED", "CNY", "USD", "IRR"} <= {c for c, v in currencies.items() if v["tradable"]}
    assert not currencies["XAU"]["tradable"]
    assert not currencies["XTS"]["tradable"]


async def test_the_overview_lists_sets_with_sources_and_confidence(orders: httpx.AsyncClient) -> None:
    body = (await orders.get("/v1/reference-data")).json()
    sets = {s["id"]: s for s in body["sets"]}
    assert sets["tariff-lines"]["stored"]
    assert sets["tariff-lines"]["item_count"] >= 90
    assert sets["incoterms"]["confidence"] == "H"
    assert sets["incoterms"]["verified"]
    assert sets["countries"]["stored"] is False
    assert len(sets["customs-offices"]["content_hash"]) == 64
    assert {s["id"] for s in body["sources"]} >= {"hs-2022", "customs-data-js", "icc-incoterms-2020"}


async def test_public_reference_data_needs_no_token(orders: httpx.AsyncClient) -> None:
    for path in (
        "/v1/tariff-lines",
        "/v1/customs-offices",
        "/v1/provinces",
        "/v1/incoterms",
        "/v1/car-brands",
    ):
        assert (await orders.get(path)).status_code == 200, path


# ------------------------------------------------------------------ FIDA sellers


async def test_seller_lookup_needs_a_token(orders: httpx.AsyncClient) -> None:
    body = _problem(await orders.get("/v1/sellers/999900000001"), 401, "unauthenticated")
    assert body["detail"]
    _problem(
        await orders.get("/v1/sellers/999900000001", headers={"Authorization": "Bearer not.a.token"}), 401
    )


async def test_demo_sellers_exist_only_in_the_sandbox(
    orders: httpx.AsyncClient, sandbox_orders: httpx.AsyncClient, agent_headers: dict[str, str]
) -> None:
    _problem(await orders.get("/v1/sellers/999900000001", headers=agent_headers), 404, "seller-not-found")
    demo = await sandbox_orders.get("/v1/sellers/999900000001", headers=agent_headers)
    assert demo.status_code == 200, demo.text
    assert demo.json()["sandbox"] is True
    assert demo.json()["country"] == "AE"
    ten_digits = await sandbox_orders.get("/v1/sellers/9999000005", headers=agent_headers)
    assert ten_digits.json()["name"].endswith("(demo)")


async def test_register_and_resolve_a_seller(
    orders: httpx.AsyncClient, admin_headers: dict[str, str], agent_headers: dict[str, str]
) -> None:
    fida = _fida()
    created = await orders.post(
        "/v1/sellers",
        json={"fida_id": fida, "name": "Gulf Trading FZE", "name_fa": "تجارت خلیج", "country": "AE"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"].endswith(f"/v1/sellers/{fida}")
    seller = created.json()
    assert seller["sandbox"] is False
    assert seller["country_name"] == "United Arab Emirates"
    resolved = await orders.get(f"/v1/sellers/{fida}", headers=agent_headers)
    assert resolved.status_code == 200
    assert resolved.json()["name"] == "Gulf Trading FZE"
    # the same ID again: 409; in Persian digits it is the same ID
    persian = fida.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    again = await orders.post(
        "/v1/sellers", json={"fida_id": persian, "name": "Other", "country": "DE"}, headers=admin_headers
    )
    body = _problem(again, 409, "seller-already-registered")
    assert body["errors"][0]["pointer"] == "#/body/fida_id"


async def test_a_ten_digit_fida_id_is_accepted(
    orders: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    fida = _fida(10)
    created = await orders.post(
        "/v1/sellers", json={"fida_id": fida, "name": "Short ID GmbH", "country": "DE"}, headers=admin_headers
    )
    assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    ("body", "field", "error_type"),
    [
        ({"fida_id": "123456789", "name": "X", "country": "AE"}, "fida_id", "fida_seller_id_invalid"),
        ({"fida_id": "1234567890123", "name": "X", "country": "AE"}, "fida_id", "fida_seller_id_invalid"),
        ({"fida_id": "12345abc901", "name": "X", "country": "AE"}, "fida_id", "fida_seller_id_invalid"),
        ({"fida_id": "123456789012", "name": "X", "country": "IR"}, "country", "literal_error"),
        ({"fida_id": "123456789012", "name": "X", "country": "QQ"}, "country", "literal_error"),
        ({"fida_id": "123456789012", "name": "", "country": "AE"}, "name", "string_too_short"),
        ({"fida_id": "123456789012", "name": "X\nY", "country": "AE"}, "name", "string_pattern_mismatch"),
    ],
)
async def test_a_bad_seller_is_422_naming_the_field(
    orders: httpx.AsyncClient, admin_headers: dict[str, str], body: dict, field: str, error_type: str
) -> None:
    problem = _problem(await orders.post("/v1/sellers", json=body, headers=admin_headers), 422)
    assert problem["errors"][0]["pointer"] == f"#/body/{field}"
    assert problem["errors"][0]["type"] == error_type


async def test_only_admins_register_sellers(orders: httpx.AsyncClient, agent_headers: dict[str, str]) -> None:
    body = {"fida_id": _fida(), "name": "X", "country": "AE"}
    _problem(await orders.post("/v1/sellers", json=body), 401)
    problem = _problem(await orders.post("/v1/sellers", json=body, headers=agent_headers), 403, "forbidden")
    assert problem["missing_scopes"] == ["admin"]


async def test_a_malformed_fida_id_in_the_path_is_422(
    orders: httpx.AsyncClient, agent_headers: dict[str, str]
) -> None:
    problem = _problem(await orders.get("/v1/sellers/12345", headers=agent_headers), 422)
    assert problem["errors"][0]["pointer"] == "#/path/fida_id"


async def test_seller_registration_is_idempotent(
    orders: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    key = str(uuid.uuid4())
    body = {"fida_id": _fida(), "name": "Idempotent Co", "country": "CN"}
    headers = {**admin_headers, "Idempotency-Key": key}
    first = await orders.post("/v1/sellers", json=body, headers=headers)
    second = await orders.post("/v1/sellers", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json() == second.json()
    other = await orders.post("/v1/sellers", json={**body, "name": "Another"}, headers=headers)
    _problem(other, 422, "idempotency-key-reused")


# ------------------------------------------------------------------ car brands


async def test_the_demo_brand_list_is_shown_only_in_the_sandbox(
    orders: httpx.AsyncClient, sandbox_orders: httpx.AsyncClient
) -> None:
    real = (await orders.get("/v1/car-brands")).json()["items"]
    assert all(not b["sandbox"] for b in real)
    demo = {b["id"]: b for b in (await sandbox_orders.get("/v1/car-brands")).json()["items"]}
    assert demo["toyota"]["sandbox"]
    assert not demo["toyota"]["verified"]
    assert "corolla" in {m["id"] for m in demo["toyota"]["models"]}


async def test_admins_add_brands_and_models(
    orders: httpx.AsyncClient, admin_headers: dict[str, str], agent_headers: dict[str, str]
) -> None:
    brand = f"brand-{uuid.uuid4().hex[:8]}"
    created = await orders.post(
        "/v1/car-brands",
        json={"id": brand, "name": "Test Motors", "name_fa": "خودروی آزمایشی"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["verified"]
    assert not created.json()["sandbox"]
    _problem(
        await orders.post("/v1/car-brands", json={"id": brand, "name": "Again"}, headers=admin_headers),
        409,
        "car-brand-already-listed",
    )
    model = await orders.post(
        f"/v1/car-brands/{brand}/models", json={"id": "model-x", "name": "Model X"}, headers=admin_headers
    )
    assert model.status_code == 201, model.text
    _problem(
        await orders.post(
            f"/v1/car-brands/{brand}/models", json={"id": "model-x", "name": "X"}, headers=admin_headers
        ),
        409,
        "car-model-already-listed",
    )
    listed = {b["id"]: b for b in (await orders.get("/v1/car-brands")).json()["items"]}
    assert [m["id"] for m in listed[brand]["models"]] == ["model-x"]
    # refusals
    _problem(await orders.post("/v1/car-brands", json={"id": "x", "name": "X"}), 401)
    _problem(await orders.post("/v1/car-brands", json={"id": "x", "name": "X"}, headers=agent_headers), 403)
    _problem(
        await orders.post(
            f"/v1/car-brands/{brand}/models", json={"id": "y", "name": "Y"}, headers=agent_headers
        ),
        403,
    )
    body = _problem(
        await orders.post(
            "/v1/car-brands/no-such-brand/models", json={"id": "y", "name": "Y"}, headers=admin_headers
        ),
        404,
        "car-brand-not-found",
    )
    assert body["errors"][0]["pointer"] == "#/path/brand_id"
    bad = _problem(
        await orders.post("/v1/car-brands", json={"id": "Bad Id", "name": "X"}, headers=admin_headers), 422
    )
    assert bad["errors"][0]["pointer"] == "#/body/id"


async def test_a_demo_brand_is_hidden_outside_the_sandbox(
    orders: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """Without the sandbox the demo list does not exist: adding a model to a demo brand is 404."""
    _problem(
        await orders.post(
            "/v1/car-brands/toyota/models", json={"id": "yaris", "name": "Yaris"}, headers=admin_headers
        ),
        404,
    )
