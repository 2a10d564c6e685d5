"""Text as it is searched: Persian letters and digits normalised, case folded."""

from __future__ import annotations

from panjereh_contract.identifiers import normalise_digits

# Arabic letters that Persian keyboards and old data often use instead of the Persian ones, and the
# zero-width non-joiner, which people type or leave out at will («یخچال‌فریزر» / «یخچال فریزر»).
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه", "\u200c": " ", "\u200f": ""})


def normalise(text: str) -> str:
    """``text`` lower-cased, with Persian letters and ASCII digits, single-spaced."""
    return " ".join(normalise_digits(text).translate(_LETTERS).casefold().split())


def search_text(*parts: str | None) -> str:
    return normalise(" ".join(p for p in parts if p))


def hs_display(code: str) -> str:
    """``10011910`` -> ``1001 19 10``, as the tariff book prints it."""
    return f"{code[:4]} {code[4:6]} {code[6:]}"
