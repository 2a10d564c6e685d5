"""Iranian identifiers, validated in one place for every service.

Each identifier has a pure parser (``parse_*``: normalised value, or
``InvalidIdentifier`` with a stable ``type`` and a message), a predicate
(``is_valid_*``) and a pydantic type (``NationalCode``...) that normalises and
answers a ``PydanticCustomError`` of that type.

Persian (۰-۹) and Arabic-Indic (٠-٩) digits are accepted wherever digits are,
and come back as ASCII digits. The JSON Schema pattern of each type is the very
regular expression the parser applies (ECMA-262 and Python ``re`` read these
patterns alike), so a value the pattern matches is accepted, or refused only
for a check digit: those errors have a type ending in ``_check_digit``.

Rules and sources:

- national code (کد ملی): 10 digits; the check digit is the 10th: with
  ``s = Σ dᵢ·(10−i)`` over the first nine, ``r = s mod 11``, it is ``r`` when
  ``r < 2`` else ``11 − r``. Codes of one repeated digit pass that sum but are
  not issued, and are refused.
- legal national ID (شناسه ملی اشخاص حقوقی): 11 digits; with
  ``d = 10th digit + 2``, ``s = Σ (d + dᵢ)·c(i)`` over the first ten,
  ``c = 29, 27, 23, 19, 17, 29, 27, 23, 19, 17``, the 11th digit is
  ``s mod 11`` (10 counts as 0). All zeros, or zeros in digits 4 to 9, are
  refused. This is persian-tools' ``verifyIranianLegalId``
  (src/modules/legalId/index.ts), checked against its example 10380284790.
- mobile: ``09…``, ``+989…``, ``00989…``, ``989…`` or ``9…`` with the ten
  digits ``9xxxxxxxxx``, single spaces or dashes allowed between digits;
  normalised to ``09xxxxxxxxx`` (Shahkar's and Kavenegar's form). Numbers of
  other countries are refused as such.
- postal code: 10 digits (an optional space or dash after the fifth), of
  which the first five contain neither 0 nor 2: Iran Post leaves those out of
  the five-digit area part because they look like 5 and 3 in handwriting
  ("در ایران از اعداد ۰ و ۲ ... در ۵ رقم اول کدپستی استفاده نمی‌شود",
  khabarkhan.molisy.ir, "نشانی پستی چیست"). The stricter regular expression
  common in Iranian validators (``(?!(\\d)\\1{3})[13-9]{4}[1346-9][013-9]{5}``,
  e.g. milwad-dev/laravel-validate ValidIranPostalCode) also bans 5 in the
  fifth place, 2 in the last five and four repeated leading digits; no source
  gives those rules, so they are not applied.
- HS tariff code: the 8-digit national line (HS six digits + two national),
  written ``10011910`` or ``1001 19 10``/``1001.19.10``; chapter 01 to 99.
- FIDA foreign-seller ID: 10 to 12 digits (REFERENCE-DATA §3: seed 003 says
  10, public sources 12).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_PERSIAN + _ARABIC, "0123456789" * 2)

# Character classes as literal characters (no \u escapes: every regex engine reads them).
DIGIT = f"[0-9{_PERSIAN[0]}-{_PERSIAN[9]}{_ARABIC[0]}-{_ARABIC[9]}]"
_NONZERO = f"[1-9{_PERSIAN[1]}-{_PERSIAN[9]}{_ARABIC[1]}-{_ARABIC[9]}]"
_ZERO = f"[0{_PERSIAN[0]}{_ARABIC[0]}]"
_NINE = f"[9{_PERSIAN[9]}{_ARABIC[9]}]"
_EIGHT = f"[8{_PERSIAN[8]}{_ARABIC[8]}]"
_POSTAL_AREA_DIGIT = f"[13-9{_PERSIAN[1]}{_PERSIAN[3]}-{_PERSIAN[9]}{_ARABIC[1]}{_ARABIC[3]}-{_ARABIC[9]}]"

NATIONAL_CODE_PATTERN = f"^{DIGIT}{{10}}$"
LEGAL_NATIONAL_ID_PATTERN = f"^{DIGIT}{{11}}$"
MOBILE_PATTERN = (
    rf"^(?:(?:\+{_NINE}{_EIGHT}|{_ZERO}{_ZERO}{_NINE}{_EIGHT}|{_NINE}{_EIGHT}|{_ZERO})[ -]?)?"
    rf"{_NINE}(?:[ -]?{DIGIT}){{9}}$"
)
POSTAL_CODE_PATTERN = f"^{_POSTAL_AREA_DIGIT}{{5}}[ -]?{DIGIT}{{5}}$"
HS_CODE_PATTERN = f"^(?:{_ZERO}{_NONZERO}|{_NONZERO}{DIGIT}){DIGIT}{{2}}[ .]?{DIGIT}{{2}}[ .]?{DIGIT}{{2}}$"
FIDA_SELLER_ID_PATTERN = f"^{DIGIT}{{10,12}}$"

_LEGAL_ID_COEFFICIENTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
_SEPARATORS = str.maketrans("", "", " -.")


class InvalidIdentifier(ValueError):
    """A value that is not the identifier asked for. ``type`` is stable
    (``national_code_check_digit``...); ``message`` is for people."""

    def __init__(self, type_: str, message: str) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message


def normalise_digits(text: str) -> str:
    """``text`` with Persian and Arabic-Indic digits replaced by ASCII ones."""
    return text.translate(_TO_ASCII)


def _digits_only(text: str) -> str:
    return normalise_digits(text).translate(_SEPARATORS)


def national_code_check_digit(first_nine: str) -> int:
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def legal_national_id_check_digit(first_ten: str) -> int:
    offset = int(first_ten[9]) + 2
    total = sum((offset + int(d)) * c for d, c in zip(first_ten, _LEGAL_ID_COEFFICIENTS, strict=True))
    remainder = total % 11
    return 0 if remainder == 10 else remainder


def parse_national_code(text: str) -> str:
    """The 10-digit national code in ASCII digits."""
    if not re.fullmatch(NATIONAL_CODE_PATTERN, text):
        raise InvalidIdentifier(
            "national_code_invalid", "A national code is exactly 10 digits (no letters or separators)."
        )
    code = normalise_digits(text)
    if len(set(code)) == 1:
        raise InvalidIdentifier(
            "national_code_check_digit", "This is not a real national code: all its digits are the same."
        )
    if int(code[9]) != national_code_check_digit(code[:9]):
        raise InvalidIdentifier(
            "national_code_check_digit", "This national code's check digit (the last) does not match."
        )
    return code


def parse_legal_national_id(text: str) -> str:
    """The 11-digit national ID of a legal person, in ASCII digits."""
    if not re.fullmatch(LEGAL_NATIONAL_ID_PATTERN, text):
        raise InvalidIdentifier(
            "legal_national_id_invalid", "A legal person's national ID is exactly 11 digits."
        )
    national_id = normalise_digits(text)
    if int(national_id) == 0 or int(national_id[3:9]) == 0:
        raise InvalidIdentifier(
            "legal_national_id_check_digit", "This is not a real national ID: digits 4 to 9 are all zero."
        )
    if int(national_id[10]) != legal_national_id_check_digit(national_id[:10]):
        raise InvalidIdentifier(
            "legal_national_id_check_digit", "This national ID's check digit (the last) does not match."
        )
    return national_id


def _looks_international(digits: str) -> bool:
    """Dialled with a country code other than Iran's (+98)."""
    if digits.startswith("+"):
        return not digits.startswith("+98")
    return digits.startswith("00") and not digits.startswith("0098")


