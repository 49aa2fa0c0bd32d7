from decimal import Decimal

import pytest

from plans.core.errors import ValidationError
from plans.planning import service as plan_service
from plans.planning.sectiondata import suivi


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary", period_start=2025,
                                    user=planner)
    session.flush()
    return plan


def indicator(**overrides):
    row = {"category": "jmdi_politique", "name": "Part du PIP cofinancée par la diaspora", "unit": "%",
           "baseline_value": "12,5", "baseline_year": 2024, "targets": {"2025": "15", "2029": "25,75"},
           "source": "Comptes administratifs"}
    row.update(overrides)
    return row


def test_apply_reads_french_decimals_and_dumps_them_back(session, plan):
    assert suivi.apply(session, plan, {"indicators": [indicator()]}) == "Indicateurs : 0 → 1"
    session.flush()
    stored = plan.indicators[0]
    assert stored.baseline_value == Decimal("12.5") and stored.targets == {"2025": "15", "2029": "25.75"}
    dumped = suivi.dump(plan)["indicators"][0]
    assert dumped["baseline_value"] == "12.5" and dumped["baseline_year"] == 2024
    # A dump applies again unchanged, keeping the row's id.
    suivi.apply(session, plan, suivi.dump(plan))
    session.flush()
    assert suivi.dump(plan)["indicators"] == [dumped]


def test_suggested_indicators_cover_the_migration_follow_up():
    names = [s["name"] for s in suivi.SUGGESTED_INDICATORS]
    assert "Associations de la diaspora enregistrées" in names and len(names) == 8
    assert {s["category"] for s in suivi.SUGGESTED_INDICATORS} <= {"jmdi_institutionnel", "jmdi_politique"}
    assert all(r["id"] is None and r["targets"] == {} for r in suivi.suggested_rows())


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "Donnez un nom à l'indicateur."),
    ({"category": "autre"}, "category", "Choisissez la catégorie de l'indicateur."),
    ({"baseline_year": 1900}, "baseline_year", "L'année de référence doit être comprise entre 1950 et 2100."),
    ({"baseline_value": "douze"}, "baseline_value", "Nombre illisible : écrivez par exemple 12,5."),
    ({"targets": {"2027": "-3"}}, "targets-2", "La valeur ne peut pas être négative."),
])
def test_indicator_rules(session, plan, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        suivi.apply(session, plan, {"indicators": [{}, indicator(**overrides)]})
    assert caught.value.errors[f"indicators-1-{field}"] == [message]


def test_a_target_outside_the_plan_years_is_refused(session, plan):
    with pytest.raises(ValidationError) as caught:
        suivi.apply(session, plan, {"indicators": [indicator(targets={"2031": "10"})]})
    assert ("l'année cible 2031 n'est pas une année du plan (2025–2029)"
            in caught.value.errors["indicators-0-targets"][0])


def test_blank_rows_and_category_alone_are_ignored(session, plan):
    suivi.apply(session, plan, {"indicators": [{"category": "sectoriel", "name": "", "targets": {"2025": ""}}]})
    assert plan.indicators == []
