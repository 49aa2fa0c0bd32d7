"""plans/planning/indicators.py: the rules of every figure derived from money and population, on plain objects."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from plans.planning import finance
from plans.planning import indicators as ind
from plans.planning.models import Action, FundingLine, MigrationProfile, Plan, PopulationRecord, ScheduleEntry


def record(year, value, id=None):
    return SimpleNamespace(year=year, value=value, id=id)


def action(cost, *lines, tags=""):
    return Action(title="A", sector="sante", quantity=Decimal(1), unit_cost=cost, tags=tags,
                  schedule=[ScheduleEntry(year=2025, amount=cost)],
                  funding_lines=[FundingLine(position=i, source_type=src, amount=amount, status=status,
                                             association_id=1 if src == "association_diaspora" else None)
                                 for i, (src, amount, status) in enumerate(lines)])


# --- population -------------------------------------------------------------------------------------------

def test_latest_population_greatest_year_then_last_entered():
    assert ind.latest_record([record(2009, 8000, 1), record(2020, 10000, 2)]) == (10000, 2020)
    # Two records of 2020: the one entered last (greatest id) wins, whatever the list order.
    assert ind.latest_record([record(2020, 12000, 7), record(2020, 10000, 3)]) == (12000, 2020)
    assert ind.latest_record([record(2020, 10000, 3), record(2020, 12000, 7)]) == (12000, 2020)
    # Not saved yet: after every saved record, then in list order.
    assert ind.latest_record([record(2020, 10000, 3), record(2020, 11000), record(2020, 12000)]) == (12000, 2020)
    # No value, zero or negative: skipped; a record without a year is older than any dated one.
    assert ind.latest_record([record(2022, None, 9), record(2021, 0, 8), record(2009, 5000, 1)]) == (5000, 2009)
    assert ind.latest_record([record(None, 7000, 9), record(2009, 5000, 1)]) == (5000, 2009)
    assert ind.latest_record([record(None, 7000, 9)]) == (7000, None)
    assert ind.latest_record([]) == (None, None)


def test_latest_population_of_a_plan():
    plan = Plan(title="P", period_start=2025, period_end=2029)
    plan.population_records = [PopulationRecord(year=2020, value=10000), PopulationRecord(year=2020, value=9000)]
    assert ind.latest_population(plan) == (9000, 2020)  # same year, none saved: the last in the list


def test_ratios_and_their_rounding():
    assert ind.per_inhabitant(160_000_000, 20143) == 7943  # 7 943,2…
    assert ind.per_inhabitant(15, 10) == 2  # 1,5 → 2: halves up
    assert ind.per_inhabitant(100, None) is None and ind.per_inhabitant(100, 0) is None
    assert ind.per_thousand(10799, 20143) == Decimal("536.1")
    assert ind.per_thousand(1, 2000) == Decimal("0.5") and ind.per_thousand(1, 4000) == Decimal("0.3")  # 0,25 → 0,3
    assert ind.per_thousand(None, 100) is None and ind.per_thousand(5, None) is None
    assert ind.HOUSEHOLD_SIZE == 8
    assert ind.migrant_households(20143, Decimal("66")) == 1662  # 20 143 × 0,66 / 8 = 1 661,8
    assert ind.migrant_households(20143, None) is None and ind.migrant_households(None, Decimal(1)) is None
    assert ind.per_household(160_000_000, 1662) == 96270 and ind.per_household(100, 0) is None


# --- the diaspora -----------------------------------------------------------------------------------------

def test_diaspora_funded_is_decided_by_the_lines_not_the_tag():
    with_line = finance.action_figures(action(10_000_000, ("association_diaspora", 2_000_000, "a_rechercher")))
    assert ind.is_diaspora_funded(with_line)  # whatever the line's status
    assert ind.migration_tags(with_line) == ["diaspora"]  # derived although not typed
    tagged_only = finance.action_figures(action(10_000_000, ("budget_communal", 10_000_000, "acquis"),
                                                tags="diaspora,retour"))
    assert not ind.is_diaspora_funded(tagged_only)
    assert ind.migration_tags(tagged_only) == ["retour"]  # a typed "diaspora" is ignored
    zero = finance.action_figures(action(10_000_000, ("association_diaspora", 0, "promis")))
    assert not ind.is_diaspora_funded(zero) and ind.diaspora_lines(zero) == []
    assert ind.has_diaspora_funding(1) and not ind.has_diaspora_funding(0)
    assert "diaspora" not in ind.TYPED_MIGRATION_TAGS and "retour" in ind.TYPED_MIGRATION_TAGS
    assert ind.typed_tags("diaspora,inconnu,sensibilisation,retour") == ["retour", "sensibilisation"]


def test_the_plans_migration_count_uses_the_derived_tag():
    plan = Plan(title="P", period_start=2025, period_end=2029, actions=[
        action(10_000_000, ("association_diaspora", 1_000_000, "promis")),  # counted: diaspora-funded, untagged
        action(10_000_000, ("budget_communal", 1_000_000, "promis"), tags="diaspora"),  # not: the tag alone
        action(10_000_000, tags="retour")])
    pf = finance.plan_finance(plan)
    assert pf.migration_actions == 2
    assert ind.diaspora_funded_actions(pf) == [plan.actions[0]]


def test_strong_emigration_without_diaspora_funding():
    assert ind.STRONG_EMIGRATION_PER_MILLE == 100
    assert ind.emigration_gap(Decimal("100.0"), False) is True
    assert ind.emigration_gap(Decimal("100.0"), True) is False
    assert ind.emigration_gap(Decimal("99.9"), False) is False
    assert ind.emigration_gap(None, False) is None


# --- funding states ---------------------------------------------------------------------------------------

def test_funding_states_of_an_action_and_a_plan():
    a = action(100_000_000, ("budget_communal", 10_000_000, "acquis"), ("etat", 20_000_000, "promis"),
               ("ptf", 30_000_000, "a_rechercher"), ("ong", 5_000_000, None))
    b = action(10_000_000, ("anict", 12_000_000, "acquis"))  # over-funded: covers nothing of a's cost
    states = ind.funding_states(finance.action_figures(a))
    assert states == ind.FundingStates(identified=65_000_000, secured=10_000_000, promised=25_000_000,
                                       to_find=30_000_000, not_covered=35_000_000)
    assert states.identified == states.secured + states.promised + states.to_find
    plan_states = ind.funding_states(finance.plan_finance(Plan(title="P", period_start=2025, period_end=2029,
                                                               actions=[a, b])))
    assert plan_states.not_covered == 35_000_000 and plan_states.secured == 22_000_000
    assert [s.key for s, _ in plan_states.rows()] == ["identifie", "acquis", "promis", "a_rechercher", "non_couvert"]
    assert [s.label for s in ind.FUNDING_STATES.values()] == [
        "Financement identifié", "Acquis", "Promis", "À rechercher", "Non couvert"]


def test_plan_indicators_read_finance_and_the_plans_data():
    plan = Plan(title="P", period_start=2025, period_end=2029, actions=[
        action(160_000_000, ("association_diaspora", 15_500_000, "promis"))])
    plan.population_records = [PopulationRecord(id=1, year=2020, value=20143)]
    plan.migration_profile = MigrationProfile(emigrants_total=10799, households_with_emigrant_pct=Decimal("66"))
    i = ind.plan_indicators(plan, finance.plan_finance(plan))
    assert (i.population, i.population_year, i.cost_per_inhabitant) == (20143, 2020, 7943)
    assert i.diaspora_share == Decimal("9.69") and i.emigrants_per_thousand == Decimal("536.1")
    assert i.migrant_households == 1662 and i.emigration_gap is False
    assert i.funding.not_covered == 144_500_000