def parse_mobile(text: str) -> str:
    """An Iranian mobile number as ``09xxxxxxxxx``."""
    if not re.fullmatch(MOBILE_PATTERN, text):
        if _looks_international(_digits_only(text)):
            raise InvalidIdentifier(
                "mobile_not_iranian",
                "Only Iranian mobile numbers are accepted (09xxxxxxxxx or +989xxxxxxxxx); "
                "numbers of other countries are not.",
            )
        raise InvalidIdentifier(
            "mobile_invalid",
            "An Iranian mobile number is 09 followed by 9 digits (or +98 9 followed by 9 digits).",
        )
    return "0" + _digits_only(text)[-10:]


def parse_postal_code(text: str) -> str:
    """An Iranian 10-digit postal code in ASCII digits."""
    if not re.fullmatch(POSTAL_CODE_PATTERN, text):
        raise InvalidIdentifier(
            "postal_code_invalid",
            "An Iranian postal code is 10 digits whose first five contain neither 0 nor 2; "
            "postal codes of other countries are not accepted.",
        )
    return _digits_only(text)


def parse_hs_code(text: str) -> str:
    """An 8-digit national tariff line (HS code) in ASCII digits."""
    if not re.fullmatch(HS_CODE_PATTERN, text):
        raise InvalidIdentifier(
            "hs_code_invalid",
            "A tariff (HS) code is the 8-digit national line, such as 10011910 or 1001 19 10, "
            "chapter 01 to 99.",
        )
    return _digits_only(text)


