"""Countries (ISO 3166-1) and currencies (ISO 4217), from pycountry.

Built from the installed pycountry (pinned in constraints.txt) on first use and
kept in memory, not stored: they are the standards' own lists, and a second copy
in the database would only drift. Persian country names come from pycountry's
own translations (iso3166-1, ``fa``).
"""

from __future__ import annotations

import functools
import gettext
from importlib.metadata import version

import pycountry
from orders_client.reference import NON_TRADABLE_CURRENCIES, CountryOut, CurrencyOut


@functools.cache
def source() -> str:
    return f"pycountry {version('pycountry')} (ISO 3166-1, ISO 4217)"


@functools.cache
def _persian() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fa"])
    except OSError:
        return gettext.NullTranslations()


def _name_fa(name: str) -> str | None:
    translated = _persian().gettext(name)
    return translated if translated != name else None


@functools.cache
def countries() -> tuple[CountryOut, ...]:
    return tuple(
        CountryOut(
            alpha_2=c.alpha_2,
            alpha_3=c.alpha_3,
            numeric=c.numeric,
            name=c.name,
            official_name=getattr(c, "official_name", None),
            common_name=getattr(c, "common_name", None),
            name_fa=_name_fa(c.name),
        )
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    )


@functools.cache
def _countries_by_alpha2() -> dict[str, CountryOut]:
    return {c.alpha_2: c for c in countries()}


def country(alpha_2: str) -> CountryOut | None:
    return _countries_by_alpha2().get(alpha_2.upper())


def country_name(alpha_2: str | None) -> str | None:
    found = country(alpha_2) if alpha_2 else None
    return (found.common_name or found.name) if found else None


@functools.cache
def currencies() -> tuple[CurrencyOut, ...]:
    return tuple(
        CurrencyOut(
            code=c.alpha_3, numeric=c.numeric, name=c.name, tradable=c.alpha_3 not in NON_TRADABLE_CURRENCIES
        )
        for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    )


@functools.cache
def _currencies_by_code() -> dict[str, CurrencyOut]:
    return {c.code: c for c in currencies()}


def currency(code: str) -> CurrencyOut | None:
    """The ISO 4217 currency with this code, or None."""
    return _currencies_by_code().get(code.upper())
