"""Product IDs (شناسه کالا): headings, registration, dedupe, supervision, barcodes, search."""

from __future__ import annotations

import base64
import random
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity_testing.parties import bearer, make_user, token_for
from identity_testing.representation import acting_for_token
from orders_client.products import gs1_check_digit, vin_check_digit

from kit.runtime import runtime_of
from orders.products import codes
from orders.products import repository as products_repository

PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


# ------------------------------------------------------------------ helpers


def _problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    if code:
        assert body["code"] == code, body
    return body


def _error_types(body: dict[str, Any]) -> dict[str, str]:
    """{pointer: type} of a problem's field errors."""
    return {e["pointer"]: e["type"] for e in body["errors"]}


def _gtin() -> str:
    body = "626" + "".join(random.choices("0123456789", k=9))
    return body + str(gs1_check_digit(body))


def _vin(first: str = "W") -> str:
    """A random European VIN (no check digit rule), or a North American one with its check digit."""
    vin = first + "".join(random.choices(VIN_CHARS, k=16))
    if first in "12345":
        vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    return vin


def _model() -> str:
    return f"Galaxy Test {uuid.uuid4().hex[:10]}"


def phone(**overrides: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "heading": "mobile-phone",
        "international_code": {"type": "gtin", "value": _gtin()},
        "hs_code": "85171390",
        "unit": "u",
        "packaging": {"type": "box", "weight_kg": "0.45"},
        "attributes": {"brand": "samsung", "model": _model(), "memory": "128gb", "colour": "black"},
    }
    card.update(overrides)
    return card


def car(vin: str | None = None, **overrides: Any) -> dict[str, Any]:
    vin = vin or _vin()
    card: dict[str, Any] = {
        "heading": "passenger-car",
        "international_code": {"type": "vin", "value": vin},
        "hs_code": "87032300",
        "unit": "u",
        "packaging": {"type": "unpacked", "weight_kg": "1350"},
        "attributes": {"brand": "toyota", "model": "corolla", "model-year": "2023", "fuel": "petrol"},
    }
    card.update(overrides)
    return card


@pytest.fixture
async def merchant(identity_app: FastAPI) -> dict[str, str]:
    party = await make_user(identity_app, roles=("base-natural", "merchant"))
    return bearer(await token_for(identity_app, party, roles=["base-natural", "merchant"]))


MIMT = {"kind": "issuing-authority", "code": "mimt", "name": "Ministry of Industry, Mine and Trade"}
CUSTOMS = {"kind": "customs-office", "code": "50100", "name": "Test office"}


async def _officer(identity_app: FastAPI, office: dict[str, str]) -> dict[str, str]:
    party = await make_user(identity_app, roles=("base-natural", "officer"))
    return bearer(await token_for(identity_app, party, roles=["officer"], office=office))


@pytest.fixture
async def officer(identity_app: FastAPI) -> dict[str, str]:
    """An officer of the supervising body (the ministry)."""
    return await _officer(identity_app, MIMT)


async def _register(
    orders: httpx.AsyncClient, headers: dict[str, str], card: dict[str, Any]
) -> httpx.Response:
    return await orders.post("/v1/products", json=card, headers=headers)


async def _issued(orders: httpx.AsyncClient, headers: dict[str, str], card: dict[str, Any]) -> dict[str, Any]:
    response = await _register(orders, headers, card)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "issued"
    return body


# ------------------------------------------------------------------ headings


async def test_headings_are_searched_by_name_tariff_code_and_isic(orders: httpx.AsyncClient) -> None:
    by_name = (await orders.get("/v1/product-headings", params={"q": "خودرو"})).json()
    assert [h["id"] for h in by_name["items"]] == ["passenger-car"]
    by_hs = (await orders.get("/v1/product-headings", params={"hs_code": "85171390"})).json()
    assert [h["id"] for h in by_hs["items"]] == ["mobile-phone"]
    by_prefix = (await orders.get("/v1/product-headings", params={"hs_code": "8703"})).json()
    assert [h["id"] for h in by_prefix["items"]] == ["passenger-car"]
    by_isic = (await orders.get("/v1/product-headings", params={"isic": "0111"})).json()
    assert [h["id"] for h in by_isic["items"]] == ["wheat"]
    everything = (await orders.get("/v1/product-headings")).json()
    assert {"passenger-car", "mobile-phone", "wheat", "machine-tool"} <= {
        h["id"] for h in everything["items"]
    }


