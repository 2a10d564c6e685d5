"""Product IDs, card fingerprints and attachment types: pure functions.

Product ID (شناسه کالا) as issued here: 13 digits, ``2`` + an 11-digit serial
+ the GS1 mod-10 check digit (the GTIN-13 algorithm, so any GTIN reader
validates it). The first digit 2 is in GS1's in-house range (prefixes 20–29,
"restricted circulation numbers"), so an ID never collides with a real GTIN,
Iranian (626…) or foreign. NTSW's own 13-digit ID is built on the Irancode
classification (REFERENCE-DATA §4); its layout is not public, so this one is ours.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785
from orders_client.products import gs1_check_digit

PRODUCT_ID_PREFIX = "2"
SERIAL_DIGITS = 11


def product_id_for(serial: int) -> str:
    """The product ID of serial number ``serial`` (1 → ``2000000000015``)."""
    if not 0 < serial < 10**SERIAL_DIGITS:
        raise ValueError("the product-ID serial is exhausted")
    body = f"{PRODUCT_ID_PREFIX}{serial:0{SERIAL_DIGITS}d}"
    return body + str(gs1_check_digit(body))


def is_product_id(text: str) -> bool:
    return (
        len(text) == 13
        and text.isascii()
        and text.isdigit()
        and text.startswith(PRODUCT_ID_PREFIX)
        and gs1_check_digit(text[:12]) == int(text[12])
    )


def fingerprint(card: dict[str, Any]) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of the normalised card: key order, and
    anything normalisation removed (case, Persian letter variants, digit scripts,
    trailing zeros), cannot make two identical cards differ."""
    return hashlib.sha256(rfc8785.dumps(card)).hexdigest()
