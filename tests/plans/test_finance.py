"""Every figure of the PIP, computed once (plans/planning/finance.py), on plans built in memory — no database.

The reference case is docs/DOMAIN.md §14 TC1, Koniakary 2025-2029: four actions, 160 000 000 FCFA.
"""
import random
from decimal import Decimal

import pytest

from plans.core.formatting import plain
from plans.planning.finance import (
    NO_AXIS,
    action_figures,
    action_total,
    field_label,
    largest_remainder,
    line_amount,
    load_options,
    plan_finance,
    share_of,
)
from plans.planning.models import Action, Axis, DiasporaAssociation, FundingLine, Objective, Plan, ScheduleEntry

CTC = "« Appui aux investissements de la diaspora »"


def line(source, share=None, amount=None, name="", association=None, status="promis", in_kind=False):
    return FundingLine(source_type=source, source_name=name, share_pct=None if share is None else Decimal(share),
                       amount=amount, association=association, status=status, in_kind=in_kind)


def action(title, cost, schedule, lines, sector="sante", scheme=None, tags="", objective=None, quantity=1,
           override=None, reason=""):
    return Action(title=title, sector=sector, quantity=Decimal(quantity), unit_cost=cost,
                  total_override=override, override_reason=reason, tags=tags, cofinancing_scheme=scheme,
                  objective=objective, schedule=[ScheduleEntry(year=y, amount=a) for y, a in schedule.items()],
                  funding_lines=lines)


@pytest.fixture
def koniakary():
    """TC1: the four invented actions of Koniakary's plan 2025-2029 with their co-financing."""
    enndam = DiasporaAssociation(id=1, name="Enndam Jombuku", host_country="FR")
    services = Axis(title="Accès aux services sociaux de base", position=0)
    economy = Axis(title="Économie locale, jeunesse et migration", position=1)
    health = Objective(title="Améliorer l'accès aux soins", axis=services)
    water = Objective(title="Améliorer l'accès à l'eau potable", axis=services)
    youth = Objective(title="Former et insérer les jeunes et les migrants de retour", axis=economy)
    cscom = action("Extension du CSCOM", 45_000_000, {2025: 15_000_000, 2026: 30_000_000}, [
        line("programme_codev", 70, name="Cellule technique du codéveloppement (CTC)"),
        line("association_diaspora", 10, name="Enndam Jombuku", association=enndam),
        line("budget_communal", 20, name="Commune de Koniakary"),
    ], scheme="diaspora_ctc", tags="diaspora", objective=health)
    aep = action("AEP du quartier Khasso", 60_000_000, {2026: 30_000_000, 2027: 30_000_000}, [
        line("anict", 80, name="ANICT"),
        line("budget_communal", 10, name="Commune de Koniakary"),
        line("population", 10, name="Population de Khasso", in_kind=True),
    ], sector="hydraulique", scheme="anict", objective=water)
    training = action("Centre de formation des jeunes et des migrants de retour", 30_000_000,
                      {2027: 10_000_000, 2028: 20_000_000}, [
        line("ptf", 70, name="PTF"),
        line("association_diaspora", 20, name="Enndam Jombuku", association=enndam),
        line("budget_communal", 10, name="Commune de Koniakary"),
    ], sector="emploi", tags="diaspora,retour,emploi_jeunes", objective=youth)
    tata = action("Restauration du Tata", 25_000_000, {2025: 5_000_000, 2028: 10_000_000, 2029: 10_000_000}, [
        line("etat", 50, name="État"),
        line("cooperation_decentralisee", 30, name="Ville de Villetaneuse"),
        line("association_diaspora", 20, name="Enndam Jombuku", association=enndam),
    ], sector="culture_jeunesse", tags="diaspora")  # no objective yet: "Sans axe"
    return Plan(title="PDESC de Koniakary 2025-2029", period_start=2025, period_end=2029,
                actions=[cscom, aep, training, tata])


# --- Koniakary (TC1) ----------------------------------------------------------------------------------------

