import pytest

from plans.core.errors import ValidationError
from plans.planning import service as plan_service
from plans.planning.models import Finding
from plans.planning.sectiondata import situation


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary", period_start=2025,
                                    user=planner)
    session.flush()
    return plan


def koniakary_data(**overrides):
    data = {
        "population_records": [
            {"year": 1998, "value": 7023, "source": "rgph_1998", "note": ""},
            {"year": 2009, "value": 8135, "source": "rgph_2009", "note": ""},
            {"year": 2020, "value": 20143, "source": "estimation", "note": "Projection de la mairie"},
        ],
        "sector_diagnostics": [
            {"sector": "hydraulique", "sub_sector": "AEP", "findings_text": "3 forages en panne",
             "assets": "Nappe proche", "constraints": "Coût des pièces", "potentials": "Diaspora mobilisée"},
        ],
        "findings": [{"theme": "hydraulique", "text": "Accès à l'eau insuffisant dans 4 villages"}],
    }
    data.update(overrides)
    return data


def test_apply_then_dump_reads_back(session, plan):
    summary = situation.apply(session, plan, koniakary_data())
    session.flush()
    assert "Chiffres de population : 0 → 3" in summary
    dumped = situation.dump(plan)
    assert [(r["year"], r["value"], r["source"]) for r in dumped["population_records"]] == [
        (1998, 7023, "rgph_1998"), (2009, 8135, "rgph_2009"), (2020, 20143, "estimation")]
    assert dumped["sector_diagnostics"][0]["constraints"] == "Coût des pièces"
    assert dumped["findings"][0]["text"] == "Accès à l'eau insuffisant dans 4 villages"


def test_findings_keep_their_ids_when_saved_again(session, plan):
    situation.apply(session, plan, koniakary_data())
    session.flush()
    first = situation.dump(plan)["findings"][0]
    data = koniakary_data(findings=[{"theme": "sante", "text": "Nouveau constat"},
                                    {**first, "text": "Accès à l'eau insuffisant (revu)"}])
    situation.apply(session, plan, data)
    session.flush()
    findings = situation.dump(plan)["findings"]
    assert [f["text"] for f in findings] == ["Nouveau constat", "Accès à l'eau insuffisant (revu)"]
    assert findings[1]["id"] == first["id"]


def test_migration_findings_are_left_untouched(session, plan):
    plan.findings.append(Finding(theme="migration", text="Forte émigration des jeunes vers la France", position=0))
    session.flush()
    migration_id = plan.findings[0].id
    # Even an attempt to overwrite the migration finding through its id creates a new row instead.
    situation.apply(session, plan, koniakary_data(findings=[{"id": migration_id, "theme": "sante", "text": "Autre"}]))
    session.flush()
    session.expire_all()
    migration = [f for f in plan.findings if f.theme == "migration"]
    assert [(f.id, f.text) for f in migration] == [(migration_id, "Forte émigration des jeunes vers la France")]
    assert [f["text"] for f in situation.dump(plan)["findings"]] == ["Autre"]
    situation.apply(session, plan, koniakary_data(findings=[]))
    session.flush()
    session.expire_all()
    assert [(f.id, f.theme) for f in plan.findings] == [(migration_id, "migration")]


def test_blank_rows_are_ignored_and_keep_indices(session, plan):
    data = koniakary_data(population_records=[{}, {"year": 2009, "value": 0, "source": "rgph_2009"}])
    with pytest.raises(ValidationError) as caught:
        situation.apply(session, plan, data)
    assert caught.value.errors == {"population_records-1-value": [
        "La population doit être un nombre entier supérieur à zéro."]}


@pytest.mark.parametrize("row, field, message", [
    ({"year": 1900, "value": 10, "source": "autre"}, "year", "L'année doit être comprise entre 1950 et 2100."),
    ({"year": None, "value": 10, "source": "autre"}, "year", "Indiquez l'année du chiffre de population."),
    ({"year": 2000, "value": None, "source": "autre"}, "value", "Indiquez le nombre d'habitants."),
    ({"year": 2000, "value": 10, "source": "recensement"}, "source",
     "Choisissez la source du chiffre (RGPH, estimation…)."),
])
def test_population_rules(session, plan, row, field, message):
    with pytest.raises(ValidationError) as caught:
        situation.apply(session, plan, koniakary_data(population_records=[row]))
    assert caught.value.errors[f"population_records-0-{field}"] == [message]


def test_same_year_and_source_twice_is_refused_but_other_source_is_fine(session, plan):
    rows = [{"year": 2009, "value": 8135, "source": "rgph_2009"}, {"year": 2009, "value": 8200, "source": "estimation"},
            {"year": 2009, "value": 8000, "source": "rgph_2009"}]
    with pytest.raises(ValidationError) as caught:
        situation.apply(session, plan, koniakary_data(population_records=rows))
    assert list(caught.value.errors) == ["population_records-2-year"]
    assert "figure déjà à la ligne 1" in caught.value.errors["population_records-2-year"][0]


def test_diagnostic_and_finding_rules(session, plan):
    data = koniakary_data(sector_diagnostics=[{"sector": "", "findings_text": "Des constats"}],
                          findings=[{"theme": "migration", "text": "x"}, {"theme": "sante", "text": ""}])
    with pytest.raises(ValidationError) as caught:
        situation.apply(session, plan, data)
    assert caught.value.errors == {
        "sector_diagnostics-0-sector": ["Choisissez le secteur de ce diagnostic."],
        "findings-0-theme": ["Les constats sur la migration se saisissent dans le diagnostic migratoire."],
        "findings-1-text": ["Formulez le constat."],
    }
