"""The execution's figures (plans/execution/figures.py), right to the franc, on the Koniakary test case adopted
(docs/DOMAIN.md §14: a PIP of 160 000 000 FCFA) with its 2025 execution and a 2026 record of the CSCOM."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from plans.demo import data as D
from plans.execution import figures, service
from plans.planning import finance
from plans.planning.models import Plan, PlanStatus


@pytest.fixture
def executed(session, demo_cases, planner):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    actions = {a.title: a for a in plan.actions}
    cscom, tata = actions["Extension du CSCOM"], actions["Restauration du Tata"]
    # CSCOM (45 000 000): CTC 31 500 000 promis, Enndam Jombuku 4 500 000 acquis, commune 9 000 000 promis.
    service.save(session, plan, cscom, 2025, {
        "status": "en_cours", "progress": "40",
        "funding": [{"mobilised": "10 000 000", "paid": "8 000 000"}, {"mobilised": "2 000 000", "paid": "2 000 000"},
                    {"mobilised": "3 000 000", "paid": "1 000 000"}]}, 0, planner)
    service.save(session, plan, cscom, 2026, {
        "status": "en_cours", "progress": "80",
        "funding": [{"mobilised": "5 000 000", "paid": "7 000 000"}, {}, {}]}, 0, planner)
    # Tata (25 000 000): État 12 500 000, Villetaneuse 7 500 000, Enndam Jombuku 5 000 000, all promis.
    service.save(session, plan, tata, 2025, {
        "status": "abandonne", "progress": "10", "observations": "Chantier arrêté : litige foncier.",
        "funding": [{"mobilised": "1 000 000", "paid": "1 000 000"}, {}, {}]}, 0, planner)
    session.commit()
    loaded = session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True)
    return loaded, service.records(session, loaded)


def test_the_plans_rates_at_the_end_of_2025(executed):
    plan, records = executed
    ex = figures.plan_execution(plan, records, 2025)
    assert (ex.planned, ex.mobilised, ex.paid) == (160_000_000, 16_000_000, 12_000_000)
    assert ex.financial_rate == Decimal("7.50")  # 12 000 000 / 160 000 000
    assert ex.mobilised_rate == Decimal("10.00")
    # (45 M × 40 + 60 M × 0 + 30 M × 0 + 25 M × 10) / 160 M = 12,8125 %
    assert ex.physical_rate == Decimal("12.81")
    assert (ex.pia_planned, ex.pia_paid, ex.pia_rate) == (20_000_000, 12_000_000, Decimal("60.00"))
    assert ex.status_counts == {"prevu": 2, "en_cours": 1, "realise": 0, "suspendu": 0, "abandonne": 1}
    cscom = ex.actions[0]
    assert (cscom.status, cscom.progress, cscom.mobilised, cscom.paid) == ("en_cours", 40, 15_000_000, 11_000_000)
    assert cscom.financial_rate == Decimal("24.44")  # 11 / 45
    assert [x.state for x in cscom.lines] == ["promis", "acquis", "promis"]
    assert [x.to_receive for x in cscom.lines] == [21_500_000, 2_500_000, 6_000_000]


def test_later_years_add_up_and_earlier_years_do_not_see_them(executed):
    plan, records = executed
    ex = figures.plan_execution(plan, records, 2026)
    cscom = ex.actions[0]
    assert (cscom.progress, cscom.mobilised, cscom.paid) == (80, 20_000_000, 18_000_000)
    assert (cscom.mobilised_year, cscom.paid_year) == (5_000_000, 7_000_000)
    assert (ex.paid, ex.pia_planned, ex.pia_paid) == (19_000_000, 60_000_000, 7_000_000)
    tata = ex.actions[3]
    assert (tata.status, tata.progress, tata.record) == ("abandonne", 10, None)  # 2025's state carries on
    before = figures.plan_execution(plan, records, 2024)
    assert (before.paid, before.physical_rate) == (0, Decimal("0.00"))


def test_by_sector_axis_and_source_against_finances_planned_figures(executed):
    plan, records = executed
    ex = figures.plan_execution(plan, records, 2025)
    pf = finance.plan_finance(plan)
    assert {g.key: g.planned for g in ex.by_sector} == pf.by_sector
    sante = next(g for g in ex.by_sector if g.key == "sante")
    assert (sante.planned, sante.paid, sante.financial_rate, sante.physical_rate) == (
        45_000_000, 11_000_000, Decimal("24.44"), Decimal("40.00"))
    first_axis, second_axis = ex.by_axis
    assert (first_axis.planned, first_axis.paid, first_axis.financial_rate) == (105_000_000, 11_000_000,
                                                                                 Decimal("10.48"))
    assert first_axis.physical_rate == Decimal("17.14")  # 45 M × 40 / 105 M
    assert (second_axis.planned, second_axis.paid, second_axis.physical_rate) == (55_000_000, 1_000_000,
                                                                                   Decimal("4.55"))
    commune = next(g for g in ex.by_source if g.key == "budget_communal")
    assert (commune.planned, commune.mobilised, commune.paid) == (18_000_000, 3_000_000, 1_000_000)
    assert (commune.mobilised_rate, commune.financial_rate) == (Decimal("16.67"), Decimal("5.56"))
    assert sum(g.paid for g in ex.by_source) == ex.paid


def test_the_diaspora_promised_mobilised_paid_and_the_funding_states(executed):
    plan, records = executed
    ex = figures.plan_execution(plan, records, 2025)
    assert [(r.name, r.promised, r.mobilised, r.paid) for r in ex.diaspora] == [
        ("Enndam Jombuku", 15_500_000, 2_000_000, 2_000_000)]
    assert ex.diaspora[0].mobilised_rate == Decimal("12.90")
    # Received: 10 M (CTC) + 4,5 M (Enndam, adopted « acquis ») + 3 M (commune) + 1 M (État) = 18,5 M « acquis ».
    assert ex.funding_states == {"acquis": 18_500_000, "promis": 120_500_000, "a_rechercher": 21_000_000,
                                 "non_couvert": 0}
    assert sum(ex.funding_states.values()) == ex.planned