def test_koniakary_totals(koniakary):
    pf = plan_finance(koniakary)
    assert pf.years == [2025, 2026, 2027, 2028, 2029]
    assert pf.total == 160_000_000
    assert pf.funded == 160_000_000
    assert pf.gap == 0 and pf.excess == 0 and pf.to_seek == 0
    assert pf.diaspora_amount == 4_500_000 + 6_000_000 + 5_000_000 == 15_500_000
    assert pf.diaspora_share == Decimal("9.69")  # 15,5 / 160 = 9,6875 %
    assert [f.total for f in pf.figures] == [45_000_000, 60_000_000, 30_000_000, 25_000_000]


def test_koniakary_by_source(koniakary):
    pf = plan_finance(koniakary)
    assert pf.by_source == {
        "budget_communal": 9_000_000 + 6_000_000 + 3_000_000,
        "population": 6_000_000,
        "etat": 12_500_000,
        "anict": 48_000_000,
        "ptf": 21_000_000,
        "association_diaspora": 15_500_000,
        "cooperation_decentralisee": 7_500_000,
        "programme_codev": 31_500_000,
    }
    assert list(pf.by_source)[:2] == ["budget_communal", "population"]  # FUNDING_SOURCES order
    assert pf.internal == 24_000_000 and pf.external == 136_000_000
    assert pf.by_status == {"acquis": 0, "promis": 160_000_000, "a_rechercher": 0}
    assert pf.figures[1].in_kind_amount == 6_000_000


def test_koniakary_years_sectors_axes_pia(koniakary):
    pf = plan_finance(koniakary)
    assert pf.by_year == {2025: 20_000_000, 2026: 60_000_000, 2027: 40_000_000, 2028: 30_000_000,
                          2029: 10_000_000}
    assert pf.by_sector == {"sante": 45_000_000, "hydraulique": 60_000_000, "culture_jeunesse": 25_000_000,
                            "emploi": 30_000_000}
    assert [(a.title, a.total, a.count) for a in pf.by_axis] == [
        ("Accès aux services sociaux de base", 105_000_000, 2),
        ("Économie locale, jeunesse et migration", 30_000_000, 1),
        (NO_AXIS, 25_000_000, 1),
    ]
    assert pf.pia_year == 2025
    assert [(r.action.title, r.amount) for r in pf.pia] == [("Extension du CSCOM", 15_000_000),
                                                           ("Restauration du Tata", 5_000_000)]
    assert pf.pia_total == 20_000_000
    # the PIA's financing: CSCOM 15 M at 70/10/20 and Tata 5 M at 50/30/20
    assert pf.pia_by_source == {"budget_communal": 3_000_000, "population": 0, "etat": 2_500_000, "anict": 0,
                                "ptf": 0, "association_diaspora": 1_500_000 + 1_000_000,
                                "cooperation_decentralisee": 1_500_000, "programme_codev": 10_500_000}
    assert pf.migration_actions == 3


def test_koniakary_cscom_exceeds_the_ctc_ceiling(koniakary):
    """70 % of 45 000 000 is 31 500 000: above the programme's 30 000 000 per project (docs/DOMAIN.md §9;
    source S35, §16). The invented TC1 plan breaks that rule; the tool must say so. The other three actions are
    clean."""
    pf = plan_finance(koniakary)
    cscom, aep, training, tata = pf.figures
    assert [(f, plain(m)) for f, m in cscom.errors] == [
        ("cofinancing_scheme", f"Programme (CTC, PTF) : 31 500 000 FCFA, au-dessus du plafond de 30 000 000 FCFA "
                               f"par projet fixé par le dispositif {CTC}.")]
    assert aep.errors == training.errors == tata.errors == []
    assert pf.actions_in_error == 1


def test_removing_a_line_leaves_a_gap_not_an_error(koniakary):
    tata = koniakary.actions[3]
    tata.funding_lines.pop(1)  # Villetaneuse withdraws its 30 %
    f = action_figures(tata, koniakary.years)
    assert f.funded == 17_500_000
    assert f.gap == 7_500_000 and f.to_seek == 7_500_000 and f.excess == 0
    assert f.errors == []
    pf = plan_finance(koniakary)
    assert pf.gap == 7_500_000
    assert pf.funded == 152_500_000
    assert "cooperation_decentralisee" not in pf.by_source


