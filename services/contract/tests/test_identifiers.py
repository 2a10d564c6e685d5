"""Iranian identifiers: check digits, digit scripts, mobile forms, and schemas that say what is accepted."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from panjereh_contract import identifiers as ids
from panjereh_contract.identifiers import (
    FidaSellerId,
    HsCode,
    InvalidIdentifier,
    IranianMobile,
    IranianPostalCode,
    LegalNationalId,
    NationalCode,
)


def _type_of(parse, text: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        parse(text)
    except InvalidIdentifier as exc:
        return exc.type
    return None


def test_normalise_digits_maps_persian_and_arabic_digits() -> None:
    assert ids.normalise_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert ids.normalise_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert ids.normalise_digits("a۱b٢c3") == "a1b2c3"


# --- national code -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0084575948", "0013542419", "0499370899"])
def test_valid_national_codes(code: str) -> None:
    assert ids.is_valid_national_code(code)
    assert ids.parse_national_code(code) == code


def test_national_code_in_persian_and_arabic_digits() -> None:
    assert ids.parse_national_code("۰۰۸۴۵۷۵۹۴۸") == "0084575948"
    assert ids.parse_national_code("٠٠٨٤٥٧٥٩٤٨") == "0084575948"
    assert ids.parse_national_code("۰0٨4۵۷5٩۴8") == "0084575948"


def test_national_code_check_digit_refused() -> None:
    assert _type_of(ids.parse_national_code, "0084575949") == "national_code_check_digit"
    assert _type_of(ids.parse_national_code, "۰۰۸۴۵۷۵۹۴۹") == "national_code_check_digit"


@pytest.mark.parametrize("digit", "0123456789")
def test_all_same_digit_national_codes_refused(digit: str) -> None:
    code = digit * 10
    assert ids.national_code_check_digit(code[:9]) == int(digit)  # they all pass the sum
    assert _type_of(ids.parse_national_code, code) == "national_code_check_digit"


@pytest.mark.parametrize(
    "text", ["", "008457594", "00845759480", "008-457594-8", "abcdefghij", " 0084575948"]
)
def test_national_code_format_refused(text: str) -> None:
    assert _type_of(ids.parse_national_code, text) == "national_code_invalid"


# --- legal national ID ---------------------------------------------------------------------------


def test_legal_national_id_persian_tools_example() -> None:
    assert ids.parse_legal_national_id("10380284790") == "10380284790"
    assert ids.parse_legal_national_id("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"


def test_legal_national_id_check_digit_refused() -> None:
    assert _type_of(ids.parse_legal_national_id, "10380284791") == "legal_national_id_check_digit"


def test_legal_national_id_remainder_ten_counts_as_zero() -> None:
    # Find a body whose sum leaves 10: its valid check digit is 0.
    bodies = (str(n) for n in range(1_234_567_000, 1_234_568_000))
    body = next(
        b
        for b in bodies
        if sum((int(b[9]) + 2 + int(d)) * c for d, c in zip(b, (29, 27, 23, 19, 17) * 2, strict=True)) % 11
        == 10
    )
    assert ids.legal_national_id_check_digit(body) == 0
    assert ids.is_valid_legal_national_id(body + "0")


def test_legal_national_id_zero_rules() -> None:
    assert _type_of(ids.parse_legal_national_id, "00000000000") == "legal_national_id_check_digit"
    body = "1230000001"  # digits 4-9 all zero
    assert (
        _type_of(ids.parse_legal_national_id, body + str(ids.legal_national_id_check_digit(body)))
        == "legal_national_id_check_digit"
    )


@pytest.mark.parametrize("text", ["1038028479", "103802847900", "1038028479a", "10380-284790"])
def test_legal_national_id_format_refused(text: str) -> None:
    assert _type_of(ids.parse_legal_national_id, text) == "legal_national_id_invalid"


# --- mobile ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "9121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸۹۱۲۱۲۳۴۵۶۷",
        "0912 123 4567",
        "0912-123-4567",
        "+98 912 123 4567",
        "+98-912-123-4567",
        "0098 912 1234567",
    ],
)
def test_mobile_forms_normalised(text: str) -> None:
    assert ids.parse_mobile(text) == "09121234567"


@pytest.mark.parametrize(
    "text", ["+14155552671", "+44 20 7946 0958", "004915123456789", "+9647701234567", "+971501234567"]
)
def test_international_numbers_refused_as_such(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        ids.parse_mobile(text)
    assert caught.value.type == "mobile_not_iranian"
    assert "Iranian" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "0912123456",  # too short
        "091212345678",  # too long
        "02112345678",  # a Tehran landline
        "+98 21 1234 5678",  # an Iranian landline in international form
        "0912--1234567",  # two separators
        " 09121234567",  # leading space
        "0912.123.4567",
        "",
    ],
)
def test_malformed_mobiles_refused(text: str) -> None:
    assert _type_of(ids.parse_mobile, text) == "mobile_invalid"


def test_mask_mobile() -> None:
    assert ids.mask_mobile("09121234567") == "0912***4567"


# --- postal code, HS code, FIDA --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1136913141", "11369-13141", "11369 13141", "۱۱۳۶۹۱۳۱۴۱", "1983963111"])
def test_postal_codes(text: str) -> None:
    assert ids.parse_postal_code(text) == ids.normalise_digits(text).replace("-", "").replace(" ", "")


@pytest.mark.parametrize(
    "text",
    [
        "0136913141",  # starts with 0
        "1136013141",  # 0 in the first five
        "1126913141",  # 2 in the first five
        "113691314",  # 9 digits
        "90210",  # a US ZIP code
        "SW1A 1AA",  # a UK postcode
        "11369--13141",
    ],
)
def test_postal_codes_refused(text: str) -> None:
    assert _type_of(ids.parse_postal_code, text) == "postal_code_invalid"


def test_postal_code_last_five_may_hold_any_digit() -> None:
    assert ids.parse_postal_code("1136902020") == "1136902020"


@pytest.mark.parametrize("text", ["10011910", "1001 19 10", "1001.19.10", "۸۷۰۳۱۰۱۰", "01012100"])
def test_hs_codes(text: str) -> None:
    assert re.fullmatch(r"\d{8}", ids.parse_hs_code(text))


@pytest.mark.parametrize(
    "text", ["1001191", "100119100", "00011910", "1001-19-10", "1001  19 10", "HS100119"]
)
def test_hs_codes_refused(text: str) -> None:
    assert _type_of(ids.parse_hs_code, text) == "hs_code_invalid"


@pytest.mark.parametrize("text", ["1234567890", "12345678901", "123456789012", "۱۲۳۴۵۶۷۸۹۰۱۲"])
def test_fida_seller_ids(text: str) -> None:
    assert ids.parse_fida_seller_id(text) == ids.normalise_digits(text)


@pytest.mark.parametrize("text", ["123456789", "1234567890123", "12345 67890"])
def test_fida_seller_ids_refused(text: str) -> None:
    assert _type_of(ids.parse_fida_seller_id, text) == "fida_seller_id_invalid"


# --- pydantic types and their schemas ------------------------------------------------------------------


class Person(BaseModel):
    national_code: NationalCode
    legal_id: LegalNationalId
    mobile: IranianMobile
    postal_code: IranianPostalCode
    hs: HsCode
    fida: FidaSellerId


GOOD = {
    "national_code": "۰۰۸۴۵۷۵۹۴۸",
    "legal_id": "10380284790",
    "mobile": "+98 912 123 4567",
    "postal_code": "11369-13141",
    "hs": "1001 19 10",
    "fida": "100012345678",
}


def test_pydantic_types_normalise() -> None:
    person = Person.model_validate(GOOD)
    assert person.model_dump() == {
        "national_code": "0084575948",
        "legal_id": "10380284790",
        "mobile": "09121234567",
        "postal_code": "1136913141",
        "hs": "10011910",
        "fida": "100012345678",
    }


def test_pydantic_errors_carry_a_stable_type_and_message() -> None:
    with pytest.raises(ValidationError) as caught:
        Person.model_validate(
            {**GOOD, "national_code": "0084575949", "mobile": "+14155552671", "postal_code": 1136913141}
        )
    errors = {e["loc"][0]: e for e in caught.value.errors()}
    assert errors["national_code"]["type"] == "national_code_check_digit"
    assert "check digit" in errors["national_code"]["msg"]
    assert errors["mobile"]["type"] == "mobile_not_iranian"
    assert errors["postal_code"]["type"] == "string_type"


def test_schema_patterns_accept_the_documented_examples() -> None:
    schema = Person.model_json_schema()
    validator = jsonschema_rs.validator_for(schema)
    assert validator.is_valid(GOOD)
    for name, prop in schema["properties"].items():
        assert validator.is_valid({**GOOD, name: prop["examples"][0]})
        assert ids.normalise_digits(prop["examples"][0]) == Person.model_validate(
            {**GOOD, name: prop["examples"][0]}
        ).model_dump()[name].replace(" ", "")


_PARSERS = {
    "national_code": (ids.NATIONAL_CODE_PATTERN, ids.parse_national_code),
    "legal_id": (ids.LEGAL_NATIONAL_ID_PATTERN, ids.parse_legal_national_id),
    "mobile": (ids.MOBILE_PATTERN, ids.parse_mobile),
    "postal_code": (ids.POSTAL_CODE_PATTERN, ids.parse_postal_code),
    "hs": (ids.HS_CODE_PATTERN, ids.parse_hs_code),
    "fida": (ids.FIDA_SELLER_ID_PATTERN, ids.parse_fida_seller_id),
}


@pytest.mark.parametrize("name", list(_PARSERS))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_what_the_schema_pattern_matches_is_accepted_or_fails_a_check_digit(
    name: str, data: st.DataObject
) -> None:
    """What schemathesis generates from the schema is never refused for its form."""
    pattern, parse = _PARSERS[name]
    text = data.draw(st.from_regex(pattern, fullmatch=True))
    validator = jsonschema_rs.validator_for(Person.model_json_schema())
    assert validator.is_valid({**GOOD, name: text})  # the JSON Schema engine agrees with Python's re
    refused = _type_of(parse, text)
    assert refused is None or refused.endswith("_check_digit"), (text, refused)


@pytest.mark.parametrize("name", list(_PARSERS))
@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="0123456789۰۹٠٩+ -.x", max_size=16))
def test_what_the_pattern_refuses_is_refused(name: str, text: str) -> None:
    """Nothing outside the documented pattern is accepted (schemathesis' negative cases)."""
    pattern, parse = _PARSERS[name]
    matches = re.fullmatch(pattern, text) is not None
    assert jsonschema_rs.validator_for(Person.model_json_schema()).is_valid({**GOOD, name: text}) == matches
    if not matches:
        assert _type_of(parse, text) is not None