async def test_a_heading_shows_its_unit_attributes_and_that_it_is_demo_data(
    orders: httpx.AsyncClient,
) -> None:
    response = await orders.get("/v1/product-headings/passenger-car")
    assert response.status_code == 200, response.text
    heading = response.json()
    assert heading["main_unit"] == "u"
    assert heading["demo"] is True
    assert heading["verified"] is False
    assert heading["confidence"] == "G"
    attributes = {a["key"]: a for a in heading["attributes"]}
    assert {"brand", "model", "vin", "model-year"} <= set(attributes)
    assert attributes["brand"]["brand"] is True
    assert "toyota" in [v["code"] for v in attributes["brand"]["values"]]
    assert attributes["vin"]["kind"] == "vin"
    wheat = (await orders.get("/v1/product-headings/wheat")).json()
    assert wheat["supervised"] is True
    assert wheat["main_unit"] == "kg"
    assert wheat["cpc_required"] is True
    _problem(await orders.get("/v1/product-headings/no-such-heading"), 404, "product-heading-not-found")


# ------------------------------------------------------------------ issuing and the catalogue


async def test_a_card_with_existing_values_gets_a_product_id_at_once(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    card = phone()
    body = await _issued(orders, merchant, card)
    product_id = body["product_id"]
    assert codes.is_product_id(product_id)
    assert len(product_id) == 13
    assert gs1_check_digit(product_id[:12]) == int(product_id[12])
    assert body["reused"] is False
    assert body["supervision_reasons"] == []
    product = body["product"]
    assert product["gtin"] == card["international_code"]["value"]
    assert product["gtin_iranian"] is True
    assert product["hs_code"] == "85171390"
    assert product["main_unit"] == "u"
    assert product["description_en"].startswith("Mobile phone Samsung")
    assert product["barcode"]["png"].endswith(f"/v1/products/{product_id}/barcode.png")

    page = await orders.get(f"/v1/products/{product_id}", headers=merchant)
    assert page.status_code == 200, page.text
    assert page.json()["product_id"] == product_id
    assert {a["key"]: a["value_fa"] for a in page.json()["attributes"]}["brand"] == "سامسونگ"


async def test_the_barcode_is_a_png_and_an_svg_qr_code(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    product_id = (await _issued(orders, merchant, phone()))["product_id"]
    png = await orders.get(f"/v1/products/{product_id}/barcode.png", headers=merchant)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG_SIGNATURE)
    assert png.content[12:16] == b"IHDR"
    svg = await orders.get(f"/v1/products/{product_id}/barcode.svg", headers=merchant)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    _problem(
        await orders.get("/v1/products/2999999999998/barcode.png", headers=merchant), 404, "product-not-found"
    )
    _problem(await orders.get(f"/v1/products/{product_id}/barcode.png"), 401)


async def test_an_unknown_product_id_is_404(orders: httpx.AsyncClient, merchant: dict[str, str]) -> None:
    _problem(await orders.get("/v1/products/2999999999998", headers=merchant), 404, "product-not-found")


# ------------------------------------------------------------------ dedupe


async def test_an_identical_card_returns_the_existing_id_even_reordered_and_recased(
    orders: httpx.AsyncClient, merchant: dict[str, str], identity_app: FastAPI
) -> None:
    card = phone()
    first = await _issued(orders, merchant, card)

    again = await _register(orders, merchant, card)
    assert again.status_code == 200, again.text
    assert again.json()["reused"] is True
    assert again.json()["product_id"] == first["product_id"]

    model = card["attributes"]["model"]
    reordered = {
        **card,
        "attributes": {"colour": "BLACK", "memory": "128 GB", "model": model.upper(), "brand": "Samsung"},
        "packaging": {"type": "box", "weight_kg": "0.450"},
    }
    same = await _register(orders, merchant, reordered)
    assert same.status_code == 200, same.text
    assert same.json()["product_id"] == first["product_id"]

    other = await make_user(identity_app, roles=("base-natural", "merchant"))
    other_headers = bearer(await token_for(identity_app, other, roles=["base-natural", "merchant"]))
    reused = await _register(orders, other_headers, card)
    assert reused.status_code == 200, reused.text
    assert reused.json()["product_id"] == first["product_id"]
    assert reused.json()["reused"] is True
    assert reused.json()["requested_for"] != first["requested_for"]

    different = await _register(
        orders, merchant, {**card, "packaging": {"type": "carton", "weight_kg": "0.45"}}
    )
    assert different.status_code == 201, different.text
    assert different.json()["product_id"] != first["product_id"]  # one ID per packaging


# ------------------------------------------------------------------ supervision


async def test_a_new_value_goes_to_supervision_until_an_officer_approves_it(
    orders: httpx.AsyncClient, merchant: dict[str, str], officer: dict[str, str]
) -> None:
    colour = f"Aurora {uuid.uuid4().hex[:6]}"
    card = phone()
    del card["attributes"]["colour"]
    card["new_values"] = [{"attribute": "colour", "name_fa": "شفقی", "name_en": colour, "note": "new finish"}]
    response = await _register(orders, merchant, card)
    assert response.status_code == 201, response.text
    request = response.json()
    assert request["state"] == "under-supervision"
    assert request["state_fa"] == "در حال نظارت"
    assert request["product_id"] is None
    assert request["supervision_reasons"] == ["new-values"]

    _problem(await orders.post(f"/v1/product-requests/{request['id']}/approve", headers=merchant), 403,
             "product-supervision-needs-officer")  # fmt: skip
    queue = await orders.get(
        "/v1/product-requests", params={"state": "under-supervision", "limit": 100}, headers=officer
    )
    assert queue.status_code == 200
    approved = await orders.post(f"/v1/product-requests/{request['id']}/approve", headers=officer)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["state"] == "issued"
    assert codes.is_product_id(body["product_id"])
    assert body["decided_by"].startswith("user:")
    shown = {a["key"]: a for a in body["product"]["attributes"]}["colour"]
    assert shown["value_en"] == colour
    assert shown["value_fa"] == "شفقی"

    heading = (await orders.get("/v1/product-headings/mobile-phone")).json()
    colours = {a["key"]: a for a in heading["attributes"]}["colour"]["values"]
    assert colour in [v["name_en"] for v in colours]

    _problem(await orders.post(f"/v1/product-requests/{request['id']}/approve", headers=officer), 409,
             "product-request-not-under-supervision")  # fmt: skip

    # The value is now on the list: the same card with it is issued at once (the same ID).
    card.pop("new_values")
    card["attributes"]["colour"] = colour
    again = await _register(orders, merchant, card)
    assert again.status_code == 200, again.text
    assert again.json()["product_id"] == body["product_id"]


async def test_an_officer_rejects_with_a_reason(
    orders: httpx.AsyncClient, merchant: dict[str, str], officer: dict[str, str]
) -> None:
    card = phone()
    del card["attributes"]["memory"]
    card["new_values"] = [
        {"attribute": "memory", "name_fa": "۱ ترابایت", "name_en": f"1 TB {uuid.uuid4().hex[:4]}"}
    ]
    request = (await _register(orders, merchant, card)).json()
    _problem(await orders.post(f"/v1/product-requests/{request['id']}/reject", json={"reason": "no"}, headers=merchant),
             403)  # fmt: skip
    rejected = await orders.post(
        f"/v1/product-requests/{request['id']}/reject", json={"reason": "Not a real size"}, headers=officer
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Not a real size"
    mine = await orders.get(f"/v1/product-requests/{request['id']}", headers=merchant)
    assert mine.json()["state"] == "rejected"


async def test_a_supervised_heading_sends_even_known_values_to_supervision(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    card = {
        "heading": "wheat",
        "international_code": {"type": "none"},
        "hs_code": "10011910",
        "cpc": "01111",
        "unit": "t",
        "conversion_factor": "1000",
        "packaging": {"type": "bulk", "weight_kg": str(random.randint(1000, 99999))},
        "attributes": {"variety": "durum", "use": "food"},
        "attachments": [
            {
                "kind": "analysis-certificate",
                "file_name": "a.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
    }
    response = await _register(orders, merchant, card)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "under-supervision"
    assert response.json()["supervision_reasons"] == ["supervised-heading"]
    assert response.json()["attachments"][0]["media_type"] == "application/pdf"

    missing = await _register(
        orders, merchant, {**card, "attachments": [], "cpc": None, "conversion_factor": None}
    )
    errors = _error_types(_problem(missing, 422, "product-card-invalid"))
    assert errors == {
        "#/body/cpc": "cpc_required",
        "#/body/conversion_factor": "conversion_factor_required",
        "#/body/attachments": "attachment_required",
    }


# ------------------------------------------------------------------ brand certificate and attachments


async def test_a_new_brand_needs_a_brand_certificate(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    card = phone()
    del card["attributes"]["brand"]
    card["new_values"] = [
        {"attribute": "brand", "name_fa": "برند تازه", "name_en": f"Newbrand {uuid.uuid4().hex[:6]}"}
    ]
    body = _problem(await _register(orders, merchant, card), 422, "product-card-invalid")
    assert _error_types(body) == {"#/body/attachments": "brand_certificate_required"}

    disguised = {
        "kind": "brand-certificate",
        "file_name": "cert.pdf",
        "content_base64": base64.b64encode(PNG_SIGNATURE + b"x" * 50).decode(),
    }
    body = _problem(await _register(orders, merchant, {**card, "attachments": [disguised]}), 422)
    assert _error_types(body) == {"#/body/attachments/0/content_base64": "attachment_type_not_allowed"}

    too_big = {
        "kind": "brand-certificate",
        "file_name": "c.pdf",
        "content_base64": base64.b64encode(PDF + b"0" * (1024 * 1024)).decode(),
    }
    body = _problem(
        await _register(orders, merchant, {**card, "attachments": [too_big]}), 422, "validation-failed"
    )
    assert [e["type"] for e in body["errors"]] == ["attachment_too_large"]

    jpeg = {
        "kind": "brand-certificate",
        "file_name": "cert.jpg",
        "content_base64": base64.b64encode(b"\xff\xd8\xff\xe0" + b"0" * 64).decode(),
    }
    response = await _register(orders, merchant, {**card, "attachments": [jpeg]})
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "under-supervision"
    assert response.json()["attachments"][0]["media_type"] == "image/jpeg"


# ------------------------------------------------------------------ refusals


async def test_a_bad_gtin_check_digit_is_refused(orders: httpx.AsyncClient, merchant: dict[str, str]) -> None:
    gtin = _gtin()
    bad = gtin[:12] + str((int(gtin[12]) + 1) % 10)
    body = _problem(
        await _register(orders, merchant, phone(international_code={"type": "gtin", "value": bad})), 422
    )
    assert [(e["pointer"], e["type"]) for e in body["errors"]] == [
        ("#/body/international_code/gtin/value", "gtin_check_digit")
    ]


@pytest.mark.parametrize(
    ("vin", "kind"),
    [
        ("WVWZZZ1JZ3W38624", "vin_invalid"),  # 16 characters
        ("WVWZZZ1JZ3W38624I", "vin_invalid"),  # I is not a VIN character
        ("1HGCM82635A004352", "vin_check_digit"),  # North American, wrong 9th character
    ],
)
async def test_a_bad_vin_is_refused(
    orders: httpx.AsyncClient, merchant: dict[str, str], vin: str, kind: str
) -> None:
    body = _problem(await _register(orders, merchant, car(vin=vin)), 422)
    assert [e["type"] for e in body["errors"]] == [kind]
    assert body["errors"][0]["pointer"] == "#/body/international_code/vin/value"


async def test_a_car_product_carries_its_vin(
    orders: httpx.AsyncClient, orders_app: tuple[FastAPI, httpx.AsyncClient], merchant: dict[str, str]
) -> None:
    vin = _vin("1")  # North American, with its check digit
    body = await _issued(orders, merchant, car(vin=vin.lower()))
    assert body["product"]["vin"] == vin
    assert {a["key"]: a["value"] for a in body["product"]["attributes"]}["vin"] == vin
    async with runtime_of(orders_app[0]).sessionmaker() as session:
        product = await products_repository.product(session, body["product_id"])
    assert product is not None
    assert product.vin == vin
    assert product.hs_code == "87032300"

    mismatch = car(vin=vin)
    mismatch["attributes"]["vin"] = _vin()
    assert _error_types(_problem(await _register(orders, merchant, mismatch), 422)) == {
        "#/body/attributes/vin": "vin_mismatch"
    }


async def test_hs_codes_must_exist_and_belong_to_the_heading(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    body = _problem(await _register(orders, merchant, phone(hs_code="87032300")), 422, "product-card-invalid")
    assert _error_types(body) == {"#/body/hs_code": "hs_code_not_in_heading"}
    body = _problem(await _register(orders, merchant, phone(hs_code="85171399")), 422, "product-card-invalid")
    assert _error_types(body) == {"#/body/hs_code": "unknown_hs_code"}
    body = _problem(await _register(orders, merchant, phone(hs_code="8517")), 422, "validation-failed")
    assert body["errors"][0]["pointer"] == "#/body/hs_code"


async def test_attributes_units_and_classifications_are_checked_field_by_field(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    card = phone(unit="carton", isic="9999", cpc="47221")
    card["attributes"] = {"brand": "nosuchbrand", "colour": "black", "flavour": "x"}
    errors = _error_types(_problem(await _register(orders, merchant, card), 422, "product-card-invalid"))
    assert errors == {
        "#/body/conversion_factor": "conversion_factor_required",
        "#/body/isic": "isic_not_in_heading",
        "#/body/attributes/brand": "attribute_value_unknown",
        "#/body/attributes/model": "attribute_missing",
        "#/body/attributes/memory": "attribute_missing",
        "#/body/attributes/flavour": "attribute_unknown",
    }
    exists = phone()
    del exists["attributes"]["brand"]
    exists["new_values"] = [{"attribute": "brand", "name_fa": "سامسونگ", "name_en": "samsung"}]
    assert _error_types(_problem(await _register(orders, merchant, exists), 422)) == {
        "#/body/new_values/0/name_en": "attribute_value_exists"
    }
    unknown_heading = _problem(await _register(orders, merchant, phone(heading="no-such-heading")), 422)
    assert _error_types(unknown_heading) == {"#/body/heading": "unknown_heading"}


async def test_a_chosen_unit_with_its_conversion_factor_is_accepted(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    body = await _issued(orders, merchant, phone(unit="carton", conversion_factor="20"))
    assert body["product"]["unit"] == "carton"
    assert body["product"]["main_unit"] == "u"
    assert body["product"]["conversion_factor"] == "20.000000"
    same_unit = _problem(await _register(orders, merchant, phone(conversion_factor="2")), 422)
    assert _error_types(same_unit) == {"#/body/conversion_factor": "conversion_factor_not_allowed"}


# ------------------------------------------------------------------ who may register


async def test_only_merchants_and_their_product_id_representatives_register(
    orders: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
    admin_headers: dict[str, str],
) -> None:
    person = await make_user(identity_app)
    _problem(
        await _register(orders, bearer(await token_for(identity_app, person)), phone()),
        403,
        "product-id-needs-merchant",
    )
    _problem(await _register(orders, admin_headers, phone()), 403, "product-id-needs-merchant")
    _problem(await _register(orders, {}, phone()), 401)

    grantor = await make_user(identity_app, roles=("base-natural", "merchant"))
    agent = await make_user(identity_app)
    token, _ = await acting_for_token(
        identity_app,
        identity_http,
        grantor,
        agent,
        access_level="medium",
        scopes=["foreign-trade", "product-id"],
    )
    response = await _register(orders, bearer(token), phone())
    assert response.status_code == 201, response.text
    assert response.json()["requested_for"] != response.json()["requested_by"]
    assert response.json()["requested_by"] == f"user:{agent.id}"

    narrow, _ = await acting_for_token(identity_app, identity_http, grantor, agent, scopes=["foreign-trade"])
    _problem(await _register(orders, bearer(narrow), phone()), 403, "product-id-needs-merchant")
    request_id = response.json()["id"]
    _problem(await orders.get(f"/v1/product-requests/{request_id}", headers=bearer(narrow)), 403)

    stranger = await make_user(identity_app, roles=("base-natural", "merchant"))
    stranger_headers = bearer(await token_for(identity_app, stranger, roles=["base-natural", "merchant"]))
    _problem(await orders.get(f"/v1/product-requests/{request_id}", headers=stranger_headers), 404)
    mine = await orders.get(
        f"/v1/product-requests/{request_id}",
        headers=bearer(await token_for(identity_app, grantor, roles=["merchant"])),
    )
    assert mine.status_code == 200


# ------------------------------------------------------------------ drafts


async def test_a_draft_is_kept_not_sent_then_submitted(
    orders: httpx.AsyncClient, merchant: dict[str, str]
) -> None:
    created = await orders.post("/v1/product-requests", json={**phone(), "submit": False}, headers=merchant)
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["state"] == "not-sent"
    assert draft["state_fa"] == "ارسال نشده"
    assert draft["submitted_at"] is None
    listed = (await orders.get("/v1/product-requests", params={"state": "not-sent"}, headers=merchant)).json()
    assert draft["id"] in [r["id"] for r in listed["items"]]

    submitted = await orders.post(f"/v1/product-requests/{draft['id']}/submit", headers=merchant)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "issued"
    assert submitted.json()["product_id"]
    _problem(
        await orders.post(f"/v1/product-requests/{draft['id']}/submit", headers=merchant),
        409,
        "product-request-not-draft",
    )

    bad_draft = await orders.post(
        "/v1/product-requests", json={**phone(hs_code="87032300")}, headers=merchant
    )
    assert bad_draft.status_code == 201  # a draft's card is checked when it is submitted
    refused = await orders.post(f"/v1/product-requests/{bad_draft.json()['id']}/submit", headers=merchant)
    assert _error_types(_problem(refused, 422)) == {"#/body/hs_code": "hs_code_not_in_heading"}
    still = await orders.get(f"/v1/product-requests/{bad_draft.json()['id']}", headers=merchant)
    assert still.json()["state"] == "not-sent"


async def test_a_draft_is_edited_with_its_etag_then_submitted(
    orders: httpx.AsyncClient, merchant: dict[str, str], identity_app: FastAPI
) -> None:
    bad = await orders.post("/v1/product-requests", json=phone(hs_code="87032300"), headers=merchant)
    path = f"/v1/product-requests/{bad.json()['id']}"
    etag = bad.headers["ETag"]
    assert (await orders.get(path, headers=merchant)).headers["ETag"] == etag

    _problem(await orders.put(path, json=phone(), headers=merchant), 428, "if-match-required")
    fixed_card = phone()
    edited = await orders.put(path, json=fixed_card, headers={**merchant, "If-Match": etag})
    assert edited.status_code == 200, edited.text
    assert edited.json()["state"] == "not-sent"
    assert edited.json()["card"]["hs_code"] == "85171390"
    assert edited.headers["ETag"] != etag
    stale = await orders.put(path, json=phone(), headers={**merchant, "If-Match": etag})
    assert _problem(stale, 412, "etag-mismatch")["errors"][0]["pointer"] == "#/header/If-Match"

    unknown = await orders.put(
        path, json=phone(heading="no-such-heading"), headers={**merchant, "If-Match": edited.headers["ETag"]}
    )
    assert _error_types(_problem(unknown, 422, "product-card-invalid")) == {
        "#/body/heading": "unknown_heading"
    }
    stranger_party = await make_user(identity_app, roles=("base-natural", "merchant"))
    stranger = bearer(await token_for(identity_app, stranger_party, roles=["base-natural", "merchant"]))
    _problem(await orders.put(path, json=phone(), headers={**stranger, "If-Match": "*"}), 404)

    submitted = await orders.post(f"{path}/submit", headers=merchant)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "issued"
    assert submitted.json()["product"]["gtin"] == fixed_card["international_code"]["value"]
    late = await orders.put(path, json=phone(), headers={**merchant, "If-Match": submitted.headers["ETag"]})
    _problem(late, 409, "product-request-not-draft")


# ------------------------------------------------------------------ search


async def test_products_are_searched_by_each_key(orders: httpx.AsyncClient, merchant: dict[str, str]) -> None:
    card = phone()
    product = (await _issued(orders, merchant, card))["product"]
    vehicle = (await _issued(orders, merchant, car()))["product"]

    async def ids(**params: str) -> list[str]:
        response = await orders.get("/v1/products", params={**params, "limit": "100"}, headers=merchant)
        assert response.status_code == 200, response.text
        return [p["product_id"] for p in response.json()["items"]]

    assert await ids(gtin=product["gtin"]) == [product["product_id"]]
    assert await ids(vin=vehicle["vin"]) == [vehicle["product_id"]]
    assert await ids(q=card["attributes"]["model"].split()[-1]) == [product["product_id"]]
    assert await ids(q=product["product_id"]) == [product["product_id"]]
    assert vehicle["product_id"] in await ids(hs_code="87032300", heading="passenger-car")
    assert product["product_id"] not in await ids(hs_code="87032300")
    assert product["product_id"] in await ids(heading="mobile-phone", q="سامسونگ")
    assert await ids(gtin=product["gtin"], heading="passenger-car") == []
    _problem(await orders.get("/v1/products", params={"gtin": "12"}, headers=merchant), 422)
    _problem(await orders.get("/v1/products"), 401)


async def test_search_pages_walk_with_the_cursor(orders: httpx.AsyncClient, merchant: dict[str, str]) -> None:
    for _ in range(3):
        await _issued(orders, merchant, phone())
    first = (
        await orders.get("/v1/products", params={"heading": "mobile-phone", "limit": "2"}, headers=merchant)
    ).json()
    assert len(first["items"]) == 2
    assert first["next"]
    second = (await orders.get(first["next"], headers=merchant)).json()
    assert second["items"][0]["product_id"] > first["items"][1]["product_id"]


# ------------------------------------------------------------------ pure functions


def test_product_ids_use_the_gs1_check_digit_in_the_in_house_range() -> None:
    assert codes.product_id_for(1) == "2000000000015"
    assert codes.is_product_id("2000000000015")
    assert not codes.is_product_id("2000000000016")
    assert codes.is_product_id(codes.product_id_for(98765432109))
    assert not codes.is_product_id("6260000000011")  # a GTIN is never one of our IDs


def test_vin_check_digit_follows_the_north_american_rule() -> None:
    assert vin_check_digit("1HGCM82633A004352") == "3"
    assert vin_check_digit("11111111111111111") == "1"


def test_the_fingerprint_ignores_key_order() -> None:
    a = {"heading": "x", "attributes": {"a": "1", "b": "2"}}
    b = {"attributes": {"b": "2", "a": "1"}, "heading": "x"}
    assert codes.fingerprint(a) == codes.fingerprint(b)
    assert codes.fingerprint(a) != codes.fingerprint({**a, "heading": "y"})


async def test_issuing_is_audited_and_published_to_the_outbox(
    orders: httpx.AsyncClient,
    orders_app: tuple[FastAPI, httpx.AsyncClient],
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
) -> None:
    from sqlalchemy import select

    from orders.db import outbox_events
    from orders.products.models import ProductRequestEvent

    grantor = await make_user(identity_app, roles=("base-natural", "merchant"))
    agent = await make_user(identity_app)
    token, _ = await acting_for_token(identity_app, identity_http, grantor, agent, scopes=["product-id"])
    body = await _issued(orders, bearer(token), phone())
    async with runtime_of(orders_app[0]).sessionmaker() as session:
        events = (
            await session.scalars(
                select(ProductRequestEvent)
                .where(ProductRequestEvent.request_id == uuid.UUID(body["id"]))
                .order_by(ProductRequestEvent.id)
            )
        ).all()
        published = (
            await session.execute(select(outbox_events).where(outbox_events.c.subject == body["product_id"]))
        ).all()
    assert [(e.action, e.state) for e in events] == [("created", "not-sent"), ("issued", "issued")]
    assert {(e.actor, e.principal) for e in events} == {(f"user:{agent.id}", f"user:{grantor.id}")}
    assert all(e.http_request_id for e in events)
    assert [(p.topic, p.payload["product_id"]) for p in published] == [("product.issued", body["product_id"])]


# ------------------------------------------------------------------ who sees a request


async def test_a_trader_full_representative_sees_no_product_request(
    orders: httpx.AsyncClient, identity_app: FastAPI, identity_http: httpx.AsyncClient
) -> None:
    """A trader grant's `full` is domestic trade: it covers no product-ID operation (SPEC §1)."""
    grantor = await make_user(identity_app, roles=("base-natural", "merchant", "trader"))
    own = bearer(await token_for(identity_app, grantor, roles=["base-natural", "merchant", "trader"]))
    created = await orders.post("/v1/product-requests", json={**phone(), "submit": False}, headers=own)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    agent = await make_user(identity_app)
    token, _ = await acting_for_token(
        identity_app, identity_http, grantor, agent, role="trader", scopes=["full"], access_level="full"
    )
    trader = bearer(token)
    _problem(await orders.get("/v1/product-requests", headers=trader), 403, "product-id-needs-merchant")
    _problem(
        await orders.get(f"/v1/product-requests/{request_id}", headers=trader),
        403,
        "product-id-needs-merchant",
    )
    _problem(await _register(orders, trader, phone()), 403, "product-id-needs-merchant")
    # The merchant-role representative still reads it.
    merchant_token, _ = await acting_for_token(
        identity_app, identity_http, grantor, agent, scopes=["product-id"]
    )
    seen = await orders.get(f"/v1/product-requests/{request_id}", headers=bearer(merchant_token))
    assert seen.status_code == 200, seen.text


async def test_officers_see_a_request_only_once_sent_and_only_the_ministrys(
    orders: httpx.AsyncClient, identity_app: FastAPI, merchant: dict[str, str], officer: dict[str, str]
) -> None:
    customs = await _officer(identity_app, CUSTOMS)
    card = phone()
    del card["attributes"]["colour"]
    tag = uuid.uuid4().hex[:8]
    card["new_values"] = [{"attribute": "colour", "name_fa": f"یشمی {tag}", "name_en": f"Jade {tag}"}]
    created = await orders.post("/v1/product-requests", json={**card, "submit": False}, headers=merchant)
    assert created.status_code == 201, created.text
    path = f"/v1/product-requests/{created.json()['id']}"

    # A draft is the merchant's: no officer reads it, lists it or decides on it.
    for headers in (customs, officer):
        _problem(await orders.get(path, headers=headers), 404, "product-request-not-found")
        listed = await orders.get("/v1/product-requests", params={"limit": 100}, headers=headers)
        assert created.json()["id"] not in [r["id"] for r in listed.json()["items"]]
    _problem(await orders.post(f"{path}/approve", headers=officer), 404, "product-request-not-found")

    sent = await orders.post(f"{path}/submit", headers=merchant)
    assert sent.json()["state"] == "under-supervision", sent.text
    # Once sent, the ministry's officers see it; a customs office's do not, nor decide on it.
    assert (await orders.get(path, headers=officer)).status_code == 200
    _problem(await orders.get(path, headers=customs), 404, "product-request-not-found")
    queue = await orders.get(
        "/v1/product-requests", params={"state": "under-supervision", "limit": 100}, headers=customs
    )
    assert created.json()["id"] not in [r["id"] for r in queue.json()["items"]]
    _problem(await orders.post(f"{path}/approve", headers=customs), 403, "product-supervision-needs-officer")
    _problem(
        await orders.post(f"{path}/reject", json={"reason": "no"}, headers=customs),
        403,
        "product-supervision-needs-officer",
    )
    approved = await orders.post(f"{path}/approve", headers=officer)
    assert approved.status_code == 200, approved.text


async def test_a_supervisor_tied_to_the_request_does_not_decide_on_it(
    orders: httpx.AsyncClient,
    identity_app: FastAPI,
    identity_http: httpx.AsyncClient,
    officer: dict[str, str],
) -> None:
    """Separation of duties: the merchant's representative, or whoever made the request, never
    approves or rejects it (403 `conflict-of-interest`); an unrelated supervisor does."""
    grantor = await make_user(identity_app, roles=("base-natural", "merchant"))
    own = bearer(await token_for(identity_app, grantor, roles=["base-natural", "merchant"]))
    supervisor = await make_user(identity_app, roles=("base-natural", "officer"))
    supervisor_own = bearer(await token_for(identity_app, supervisor, roles=["officer"], office=MIMT))

    def card() -> dict[str, Any]:
        c = phone()
        del c["attributes"]["colour"]
        tag = uuid.uuid4().hex[:8]
        c["new_values"] = [{"attribute": "colour", "name_fa": f"لاجوردی {tag}", "name_en": f"Azure {tag}"}]
        return c

    # The supervisor represents the merchant: no decision on the merchant's request.
    token, grant_id = await acting_for_token(
        identity_app, identity_http, grantor, supervisor, scopes=["product-id"]
    )
    by_merchant = (await _register(orders, own, card())).json()
    assert by_merchant["state"] == "under-supervision"
    path = f"/v1/product-requests/{by_merchant['id']}"
    _problem(await orders.post(f"{path}/approve", headers=supervisor_own), 403, "conflict-of-interest")
    _problem(
        await orders.post(f"{path}/reject", json={"reason": "no"}, headers=supervisor_own),
        403,
        "conflict-of-interest",
    )

    # One they made as representative stays barred after the grant is revoked.
    by_supervisor = (await _register(orders, bearer(token), card())).json()
    revoked = await identity_http.post(f"/v1/representations/{grant_id}/revoke", headers=own)
    assert revoked.status_code == 200, revoked.text
    made = f"/v1/product-requests/{by_supervisor['id']}"
    _problem(await orders.post(f"{made}/approve", headers=supervisor_own), 403, "conflict-of-interest")
    assert (await orders.post(f"{path}/approve", headers=supervisor_own)).status_code == 200

    assert (await orders.post(f"{made}/approve", headers=officer)).status_code == 200
