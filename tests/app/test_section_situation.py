"""Section 2 — Situation de référence through the browser's form posts."""
import re

import pytest

from app.extensions import db
from plans.planning.models import Finding
from tests.conftest import login


def situation_form(version, **overrides):
    data = {"version": str(version),
            "population_records-0-id": "", "population_records-0-year": "1998", "population_records-0-value": "7 023",
            "population_records-0-source": "rgph_1998", "population_records-0-note": "",
            "population_records-1-year": "2009", "population_records-1-value": "8135",
            "population_records-1-source": "rgph_2009", "population_records-1-note": "",
            "population_records-2-year": "", "population_records-2-value": "", "population_records-2-source": "",
            "population_records-3-year": "2020", "population_records-3-value": "20 143",
            "population_records-3-source": "estimation", "population_records-3-note": "Projection <mairie>",
            "sector_diagnostics-0-sector": "hydraulique", "sector_diagnostics-0-sub_sector": "AEP",
            "sector_diagnostics-0-findings_text": "3 forages en panne", "sector_diagnostics-0-assets": "Nappe proche",
            "sector_diagnostics-0-constraints": "Coût des pièces", "sector_diagnostics-0-potentials": "Diaspora",
            "findings-0-theme": "hydraulique", "findings-0-text": "Accès à l'eau insuffisant"}
    data.update(overrides)
    return data


def test_situation_is_saved_and_read_back(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/situation", data=situation_form(0))
    assert response.status_code == 302
    db.session.refresh(plan)
    assert [(r.year, r.value, r.source) for r in plan.population_records] == [
        (1998, 7023, "rgph_1998"), (2009, 8135, "rgph_2009"), (2020, 20143, "estimation")]
    assert plan.sector_diagnostics[0].assets == "Nappe proche"
    assert [(f.theme, f.text) for f in plan.findings] == [("hydraulique", "Accès à l'eau insuffisant")]
    page = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="7023"' in page and "Coût des pièces" in page and "Accès à l&#39;eau insuffisant" in page
    assert "Projection &lt;mairie&gt;" in page and "Projection <mairie>" not in page
    assert "Ajouter une ligne" in page and 'name="add_row" value="population_records"' in page


def test_first_page_offers_blank_rows(planner_client, plan):
    page = planner_client.get(f"/plans/{plan.id}/situation").get_data(as_text=True)
    assert 'name="population_records-1-year"' in page and 'name="findings-1-text"' in page


def test_add_row_button_keeps_the_typing_and_adds_a_row(planner_client, plan):
    # The generic section route saves a valid form whatever the button; a form in error comes back with one
    # more row and what was typed.
    response = planner_client.post(f"/plans/{plan.id}/situation",
                                   data=situation_form(0, add_row="findings", **{"findings-0-text": ""}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'name="findings-1-text"' in page and 'value="20 143"' in page
    db.session.refresh(plan)
    assert plan.population_records == []


@pytest.mark.parametrize("overrides, message", [
    ({"population_records-1-year": "1900"}, "L&#39;année doit être comprise entre 1950 et 2100."),
    ({"population_records-1-value": "0"}, "La population doit être un nombre entier supérieur à zéro."),
    ({"population_records-1-value": "huit mille"}, "Saisissez un nombre entier."),
    ({"population_records-1-source": "rgph_1998", "population_records-1-year": "1998"}, "figure déjà à la ligne 1"),
    ({"sector_diagnostics-0-sector": ""}, "Choisissez le secteur de ce diagnostic."),
    ({"findings-0-text": ""}, "Formulez le constat."),
])
def test_errors_show_next_to_their_field_and_keep_what_was_typed(planner_client, plan, overrides, message):
    response = planner_client.post(f"/plans/{plan.id}/situation", data=situation_form(0, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="20 143"' in page and "3 forages en panne" in page
    db.session.refresh(plan)
    assert plan.population_records == [] and plan.findings == []


def test_error_sits_in_the_row_of_the_field(planner_client, plan):
    page = planner_client.post(f"/plans/{plan.id}/situation",
                               data=situation_form(0, **{"population_records-3-year": "1900"})).get_data(as_text=True)
    cell = re.search(r'name="population_records-3-year"[^<]*>(<p class="field-error">[^<]*</p>)', page)
    assert cell and "1950 et 2100" in cell.group(1)


def test_a_stale_version_gets_409(app, planner, plan):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    assert first.post(f"/plans/{plan.id}/situation", data=situation_form(0)).status_code == 302
    response = second.post(f"/plans/{plan.id}/situation",
                           data=situation_form(0, **{"findings-0-text": "Constat de l'onglet 2"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Constat de l&#39;onglet 2" in page
    db.session.refresh(plan)
    assert [f.text for f in plan.findings] == ["Accès à l'eau insuffisant"]


def test_saving_keeps_finding_ids_and_migration_findings(planner_client, plan):
    plan.findings.append(Finding(theme="migration", text="Forte émigration des jeunes", position=0))
    db.session.commit()
    migration_id = plan.findings[0].id
    page = planner_client.get(f"/plans/{plan.id}/situation").get_data(as_text=True)
    assert "Forte émigration des jeunes" not in page
    assert planner_client.post(f"/plans/{plan.id}/situation", data=situation_form(0)).status_code == 302
    db.session.refresh(plan)
    mine = next(f for f in plan.findings if f.theme == "hydraulique")
    response = planner_client.post(f"/plans/{plan.id}/situation", data=situation_form(
        1, **{"findings-0-id": str(mine.id), "findings-0-text": "Accès à l'eau insuffisant (revu)"}))
    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(type(plan), plan.id)
    assert sorted((f.id, f.theme, f.text) for f in plan.findings) == sorted([
        (migration_id, "migration", "Forte émigration des jeunes"),
        (mine.id, "hydraulique", "Accès à l'eau insuffisant (revu)")])


def test_ticking_delete_removes_a_row(planner_client, plan):
    planner_client.post(f"/plans/{plan.id}/situation", data=situation_form(0))
    response = planner_client.post(f"/plans/{plan.id}/situation",
                                   data=situation_form(1, **{"population_records-1-delete": "y"}))
    assert response.status_code == 302
    db.session.refresh(plan)
    assert [r.year for r in plan.population_records] == [1998, 2020]
