"""Indicators measured (plans/execution/measures.py): per year against the target, by group where the indicator's
name says so, with source and date; versioned, journaled, nothing saved when refused."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from plans.core.audit import AuditEntry
from plans.core.errors import ConflictError, ValidationError
from plans.demo import data as D
from plans.execution import measures
from plans.execution.models import IndicatorMeasure
from plans.planning.models import Plan, PlanStatus


@pytest.fixture
def adopted(session, demo_cases, planner):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    return plan


def _indicator(plan, start):
    return next(i for i in plan.indicators if i.name.startswith(start))


def test_an_indicator_disaggregated_by_its_name_is_measured_per_group(session, adopted, planner):
    returnees = _indicator(adopted, "Migrants de retour réinsérés")
    assert measures.groups(returnees) == [("hommes", "hommes"), ("femmes", "femmes")]
    assert measures.groups(_indicator(adopted, "Associations de la diaspora")) == []
    with pytest.raises(ValidationError) as refused:
        measures.save(session, adopted, returnees, 2027, {"groups": {"hommes": "14", "femmes": "9"}, "value": "25",
                                                          "source": "", "measured_on": "2031-01-01"}, 0, planner)
    session.rollback()
    assert refused.value.errors == {
        "value": ["Le total saisi (25) n'est pas la somme des groupes (23)."],
        "source": ["Indiquez la source de la mesure (enquête, registre, rapport…)."],
        "measured_on": ["La date de la mesure ne peut pas être dans le futur."]}
    assert session.scalar(sa.select(sa.func.count()).select_from(IndicatorMeasure)) == 0

    measures.save(session, adopted, returnees, 2027, {"groups": {"hommes": "14", "femmes": "9"},
                                                      "source": "Registre du point focal", "measured_on": "15/01/2026"},
                  0, planner)
    session.commit()
    row = measures.measure_of(session, returnees, 2027)
    assert (row.value, row.breakdown, row.version) == (Decimal("23.00"), {"hommes": "14", "femmes": "9"}, 1)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "indicator.measure"))
    assert entry.details["value"] == "23" and entry.user_id == planner.id
    with pytest.raises(ConflictError):
        measures.save(session, adopted, returnees, 2027, {"groups": {"hommes": "15", "femmes": "9"},
                                                          "source": "Registre", "measured_on": "2026-01-15"},
                      0, planner)
    session.rollback()


def test_measures_against_the_targets_of_the_year(session, adopted, planner):
    money = _indicator(adopted, "Montant mobilisé auprès de la diaspora")  # target 2025: 4 500 000
    focal = _indicator(adopted, "Point focal migration désigné")
    measures.save(session, adopted, money, 2025, {"value": "2 500 000", "source": "Compte administratif 2025",
                                                  "measured_on": "2026-01-20"}, 0, planner)
    measures.save(session, adopted, focal, 2025, {"value": "Oui", "source": "Arrêté du maire",
                                                  "measured_on": "2025-06-01"}, 0, planner)
    session.commit()
    with pytest.raises(ValidationError) as refused:
        measures.save(session, adopted, focal, 2026, {"value": "peut-être", "source": "x",
                                                      "measured_on": "2025-06-01"}, 0, planner)
    assert refused.value.errors == {"value": ["Pour un indicateur « oui/non », saisissez Oui ou Non."]}
    session.rollback()
    rows = session.scalars(sa.select(IndicatorMeasure)).all()
    compared = {a.indicator.name: a for a in measures.against_targets(adopted, rows, 2025)}
    on_money = compared[money.name]
    assert (on_money.target, on_money.value, on_money.difference, on_money.reached) == (
        Decimal("4500000"), Decimal("2500000.00"), Decimal("-2000000.00"), False)
    assert compared[focal.name].value == Decimal("1.00")
    assert compared["Personnes déplacées accueillies"].measure is None
