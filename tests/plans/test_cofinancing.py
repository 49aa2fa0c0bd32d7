"""Co-financing schemes and their check (plans/planning/cofinancing.py)."""
from decimal import Decimal

from plans.core.formatting import plain
from plans.core.vocab import FUNDING_SOURCES
from plans.planning.cofinancing import SCHEMES, check_scheme, scheme_choices, scheme_issues, scheme_label

CTC = "« Appui aux investissements de la diaspora »"
ANICT = "« Droits de tirage ANICT »"


def messages(key, total, by_source):
    return [plain(m) for m in check_scheme(key, total, by_source)]


def test_schemes_are_data_over_known_sources():
    assert {"diaspora_ctc", "anict"} <= set(SCHEMES)
    for scheme in SCHEMES.values():
        for group in scheme.groups:
            assert group.source_types <= set(FUNDING_SOURCES), group
        for ceiling in scheme.ceilings:
            scheme.group(ceiling.group_key)  # names an existing group
    ctc = SCHEMES["diaspora_ctc"]
    assert [(g.min_pct, g.max_pct) for g in ctc.groups] == [(70, 70), (10, 10), (20, 20)]
    assert ctc.tolerance_pct == Decimal("0.5")
    assert (ctc.ceilings[0].min_fcfa, ctc.ceilings[0].max_fcfa) == (15_000_000, 30_000_000)


def test_choices_for_forms():
    choices = scheme_choices()
    assert choices[0] == ("", "Aucun dispositif")
    assert [k for k, _ in choices[1:]] == list(SCHEMES)
    assert scheme_choices(blank=None)[0][0] == "diaspora_ctc"
    assert scheme_label("anict") == "Droits de tirage ANICT"
    assert scheme_label(None) == ""


def test_ctc_scheme_respected():
    # 40 M project: programme 28 M (70 %), diaspora 4 M (10 %), commune + ONG 8 M (20 %)
    assert check_scheme("diaspora_ctc", 40_000_000, {"programme_codev": 28_000_000, "association_diaspora": 4_000_000,
                                                     "budget_communal": 5_000_000, "ong": 3_000_000}) == []


def test_ctc_tolerance_half_a_point():
    # 10,4 % diaspora and 69,6 % programme stay within ± 0,5 point
    assert check_scheme("diaspora_ctc", 25_000_000, {"ptf": 17_400_000, "association_diaspora": 2_600_000,
                                                     "budget_communal": 5_000_000}) == []
    # 10,52 %: just outside, and shown with two decimals so it does not read "10,5 %" (which is allowed)
    msgs = messages("diaspora_ctc", 25_000_000, {"ptf": 17_435_000, "association_diaspora": 2_630_000,
                                                 "budget_communal": 4_935_000})
    assert msgs == [f"Diaspora : 10,52 % (2 630 000 FCFA) au lieu de 10 % attendus par le dispositif {CTC}."]
    # 10,6 %: one decimal is enough
    msgs = messages("diaspora_ctc", 25_000_000, {"ptf": 17_450_000, "association_diaspora": 2_650_000,
                                                 "budget_communal": 4_900_000})
    assert msgs == [f"Diaspora : 10,6 % (2 650 000 FCFA) au lieu de 10 % attendus par le dispositif {CTC}."]


def test_ctc_wrong_shares_give_precise_messages():
    msgs = messages("diaspora_ctc", 45_000_000, {"programme_codev": 31_500_000, "association_diaspora": 6_750_000,
                                                 "budget_communal": 6_750_000})
    assert msgs == [
        f"Diaspora : 15,0 % (6 750 000 FCFA) au lieu de 10 % attendus par le dispositif {CTC}.",
        f"Collectivité, ONG et associations locales : 15,0 % (6 750 000 FCFA) au lieu de 20 % attendus "
        f"par le dispositif {CTC}.",
        f"Programme (CTC, PTF) : 31 500 000 FCFA, au-dessus du plafond de 30 000 000 FCFA par projet fixé "
        f"par le dispositif {CTC}.",
    ]


def test_ctc_programme_part_below_minimum():
    msgs = messages("diaspora_ctc", 20_000_000, {"programme_codev": 14_000_000, "association_diaspora": 2_000_000,
                                                 "population": 4_000_000})
    assert msgs == [f"Programme (CTC, PTF) : 14 000 000 FCFA, en dessous du minimum de 15 000 000 FCFA par projet "
                    f"fixé par le dispositif {CTC}."]


def test_anict_cap_and_counterpart():
    assert check_scheme("anict", 60_000_000, {"anict": 48_000_000, "budget_communal": 6_000_000,
                                              "population": 6_000_000}) == []
    # ANICT may pay less than 80 % if the counterpart is larger
    assert check_scheme("anict", 10_000_000, {"anict": 5_000_000, "budget_communal": 5_000_000}) == []
    msgs = messages("anict", 60_000_000, {"anict": 51_000_000, "budget_communal": 6_000_000, "population": 3_000_000})
    assert msgs == [
        f"ANICT / FNACT : 85,0 % (51 000 000 FCFA) au lieu de 80 % au plus autorisés par le dispositif {ANICT}.",
        f"Contrepartie (budget communal et population) : 15,0 % (9 000 000 FCFA) au lieu d'au moins 20 % exigés "
        f"par le dispositif {ANICT}.",
    ]


def test_sources_outside_the_scheme_are_named():
    msgs = messages("anict", 60_000_000, {"anict": 45_000_000, "budget_communal": 9_000_000,
                                          "population": 3_000_000, "etat": 3_000_000})
    assert msgs == [f"État (3 000 000 FCFA) n'est pas une source prévue par le dispositif {ANICT}."]


def test_unknown_or_no_scheme():
    assert check_scheme("mexique_3x1", 1_000, {}) == ["Dispositif de cofinancement inconnu : « mexique_3x1 »."]
    assert check_scheme(None, 1_000, {"etat": 1_000}) == []
    assert check_scheme("", 1_000, {"etat": 1_000}) == []
    assert check_scheme("anict", 0, {}) == []  # nothing to share out yet


def test_issue_kinds_let_callers_grade_them():
    kinds = [i.kind for i in scheme_issues("diaspora_ctc", 45_000_000, {"programme_codev": 31_500_000})]
    assert kinds == ["below", "below", "above_maximum"]