def test_missing_scheme_share_is_a_warning_while_cost_is_unfunded(koniakary):
    cscom = koniakary.actions[0]
    cscom.funding_lines.pop(1)  # the diaspora's 10 % not yet found
    f = action_figures(cscom, koniakary.years)
    assert f.gap == 4_500_000
    assert [plain(m) for _, m in f.warnings] == [
        f"Diaspora : 0,0 % (0 FCFA) au lieu de 10 % attendus par le dispositif {CTC}."]
    assert all("Diaspora" not in m for _, m in f.errors)


def test_status_a_rechercher_counts_in_to_seek(koniakary):
    training = koniakary.actions[2]
    training.funding_lines[0].status = "a_rechercher"  # the PTF's 70 % is still to be found
    training.funding_lines[2].status = "acquis"
    f = action_figures(training, koniakary.years)
    assert f.gap == 0
    assert f.by_status == {"acquis": 3_000_000, "promis": 6_000_000, "a_rechercher": 21_000_000}
    assert f.to_seek == 21_000_000


# --- rules of one action ------------------------------------------------------------------------------------

def errors(f):
    return [(field, plain(m)) for field, m in f.errors]


def simple(cost=10_000_000, schedule=None, lines=None, **kw):
    schedule = {2025: cost} if schedule is None else schedule
    lines = [line("budget_communal", amount=cost)] if lines is None else lines
    return action("Forage", cost, schedule, lines, **kw)


YEARS = [2025, 2026, 2027, 2028, 2029]


def test_total_is_quantity_times_unit_cost_rounded_half_up():
    a = action("Salles de classe réhabilitées", 1_500_000, {}, [], quantity=6)
    assert action_total(a) == 9_000_000
    a = action("Tronçon de piste (km)", 3_333_333, {}, [], quantity=Decimal("1.5"))
    assert action_total(a) == 5_000_000  # 4 999 999,5 → 5 000 000
    a = action("Forage", 8_000_000, {}, [], override=7_500_000, reason="Devis de l'entreprise")
    assert action_total(a) == 7_500_000
    assert action_figures(a).computed_total == 8_000_000


def test_in_memory_defaults_read_as_database_defaults():
    a = Action(title="Sans détails", sector="sante", unit_cost=2_000_000)  # quantity, tags, … left None
    assert action_total(a) == 2_000_000
    f = action_figures(a, YEARS)
    assert errors(f) == [("schedule", "Répartissez le coût total (2 000 000 FCFA) sur les années du plan.")]


def test_line_amount_typed_or_share():
    assert line_amount(line("etat", amount=1_234_567), 10_000_000) == 1_234_567
    assert line_amount(line("etat", share="33.33"), 10_000_000) == 3_333_000
    assert line_amount(line("etat", share="12.5"), 3) == 0  # 0,375 → 0
    assert line_amount(line("etat", share="50"), 3) == 2  # 1,5 → 2 (half up)
    assert line_amount(line("etat"), 10_000_000) == 0


def test_over_funding_is_an_error():
    f = action_figures(simple(lines=[line("budget_communal", amount=4_000_000), line("anict", amount=7_500_000)]),
                       YEARS)
    assert f.excess == 1_500_000 and f.gap == 0
    assert errors(f) == [("funding_lines", "Les financements (11 500 000 FCFA) dépassent le coût total "
                                           "(10 000 000 FCFA) de 1 500 000 FCFA.")]


def test_schedule_must_match_the_total():
    f = action_figures(simple(schedule={2025: 4_000_000, 2026: 5_000_000}), YEARS)
    assert errors(f) == [("schedule", "La programmation annuelle (9 000 000 FCFA) ne correspond pas au coût total "
                                      "(10 000 000 FCFA) : écart de 1 000 000 FCFA.")]
    f = action_figures(simple(schedule={2025: 6_000_000, 2026: 5_000_000}), YEARS)
    assert errors(f)[0][1].endswith(": écart de 1 000 000 FCFA.")