def parse_fida_seller_id(text: str) -> str:
    """A FIDA foreign-seller ID (10 to 12 digits) in ASCII digits."""
    if not re.fullmatch(FIDA_SELLER_ID_PATTERN, text):
        raise InvalidIdentifier("fida_seller_id_invalid", "A FIDA seller ID is 10 to 12 digits.")
    return normalise_digits(text)


def _predicate(parse: Callable[[str], str]) -> Callable[[str], bool]:
    def is_valid(text: str) -> bool:
        try:
            parse(text)
        except InvalidIdentifier:
            return False
        return True

    is_valid.__doc__ = f"Whether ``text`` is accepted by ``{parse.__name__}``."
    return is_valid


is_valid_national_code = _predicate(parse_national_code)
is_valid_legal_national_id = _predicate(parse_legal_national_id)
is_valid_mobile = _predicate(parse_mobile)
is_valid_postal_code = _predicate(parse_postal_code)
is_valid_hs_code = _predicate(parse_hs_code)
is_valid_fida_seller_id = _predicate(parse_fida_seller_id)


def mask_mobile(mobile: str) -> str:
    """``09121234567`` -> ``0912***4567``: enough for a person to recognise their number."""
    return f"{mobile[:4]}***{mobile[-4:]}"


def _pydantic_type(parse: Callable[[str], str], pattern: str, description: str, example: str) -> Any:
    def validate(value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError("string_type", "Input should be a valid string")
        try:
            return parse(value)
        except InvalidIdentifier as exc:
            raise PydanticCustomError(exc.type, exc.message) from None

    schema = {"type": "string", "pattern": pattern, "description": description, "examples": [example]}
    return Annotated[str, PlainValidator(validate, json_schema_input_type=str), WithJsonSchema(schema)]


_DIGITS_NOTE = " Persian (۰-۹) and Arabic (٠-٩) digits are accepted and returned as 0-9."

NationalCode = _pydantic_type(
    parse_national_code,
    NATIONAL_CODE_PATTERN,
    "A natural person's 10-digit national code (کد ملی), with its check digit." + _DIGITS_NOTE,
    "0084575948",
)
LegalNationalId = _pydantic_type(
    parse_legal_national_id,
    LEGAL_NATIONAL_ID_PATTERN,
    "A legal person's 11-digit national ID (شناسه ملی), with its check digit." + _DIGITS_NOTE,
    "10380284790",
)
IranianMobile = _pydantic_type(
    parse_mobile,
    MOBILE_PATTERN,
    "An Iranian mobile number: 09xxxxxxxxx, +989xxxxxxxxx, 00989xxxxxxxxx, 989xxxxxxxxx or "
    "9xxxxxxxxx, single spaces or dashes allowed between digits; returned as 09xxxxxxxxx. "
    "Numbers of other countries are refused." + _DIGITS_NOTE,
    "09121234567",
)
IranianPostalCode = _pydantic_type(
    parse_postal_code,
    POSTAL_CODE_PATTERN,
    "An Iranian 10-digit postal code; the first five digits contain neither 0 nor 2. "
    "A space or dash after the fifth digit is allowed; returned as 10 digits." + _DIGITS_NOTE,
    "1136913141",
)
HsCode = _pydantic_type(
    parse_hs_code,
    HS_CODE_PATTERN,
    "An 8-digit national tariff line (HS code), e.g. 10011910 or 1001 19 10; returned as 8 digits."
    + _DIGITS_NOTE,
    "10011910",
)
FidaSellerId = _pydantic_type(
    parse_fida_seller_id,
    FIDA_SELLER_ID_PATTERN,
    "A foreign seller's FIDA ID (شناسه فراگیر اتباع خارجی), 10 to 12 digits." + _DIGITS_NOTE,
    "100012345678",
)
