"""The product ID's 2-D barcode (بارکد دوبعدی) for its catalogue page: a QR code (segno).

The code holds the 13 digits of the product ID alone, so any scanner reads the
ID; error correction level M (about 15% of the symbol may be damaged).
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno


@lru_cache(maxsize=1024)
def png(product_id: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(product_id, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


@lru_cache(maxsize=1024)
def svg(product_id: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(product_id, error="m").save(
        buffer, kind="svg", scale=8, border=4, xmldecl=True, title=f"Product ID {product_id}"
    )
    return buffer.getvalue()
