"""How figures, dates and countries read in French, for the screen, the maps, the .docx and messages alike.

Locale: fr_FR through Babel (CLDR), so thousands are grouped the way French typography requires.

Spaces — a decision. Babel groups thousands with U+202F (espace fine insécable), the correct French character,
and we keep it: it never breaks a figure across two lines, in a narrow table cell or a Word column. Before a
unit ("FCFA", "%") we put U+00A0 (espace insécable) so "45 000 000" and "FCFA" stay together too.
Both characters exist in every DejaVu face (checked in tests/plans/test_formatting.py against the installed
fonts) and in the usual Word fonts, so the .docx and the matplotlib PNG maps render them.
Where a plain space is needed (CSV, a plain-text e-mail, assertions in tests) pass `plain=True`, or pass any
finished sentence through `plain()`.

None renders as "" everywhere: an empty cell, not "None".
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from plans.core.money import Number, round_half_up
from plans.core.text import search_key

LOCALE = "fr_FR"
NNBSP = "\u202f"  # espace fine insécable: thousands separator
NBSP = "\u00a0"  # espace insécable: before a unit

# Mali's neighbours and the main destinations of its emigrants (docs/DOMAIN.md §6, §14), in this order on forms.
FREQUENT_COUNTRIES = ("FR", "CI", "SN", "ES", "US", "GA", "CG", "MR", "BF", "GN", "IT", "CD", "AO", "GQ",
                      "LR", "NE", "DZ")

# Two-letter keys CLDR lists that are not ISO 3166-1 alpha-2 countries or territories: groupings (EU, EZ, UN),
# unknown/private-use (ZZ, QO, XA, XB, XK), and codes only "exceptionally reserved" by ISO (AC, CP, CQ, DG, EA,
# IC, TA) that would duplicate a real entry.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "XK", "AC", "CP", "CQ", "DG", "EA",
                            "IC", "TA"})


def _despace(text: str) -> str:
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def plain(text: str) -> str:
    """The same text with U+202F and U+00A0 turned into ordinary spaces."""
    return _despace(text)


def _quantize(x, digits: int) -> Decimal:
    value = x if isinstance(x, Decimal) else Decimal(str(x))
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def number(n: Number | None, digits: int | None = None, *, plain: bool = False) -> str:
    """1234567 → "1 234 567"; number(Decimal("12.5"), 1) → "12,5". Halves round up (12,25 → 12,3 at 1 digit).

    With `digits` None an int prints whole and a Decimal/float prints its own decimals.
    """
    if n is None:
        return ""
    if isinstance(n, int) and not isinstance(n, bool) and not digits:
        # Fast path for whole francs (a .docx prints thousands of them): the same output as Babel for fr_FR,
        # groups of three with U+202F and "-" for minus (tests/plans/test_formatting.py compares the two).
        text = f"{n:,}".replace(",", NNBSP)
        return _despace(text) if plain else text
    if digits is not None:
        text = _babel_number(str(_quantize(n, digits)), digits)
    else:
        value = n if isinstance(n, (int, Decimal)) else Decimal(str(n))
        text = _babel_number(str(value), None) if isinstance(value, Decimal) else \
            format_decimal(value, locale=LOCALE, decimal_quantization=False)
    return _despace(text) if plain else text


@lru_cache(maxsize=4096)
def _babel_number(decimal_text: str, digits: int | None) -> str:
    """Babel's French form of the Decimal written `decimal_text` (str() of a Decimal gives it back exactly, its
    exponent included). Kept: a page of 150 actions formats the same few quantities and shares hundreds of times,
    and Babel takes tens of microseconds each."""
    value = Decimal(decimal_text)
    if digits is None:
        return format_decimal(value, locale=LOCALE, decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALE, decimal_quantization=True)


def fcfa(n: Number | None, *, plain: bool = False) -> str:
    """45000000 → "45 000 000 FCFA" (U+202F between groups, U+00A0 before FCFA; `plain=True`: normal spaces).
    A non-integer (a computed Decimal) is rounded half up to the franc first."""
    if n is None:
        return ""
    text = number(round_half_up(n)) + NBSP + "FCFA"
    return _despace(text) if plain else text


def percent(x: Number | None, digits: int = 1, *, plain: bool = False) -> str:
    """A share given on the 0–100 scale: percent(12.5) → "12,5 %"; percent(Decimal("9.6875"), 2) → "9,69 %"."""
    if x is None:
        return ""
    text = number(x, digits) + NBSP + "%"
    return _despace(text) if plain else text


def _as_date(d) -> dt.date | None:
    if d is None:
        return None
    return d.date() if isinstance(d, dt.datetime) else d


def date_long(d: dt.date | str | None) -> str:
    """12 mars 2026; the first of the month reads "1er mars 2026", as French administrative texts write it."""
    d = _as_date(d)
    if d is None:
        return ""
    text = format_date(d, format="d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if d.day == 1 else text


def date_short(d: dt.date | str | None) -> str:
    """12/03/2026."""
    d = _as_date(d)
    if d is None:
        return ""
    return format_date(d, format="dd/MM/y", locale=LOCALE)


@lru_cache(maxsize=1)
def since(then: dt.datetime | dt.date | None, now: dt.datetime | dt.date | None = None) -> str:
    """How long something has waited, in whole days: « depuis aujourd'hui », « depuis hier », « depuis 3 jours »
    (« depuis 1 jour » is never written: yesterday is « hier »); "" without a date."""
    if then is None:
        return ""
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    start = then.date() if isinstance(then, dt.datetime) else then
    end = now.date() if isinstance(now, dt.datetime) else now
    days = max((end - start).days, 0)
    if days == 0:
        return "depuis aujourd'hui"
    if days == 1:
        return "depuis hier"
    return f"depuis {number(days)} jours"


@lru_cache(maxsize=1)
def _territories() -> Mapping[str, str]:
    """Babel's French names of territories, read once (a form names ~20 countries: a copy each time cost ms)."""
    return MappingProxyType(dict(Locale.parse("fr").territories))


def country_name(iso2: str | None) -> str:
    """"CI" → "Côte d’Ivoire", "CG" → "Congo-Brazzaville"; an unknown code is returned as typed."""
    if not iso2:
        return ""
    return _territories().get(iso2.strip().upper(), iso2)


@lru_cache(maxsize=1)
def _countries() -> tuple[tuple[str, str], ...]:
    rows = [(code, name) for code, name in _territories().items()
            if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES]
    return tuple(sorted(rows, key=lambda row: (search_key(row[1]), row[0])))


def countries() -> list[tuple[str, str]]:
    """Every country and territory with an ISO 3166-1 alpha-2 code, as (code, French name), in French
    alphabetical order ignoring accents ("Égypte" among the E)."""
    return list(_countries())


def frequent_countries() -> list[tuple[str, str]]:
    """Mali's neighbours and main destinations (FREQUENT_COUNTRIES), in that order."""
    return [(code, country_name(code)) for code in FREQUENT_COUNTRIES]


def country_choices() -> dict[str, list[tuple[str, str]]]:
    """Choices with option groups for a WTForms SelectField (a dict renders as <optgroup>s): the frequent
    countries first, then all of them (frequent ones included, so alphabetical search still finds France)."""
    return {"Pays fréquents": frequent_countries(), "Tous les pays": countries()}
