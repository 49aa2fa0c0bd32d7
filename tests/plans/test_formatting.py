"""French formatting shared by the screen and the .docx (plans/core/formatting.py)."""
import datetime as dt
import glob
import os
from decimal import Decimal

from plans.core import formatting
from plans.core.formatting import (
    FREQUENT_COUNTRIES,
    NBSP,
    NNBSP,
    countries,
    country_choices,
    country_name,
    date_long,
    date_short,
    fcfa,
    frequent_countries,
    number,
    percent,
    plain,
)
from plans.core.money import parse_fcfa


def test_fcfa_uses_french_typography():
    assert fcfa(1_234_567) == f"1{NNBSP}234{NNBSP}567{NBSP}FCFA"
    assert fcfa(1_234_567, plain=True) == "1 234 567 FCFA"
    assert fcfa(0, plain=True) == "0 FCFA"
    assert fcfa(500, plain=True) == "500 FCFA"
    assert fcfa(160_000_000, plain=True) == "160 000 000 FCFA"
    assert fcfa(Decimal("4999999.5"), plain=True) == "5 000 000 FCFA"  # a computed value, rounded half up
    assert fcfa(None) == ""


def test_whole_numbers_match_babel():
    from babel.numbers import format_decimal

    for n in (0, 7, 999, 1_000, -1_000, 12_345, 1_234_567, -45_000_000, 10**15):
        assert number(n) == format_decimal(n, locale="fr_FR"), n


def test_formatted_amount_reads_back():
    for n in (0, 999, 1_000, 45_000_000, 128_070_946_068):
        assert parse_fcfa(fcfa(n)) == n


def test_plain_removes_only_the_special_spaces():
    assert plain(f"Diaspora{NBSP}: 1{NNBSP}000{NBSP}FCFA") == "Diaspora : 1 000 FCFA"


def test_numbers_and_percentages():
    assert number(1_234_567, plain=True) == "1 234 567"
    assert number(Decimal("12.5")) == "12,5"
    assert number(Decimal("1000.5"), plain=True) == "1 000,5"
    assert number(Decimal("12.25"), 1) == "12,3"  # halves up, not to even
    assert number(None) == ""
    assert percent(12.5, plain=True) == "12,5 %"
    assert percent(Decimal("12.5")) == f"12,5{NBSP}%"
    assert percent(Decimal("9.6875"), 2, plain=True) == "9,69 %"
    assert percent(10, 0, plain=True) == "10 %"
    assert percent(Decimal("12.25"), plain=True) == "12,3 %"
    assert percent(None) == ""


def test_dates():
    assert date_long(dt.date(2026, 3, 12)) == "12 mars 2026"
    assert date_long(dt.date(2006, 6, 17)) == "17 juin 2006"
    assert date_long(dt.date(2026, 3, 1)) == "1er mars 2026"
    assert date_long(dt.datetime(2025, 12, 25, 14, 30)) == "25 décembre 2025"
    assert date_short(dt.date(2026, 3, 12)) == "12/03/2026"
    assert date_short(dt.date(2026, 1, 2)) == "02/01/2026"
    assert date_long(None) == date_short(None) == ""


def test_country_names_in_french():
    assert country_name("FR") == "France"
    assert country_name("ci") == "Côte d’Ivoire"
    assert country_name("CG") == "Congo-Brazzaville"
    assert country_name("CD") == "Congo-Kinshasa"
    assert country_name("GQ") == "Guinée équatoriale"
    assert country_name("US") == "États-Unis"
    assert country_name("ML") == "Mali"
    assert country_name("QQ") == "QQ"  # unknown: the code, never an error
    assert country_name(None) == ""


def test_countries_are_real_iso_codes_in_french_order():
    rows = countries()
    codes = [c for c, _ in rows]
    assert len(codes) == len(set(codes)) == 249  # ISO 3166-1 assigned alpha-2 codes
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in codes)
    for not_a_country in ("001", "150", "EU", "EZ", "UN", "ZZ", "QO", "XK", "IC", "EA"):
        assert not_a_country not in codes
    for code in ("ML", "FR", "CI", "SN", "GA", "AO", "RE"):
        assert code in codes
    names = [n for _, n in rows]
    # accent-insensitive order: Égypte sits among the E, not after Z
    assert names.index("Égypte") < names.index("Espagne") < names.index("États-Unis") < names.index("Fidji")
    assert names[0] == "Afghanistan"


def test_frequent_destinations_first_in_choices():
    freq = frequent_countries()
    assert [c for c, _ in freq] == list(FREQUENT_COUNTRIES)
    assert freq[0] == ("FR", "France")
    assert ("GA", "Gabon") in freq and ("MR", "Mauritanie") in freq
    choices = country_choices()
    assert list(choices) == ["Pays fréquents", "Tous les pays"]
    assert ("FR", "France") in choices["Tous les pays"]


def _dejavu_fonts():
    import matplotlib
    paths = glob.glob(os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVu*.ttf"))
    paths += glob.glob("/usr/share/fonts/truetype/dejavu/DejaVu*.ttf")
    # matplotlib's DejaVu*Display.ttf are 20-glyph subsets for math, never used for text
    return [p for p in paths if "Display" not in os.path.basename(p)]


def test_dejavu_fonts_have_the_spaces_we_print():
    """The .docx and the PNG maps use DejaVu: U+202F and U+00A0 must be real glyphs there, not boxes."""
    from fontTools.ttLib import TTFont

    paths = _dejavu_fonts()
    assert paths, "no DejaVu font found (matplotlib ships them)"
    for path in paths:
        cmap = TTFont(path, lazy=True)["cmap"].getBestCmap()
        assert ord(NNBSP) in cmap and ord(NBSP) in cmap, path


def test_matplotlib_finds_a_dejavu_sans_with_those_spaces():
    """The static PNG map labels amounts in DejaVu Sans: the face matplotlib resolves has both glyphs
    (matplotlib's last-resort fallback would otherwise draw boxes without a warning)."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    cmap = TTFont(path, lazy=True)["cmap"].getBestCmap()
    assert all(ord(ch) in cmap for ch in fcfa(45_000_000) + percent(Decimal("9.6875"), 2))


def test_modules_load_without_flask():
    """plans/ never imports flask (the .importlinter contract): the money modules work in a bare interpreter."""
    import subprocess
    import sys

    code = ("import sys, plans.core.money, plans.core.formatting, plans.planning.finance, plans.planning.cofinancing; "
            "sys.exit('flask' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code],
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(formatting.__file__)))
                          ).returncode == 0