def test_schedule_year_outside_the_period():
    f = action_figures(simple(schedule={2029: 5_000_000, 2030: 5_000_000}), YEARS)
    assert errors(f) == [("schedule-2030", "L'année 2030 est hors de la période du plan (2025–2029).")]
    assert action_figures(simple(schedule={2029: 5_000_000, 2030: 5_000_000})).errors == []  # no period given


def test_schedule_negative_and_duplicate_years():
    a = simple(schedule={2025: 12_000_000, 2026: -2_000_000})
    assert errors(action_figures(a, YEARS)) == [
        ("schedule-2026", "Le montant programmé en 2026 ne peut pas être négatif.")]
    a = simple(schedule={})
    a.schedule = [ScheduleEntry(year=2025, amount=5_000_000), ScheduleEntry(year=2025, amount=5_000_000)]
    f = action_figures(a, YEARS)
    assert errors(f) == [("schedule", "L'année 2025 figure deux fois dans la programmation.")]
    assert f.schedule_by_year == {2025: 10_000_000}


def test_override_needs_a_reason():
    a = action("Forage", 8_000_000, {2025: 7_500_000}, [line("anict", amount=7_500_000)], override=7_500_000)
    assert errors(action_figures(a, YEARS)) == [
        ("override_reason", "Indiquez pourquoi le coût total est saisi à la main (7 500 000 FCFA au lieu de "
                            "quantité × coût unitaire = 8 000 000 FCFA).")]
    a.override_reason = "Devis de l'entreprise retenue"
    assert action_figures(a, YEARS).errors == []


def test_quantity_and_unit_cost_rules():
    f = action_figures(action("Forage", 8_000_000, {}, [], quantity=0), YEARS)
    assert ("quantity", "La quantité doit être supérieure à zéro.") in errors(f)
    f = action_figures(action("Forage", -8_000_000, {}, [], quantity=1), YEARS)
    assert ("unit_cost", "Le coût unitaire ne peut pas être négatif.") in errors(f)


def test_funding_line_rules():
    enndam = DiasporaAssociation(name="Enndam Jombuku", host_country="FR")
    a = simple(lines=[
        line("budget_communal", amount=2_000_000, share="20"),  # both
        line("etat"),  # neither
        line("ptf", share="120"),  # out of range
        line("association_diaspora", amount=1_000_000),  # no association chosen
        line("association_diaspora", amount=1_000_000, association=enndam),  # linked in memory: fine
        line("ong", amount=-500_000),  # negative: counts as 0
    ])
    f = action_figures(a, YEARS)
    assert errors(f) == [
        ("funding_lines-0-share_pct", "Indiquez soit un montant, soit une part en %, pas les deux."),
        ("funding_lines-1-amount", "Indiquez le montant de cette ligne en FCFA ou sa part en %."),
        ("funding_lines-2-share_pct", "La part doit être comprise entre 0 et 100 %."),
        ("funding_lines-3-association_id",
         "Choisissez l'association de la diaspora enregistrée qui finance cette ligne."),
        ("funding_lines-5-amount", "Le montant ne peut pas être négatif."),
        ("funding_lines", "Les financements (16 000 000 FCFA) dépassent le coût total (10 000 000 FCFA) "
                          "de 6 000 000 FCFA."),
    ]
    assert f.line_amounts == [2_000_000, 0, 12_000_000, 1_000_000, 1_000_000, 0]
    stored = line("association_diaspora", amount=1_000_000)
    stored.association_id = 7  # a saved line refers by id
    assert action_figures(simple(lines=[stored, line("budget_communal", amount=9_000_000)]), YEARS).errors == []


def test_field_labels_for_summaries():
    assert field_label("schedule-2026") == "Programmation 2026"
    assert field_label("funding_lines-1-amount") == "Financement n°2 (montant)"
    assert field_label("override_reason") == "Raison du coût total saisi"
    assert field_label("autre") == "autre"


def test_errors_by_field_for_a_form():
    f = action_figures(simple(schedule={2025: 1}), YEARS)
    assert list(f.errors_by_field()) == ["schedule"]
    assert f.messages("schedule") == [m for _, m in f.errors]


# --- the source × year matrix -------------------------------------------------------------------------------

