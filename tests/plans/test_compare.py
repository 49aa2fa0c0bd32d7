"""plans/maps/compare.py: the indicators of the comparison, from plans.planning.finance and the plan's data."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from plans.core.formatting import fcfa
from plans.demo import seed as demo
from plans.demo.data import TC1_UUID, TC2_UUID
from plans.maps.compare import NOT_AVAILABLE, comparison_rows
from plans.planning import finance
from plans.planning.indicators import HOUSEHOLD_SIZE, funding_states, latest_population, plan_indicators
from plans.planning.models import MigrationProfile, Plan, PopulationRecord


def _seeded(session, uuid):
    demo.seed_test_cases(session)
    session.commit()
    plan_id = session.scalar(sa.select(Plan.id).where(Plan.uuid == uuid))
    return session.get(Plan, plan_id, options=finance.load_options())


def test_indicators_of_tc1_and_tc2(session):
    tc1, tc2 = _seeded(session, TC1_UUID), _seeded(session, TC2_UUID)
    for plan in (tc1, tc2):
        pf = finance.plan_finance(plan)
        ind = plan_indicators(plan, pf)
        population, year = latest_population(plan)
        assert population and year == max(r.year for r in plan.population_records)
        assert ind.total == pf.total and ind.diaspora_amount == pf.diaspora_amount
        assert ind.diaspora_share == pf.diaspora_share and ind.funding == funding_states(pf)
        assert ind.actions == len(plan.actions) and ind.migration_actions == pf.migration_actions
        assert ind.cost_per_inhabitant == round(pf.total / population)
        profile = plan.migration_profile
        households = round(population * float(profile.households_with_emigrant_pct) / 100 / HOUSEHOLD_SIZE)
        assert ind.migrant_households == households
        assert ind.cost_per_migrant_household == round(pf.total / households)
        assert ind.emigrants_per_thousand == (Decimal(profile.emigrants_total) * 1000 / population).quantize(
            Decimal("0.1"))
    # TC1 (Koniakary): 20 143 inhabitants in 2020, 10 799 émigrés, 66 % of households → 536,1 ‰ and 1 662 households
    ind = plan_indicators(tc1, finance.plan_finance(tc1))
    assert (ind.population, ind.population_year) == (20143, 2020)
    assert ind.emigrants_per_thousand == Decimal("536.1")
    assert ind.migrant_households == 1662
    rows = dict((label, cells) for label, cells, _ in comparison_rows(
        [plan_indicators(p, finance.plan_finance(p)) for p in (tc1, tc2)]))
    assert rows["Coût total du PIP"] == [fcfa(finance.plan_finance(tc1).total), fcfa(finance.plan_finance(tc2).total)]
    assert len(rows) == 15 and all(len(cells) == 2 for cells in rows.values())


def test_missing_data_is_not_available(session, plan):
    ind = plan_indicators(plan, finance.plan_finance(plan))
    assert ind.population is None and ind.cost_per_inhabitant is None and ind.migrant_households is None
    assert ind.emigrants_per_thousand is None and ind.cost_per_migrant_household is None
    rows = {label: cells for label, cells, _ in comparison_rows([ind])}
    assert rows["Coût par habitant"] == [NOT_AVAILABLE]
    assert rows["Coût par ménage de migrant"] == [NOT_AVAILABLE]
    assert rows["Nombre d'actions"] == ["0"]

    # population without a migration profile: per inhabitant yes, per migrant household no
    plan.population_records.append(PopulationRecord(year=2009, value=8000, source="rgph_2009"))
    plan.population_records.append(PopulationRecord(year=2020, value=10000, source="estimation"))
    ind = plan_indicators(plan, finance.plan_finance(plan))
    assert ind.population == 10000 and ind.cost_per_inhabitant == 0 and ind.migrant_households is None
    plan.migration_profile = MigrationProfile(emigrants_total=500, households_with_emigrant_pct=Decimal("40"))
    ind = plan_indicators(plan, finance.plan_finance(plan))
    assert ind.migrant_households == 500 and ind.emigrants_per_thousand == Decimal("50.0")
