"""The reference data files: well formed, consistent, and holding every code the seeds and the
reference documents name. No database here."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import get_args

import pycountry
import pytest
from orders_client.reference import DutyCategory, SupplementaryUnit

from kit.data_files import DataFileError
from orders.reference.data_files import ReferenceData, load
from panjereh_contract.identifiers import is_valid_hs_code

# Every 8-digit line REFERENCE-DATA.md §2b and RULES-REFERENCE.md name (the conversion table of
# CAL-EB art. 87), and the phone lines IRICA cites. Seeds 001 and 003 name no tariff code.
NAMED_LINES = {
    "10011910", "10011990", "10019900", "10061000", "10063000", "10064000",
    "17011200", "17011300", "17011400", "17019900", "04011000", "04021010",
    "87031010", "87031090", "87042110", "85171100",
    "85171210", "85171390", "85171220", "85171420",
    "04021030", "04022130", "04022190", "04022900", "20029010",
}  # fmt: skip
# Headings named by 4 digits (RULES-REFERENCE conversion table; issue 5's goods).
NAMED_HEADINGS = {
    "1001", "1701", "1006", "1003", "0409", "0401", "0402", "8703", "8517", "3004", "8418",
}  # fmt: skip
# REFERENCE-DATA §2b: rates "not found" — no line under these may carry a rate.
NO_RATE_PREFIXES = ("0409", "20029010", "3004", "61", "62", "84", "8509", "8516", "8528", "7321")
KNOWN_PERMITS = {
    "standards",
    "food-and-drug",
    "veterinary",
    "plant-quarantine",
    "environment",
    "telecom",
    "defence",
}


@pytest.fixture(scope="module")
def data() -> ReferenceData:
    return load()


def _lines(data: ReferenceData) -> list[dict]:
    return data.rows("tariff_lines")


def test_every_hs_code_is_8_digits_and_unique(data: ReferenceData) -> None:
    codes = [line["hs_code"] for line in _lines(data)]
    assert len(codes) >= 90
    assert all(re.fullmatch(r"[0-9]{8}", c) and is_valid_hs_code(c) for c in codes)
    assert not [c for c, n in Counter(codes).items() if n > 1]
    for line in _lines(data):
        assert line["chapter"] == line["hs_code"][:2]
        assert line["heading"] == line["hs_code"][:4]


def test_codes_named_in_the_seeds_and_references_are_present(data: ReferenceData) -> None:
    codes = {line["hs_code"] for line in _lines(data)}
    assert codes >= NAMED_LINES, sorted(NAMED_LINES - codes)
    headings = {c[:4] for c in codes}
    assert headings >= NAMED_HEADINGS, sorted(NAMED_HEADINGS - headings)
    assert any("0801" <= c[:4] <= "0813" for c in codes), "fruit (0801–0813) of the conversion table"


def test_the_flows_goods_are_covered(data: ReferenceData) -> None:
    codes = {line["hs_code"] for line in _lines(data)}
    for prefix in ("8703", "8517", "1001", "1701", "1006", "0401", "0402", "3004", "84", "61", "62", "8418"):
        assert any(c.startswith(prefix) for c in codes), prefix
    categories = {line["duty_category"] for line in _lines(data)}
    assert set(get_args(DutyCategory)) <= categories, "every 1404 duty category has a line"


def test_permits_are_from_the_known_set(data: ReferenceData) -> None:
    kinds = {k["id"] for k in data.rows("permit_kinds")}
    assert kinds == KNOWN_PERMITS
    for line in _lines(data):
        assert set(line["permits"]) <= kinds, line["hs_code"]
    assert {p for line in _lines(data) for p in line["permits"]} == kinds, "every kind is used"
    for kind in data.rows("permit_kinds"):
        assert kind["issuing_body_fa"]
        assert kind["issuing_body_en"]


def test_typical_permits(data: ReferenceData) -> None:
    lines = {line["hs_code"]: line for line in _lines(data)}
    assert "standards" in lines["87032300"]["permits"]  # imported cars: national standard 6924
    assert "telecom" in lines["85171390"]["permits"]
    assert "food-and-drug" in lines["30049000"]["permits"]
    assert "veterinary" in lines["04021010"]["permits"]
    assert "plant-quarantine" in lines["10019900"]["permits"]
    assert "defence" in lines["93032000"]["permits"]


def test_named_lines_carry_their_duty_category(data: ReferenceData) -> None:
    lines = {line["hs_code"]: line for line in _lines(data)}
    assert lines["87032300"]["duty_category"] == "cars"
    assert lines["85171390"]["duty_category"] == "mobile-phones"
    assert lines["30049000"]["duty_category"] == "medicine"
    assert lines["10011910"]["duty_category"] == "animal-feed"
    assert lines["84771000"]["duty_category"] == "production-machinery"


def test_prohibitions_have_a_group_a_reason_and_a_confidence(data: ReferenceData) -> None:
    prohibited = [line for line in _lines(data) if line["prohibited"]]
    assert {p["prohibition_group"] for p in prohibited} >= {"group-4", "sharia"}
    for line in _lines(data):
        if line["prohibited"]:
            assert line["prohibition_reason_en"], line["hs_code"]
            assert line["prohibition_reason_fa"], line["hs_code"]
            assert line["prohibition_confidence"] in {"H", "M", "L", "G"}
            assert line["prohibition_sources"]
        else:
            assert line["prohibition_group"] is None
    lines = {line["hs_code"]: line for line in _lines(data)}
    assert lines["22030000"]["prohibition_group"] == "sharia"
    assert lines["84182100"]["prohibition_group"] == "group-4"
    assert not lines["87032300"]["prohibited"]


def test_rates_only_where_a_source_gives_one(data: ReferenceData) -> None:
    rates = data.rows("tariff_line_rates")
    rated = {r["hs_code"] for r in rates}
    for code in rated:
        assert not code.startswith(NO_RATE_PREFIXES), f"{code}: REFERENCE-DATA found no rate"
    for rate in rates:
        assert "hs-2022" not in rate["sources"], "a rate needs a source that gives it"
        assert Decimal(rate["rate_percent"]) >= 0
    by_code = {r["hs_code"]: r for r in rates}
    assert by_code["10011910"]["rate_percent"] == Decimal("10")
    assert by_code["10064000"]["rate_percent"] == Decimal("55")
    assert by_code["87038000"]["rate_percent"] == Decimal("4")
    assert str(by_code["87038000"]["valid_from"]) == "2024-03-20"  # 1403/01/01
    assert str(by_code["87038000"]["valid_to"]) == "2025-03-20"  # 1403/12/30


def test_lines_say_where_they_come_from(data: ReferenceData) -> None:
    sources = {s["id"] for s in data.rows("reference_sources")}
    units = set(get_args(SupplementaryUnit))
    for line in _lines(data):
        assert line["sources"], line["hs_code"]
        assert set(line["sources"]) <= sources, line["hs_code"]
        assert line["confidence"] in {"H", "M", "L", "G"}
        assert line["unit"] in units
        if line["sources"] == ["hs-2022"]:
            assert line["confidence"] == "G", f"{line['hs_code']}: a code built from HS 2022 is a guess"
        assert line["description_fa"]
        assert line["description_en"]
    assert all(line["currency_group"] is None for line in _lines(data)), "the hall lists were not found"


def test_offices_sit_in_known_provinces(data: ReferenceData) -> None:
    provinces = {p["id"] for p in data.rows("provinces")}
    iso = {s.code for s in pycountry.subdivisions.get(country_code="IR")}
    assert provinces == iso, "the 31 provinces by ISO 3166-2 code"
    offices = data.rows("customs_offices")
    ids = {o["id"] for o in offices}
    for office in offices:
        assert office["province_id"] in provinces, office["id"]
        assert office["code"] is None or re.fullmatch(r"[0-9]{5}", office["code"])
        assert office["parent_id"] is None or office["parent_id"] in ids
        if office["neighbour"]:
            assert pycountry.countries.get(alpha_2=office["neighbour"]), office["id"]
    heads = Counter(o["province_id"] for o in offices if o["head"])
    assert max(heads.values()) == 1, "one head unit per province"
    codes = [o["code"] for o in offices if o["code"]]
    assert len(codes) == len(set(codes))


def test_the_offices_the_seeds_and_references_name(data: ReferenceData) -> None:
    offices = {o["id"]: o for o in data.rows("customs_offices")}
    for office in (
        "shahid-rajaee",
        "shahid-bahonar",
        "bushehr-supervision",
        "khorramshahr",
        "imam-khomeini-airport",
    ):
        assert office in offices
    assert offices["imam-khomeini-airport"]["code"] == "10103"
    assert offices["shahid-rajaee"]["code"] is None
    assert offices["shahid-rajaee"]["head"]
    assert offices["bazargan"]["code"] == "30300"
    assert offices["bazargan"]["clears_cars"] is True
    assert offices["bazargan"]["neighbour"] == "TR"
    borders = {o["id"]: o["neighbour"] for o in offices.values() if o["neighbour"]}
    assert {"TR", "IQ", "AZ", "AM", "TM", "AF", "PK"} == set(borders.values())
    assert sum(o["main_transit"] for o in offices.values()) == 10
    assert offices["mehran"]["code"] is None
    assert offices["mehran"]["neighbour"] == "IQ"


def test_incoterms_2020(data: ReferenceData) -> None:
    terms = {t["code"]: t for t in data.rows("incoterms")}
    assert set(terms) == {"EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"}
    assert {c for c, t in terms.items() if t["mode_group"] == "sea"} == {"FAS", "FOB", "CFR", "CIF"}
    assert {c for c, t in terms.items() if t["seller_pays_main_carriage"]} == {
        "CPT", "CIP", "DAP", "DPU", "DDP", "CFR", "CIF",
    }  # fmt: skip
    assert {c for c, t in terms.items() if t["seller_insures"]} == {"CIP", "CIF"}


def test_sandbox_rows_are_marked(data: ReferenceData) -> None:
    sellers = data.rows("foreign_sellers")
    assert sellers
    assert all(s["sandbox"] and s["origin"] == "file" for s in sellers)
    assert all(re.fullmatch(r"9999[0-9]{6,8}", s["fida_id"]) for s in sellers)
    assert {len(s["fida_id"]) for s in sellers} == {10, 12}
    assert all("demo" in s["name"] for s in sellers)
    brands = data.rows("car_brands") + data.rows("car_models")
    assert brands
    assert all(b["sandbox"] and not b["verified"] and b["confidence"] == "G" for b in brands)


def test_every_set_is_cited_and_hashed(data: ReferenceData) -> None:
    assert set(data.sets) == {
        "sources", "permit-kinds", "customs-offices", "tariff-lines", "incoterms", "sellers-sandbox",
        "car-brands-sandbox",
    }  # fmt: skip
    for data_set in data.sets.values():
        assert data_set.header.sources
        assert data_set.header.confidence in {"H", "M", "L", "G"}
        assert re.fullmatch(r"[0-9a-f]{64}", data_set.content_hash)
        assert data_set.item_count > 0
    assert load().sets["tariff-lines"].content_hash == data.sets["tariff-lines"].content_hash


def test_a_bad_file_is_refused_with_its_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from orders.reference.data_files import DATA_DIR

    for path in DATA_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = (
        (tmp_path / "tariff-lines.yaml")
        .read_text(encoding="utf-8")
        .replace("permits: [veterinary]", "permits: [astrology]", 1)
    )
    (tmp_path / "tariff-lines.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(DataFileError, match="unknown permit 'astrology'"):
        load(tmp_path)