def assert_matrix_consistent(pf):
    for src, row in pf.matrix.items():
        assert sum(row.values()) == pf.by_source[src], src
        assert all(v >= 0 for v in row.values())
        assert list(row) == pf.table_years  # the plan's years and any year programmed outside them
    for year in pf.table_years:
        assert sum(row[year] for row in pf.matrix.values()) == pf.matrix_year_totals[year]
    assert pf.matrix_total == pf.funded == sum(pf.by_source.values())


def test_koniakary_matrix(koniakary):
    pf = plan_finance(koniakary)
    assert_matrix_consistent(pf)
    assert pf.matrix_year_totals == pf.by_year  # fully funded: each year's financing is its programmed cost
    assert pf.matrix["programme_codev"] == {2025: 10_500_000, 2026: 21_000_000, 2027: 0, 2028: 0, 2029: 0}
    assert pf.matrix["association_diaspora"] == {2025: 1_500_000 + 1_000_000, 2026: 3_000_000,
                                                 2027: 2_000_000, 2028: 4_000_000 + 2_000_000, 2029: 2_000_000}


def test_matrix_with_amounts_that_do_not_divide():
    # 100 FCFA over 2 years (50/50) shared 33/33/34: each line gets 16,5 per year — no line can, yet each
    # year must still total 50 and each line its amount.
    a = action("Petit ouvrage", 100, {2025: 50, 2026: 50},
               [line("budget_communal", amount=33), line("population", amount=33), line("etat", amount=34)])
    # 1 000 001 over 3 uneven years: two shares of 33,33 % (333 300 each) and the rest typed (333 401)
    b = action("Ouvrage", 1_000_001, {2025: 333_333, 2026: 333_334, 2027: 333_334},
               [line("anict", share="33.33"), line("ptf", share="33.33"), line("ong", amount=333_401)])
    pf = plan_finance(Plan(title="t", period_start=2025, period_end=2029, actions=[a, b]))
    assert_matrix_consistent(pf)
    assert pf.matrix_year_totals == pf.by_year == {2025: 333_383, 2026: 333_384, 2027: 333_334, 2028: 0, 2029: 0}
    assert pf.matrix["budget_communal"][2025] + pf.matrix["population"][2025] + pf.matrix["etat"][2025] == 50
    assert sorted((pf.matrix["budget_communal"][2025], pf.matrix["budget_communal"][2026])) == [16, 17]


def test_matrix_unscheduled_schedule_goes_to_the_first_year():
    no_schedule = action("Étude", 3_000_000, {}, [line("ptf", amount=3_000_000)])
    pf = plan_finance(Plan(title="t", period_start=2025, period_end=2029, actions=[no_schedule]))
    assert_matrix_consistent(pf)
    assert pf.matrix["ptf"][2025] == 3_000_000
    assert pf.actions_in_error == 1 and pf.out_of_period_years == []


def test_matrix_keeps_an_amount_programmed_outside_the_period_in_its_own_year():
    # The period was shortened or moved under the action (docs/DOMAIN.md §8): never folded into 2025.
    outside = action("Piste", 2_000_000, {2027: 500_000, 2031: 1_500_000}, [line("etat", amount=2_000_000)])
    pf = plan_finance(Plan(title="t", period_start=2025, period_end=2029, actions=[outside]))
    assert_matrix_consistent(pf)
    assert pf.out_of_period_years == [2031] and pf.table_years == [2025, 2026, 2027, 2028, 2029, 2031]
    assert pf.matrix["etat"] == {2025: 0, 2026: 0, 2027: 500_000, 2028: 0, 2029: 0, 2031: 1_500_000}
    assert pf.by_year[2031] == 1_500_000 and pf.by_year[2025] == 0
    assert [(r.year, r.amount) for r in pf.out_of_period] == [(2031, 1_500_000)] and pf.out_of_period_total == 1_500_000
    assert pf.actions_in_error == 1  # still an error to correct on the action


def random_plan(seed, fully_funded):
    rng = random.Random(seed)
    sources = ["budget_communal", "population", "etat", "anict", "ptf", "association_diaspora", "ong"]
    actions = []
    for i in range(60):
        cost = rng.randrange(1, 90_000_000)
        years = rng.sample(YEARS, rng.randint(1, 5))
        cuts = sorted(rng.randrange(0, cost + 1) for _ in range(len(years) - 1))
        parts = [b - a for a, b in zip([0] + cuts, cuts + [cost])]
        lines = [line(rng.choice(sources), share=str(rng.choice([5, 10, 12.5, 20, 33.33, 70])))
                 if rng.random() < 0.5 else line(rng.choice(sources), amount=rng.randrange(0, cost))
                 for _ in range(rng.randint(0, 5))]
        if fully_funded:
            lines = lines[:1] if lines else [line("budget_communal", share="10")]
            covered = line_amount(lines[0], cost)
            lines[0] = line(lines[0].source_type, amount=min(covered, cost))
            lines.append(line("ptf", amount=cost - lines[0].amount))
        actions.append(action(f"Action {i}", cost, dict(zip(years, parts)), lines))
    return Plan(title="t", period_start=2025, period_end=2029, actions=actions)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matrix_with_gaps_and_excess_still_sums_exactly(seed):
    pf = plan_finance(random_plan(seed, fully_funded=False))
    assert pf.gap > 0 and pf.excess > 0  # the random plan has both
    assert_matrix_consistent(pf)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_matrix_columns_equal_the_schedule_when_every_action_is_funded(seed):
    pf = plan_finance(random_plan(seed, fully_funded=True))
    assert pf.gap == pf.excess == 0
    assert_matrix_consistent(pf)
    assert pf.matrix_year_totals == pf.by_year


def test_largest_remainder():
    assert largest_remainder(100, {2025: 1, 2026: 1, 2027: 1}) == {2025: 34, 2026: 33, 2027: 33}
    assert largest_remainder(10, {"a": 0, "b": 0}) == {"a": 10, "b": 0}
    assert largest_remainder(7, {"a": 2, "b": 5}) == {"a": 2, "b": 5}
    assert sum(largest_remainder(1_000_001, {1: 3, 2: 7, 3: 11}).values()) == 1_000_001


def test_share_of():
    assert share_of(15_500_000, 160_000_000) == Decimal("9.69")
    assert share_of(1, 0) == Decimal("0.00")


# --- scale --------------------------------------------------------------------------------------------------

def test_150_actions_with_three_lines_each_add_up():
    """Scale of a big PIP (its speed is measured by `make bench`, not here)."""
    axis = Axis(title="Axe", position=0)
    objective = Objective(title="Objectif", axis=axis)
    enndam = DiasporaAssociation(id=1, name="Enndam Jombuku", host_country="FR")
    actions = [action(f"Action {i}", 1_000_000 + 7_919 * i, {2025 + (i % 5): 1_000_000 + 7_919 * i,
                                                                2029: 0},
                      [line("budget_communal", share="20"), line("association_diaspora", share="10",
                                                                 association=enndam),
                       line("programme_codev", share="70")],
                      scheme="diaspora_ctc", objective=objective, tags="diaspora")
               for i in range(150)]
    plan = Plan(title="t", period_start=2025, period_end=2029, actions=actions)
    pf = plan_finance(plan)
    assert len(pf.figures) == 150 and pf.migration_actions == 150
    assert_matrix_consistent(pf)


def test_json_ready(koniakary):
    import json

    pf = plan_finance(koniakary)
    doc = json.loads(json.dumps(pf.to_json()))
    assert doc["total"] == 160_000_000 and doc["diaspora_share"] == "9.69"
    assert doc["by_year"]["2026"] == 60_000_000
    assert doc["by_axis"][-1] == {"title": NO_AXIS, "total": 25_000_000, "count": 1}
    cscom = json.loads(json.dumps(pf.figures_for(koniakary.actions[0]).to_json()))
    assert cscom["line_amounts"] == [31_500_000, 4_500_000, 9_000_000]
    assert cscom["errors"][0]["field"] == "cofinancing_scheme"
    with pytest.raises(KeyError):
        pf.figures_for(Action(title="Ailleurs"))


def test_load_options_build():
    assert len(load_options()) == 3
