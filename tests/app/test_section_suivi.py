"""Section 7 — Suivi-évaluation through the browser's form posts."""
import pytest

from app.extensions import db
from plans.planning.sectiondata import suivi
from tests.conftest import login


def suivi_form(version, **overrides):
    data = {"version": str(version),
            "indicators-0-id": "", "indicators-0-category": "jmdi_politique",
            "indicators-0-name": "Part du PIP cofinancée par la diaspora", "indicators-0-unit": "%",
            "indicators-0-baseline_value": "12,5", "indicators-0-baseline_year": "2024",
            "indicators-0-targets-0": "15", "indicators-0-targets-1": "", "indicators-0-targets-2": "20",
            "indicators-0-targets-3": "", "indicators-0-targets-4": "25,75",
            "indicators-0-source": "Comptes administratifs",
            "indicators-1-category": "", "indicators-1-name": "", "indicators-1-unit": "",
            "indicators-1-baseline_value": "", "indicators-1-baseline_year": "",
            **{f"indicators-1-targets-{i}": "" for i in range(5)}, "indicators-1-source": ""}
    data.update(overrides)
    return data


def test_suggested_indicators_are_offered_but_not_saved_on_get(planner_client, plan):
    page = planner_client.get(f"/plans/{plan.id}/suivi").get_data(as_text=True)
    assert "Indicateurs suggérés" in page
    for s in suivi.SUGGESTED_INDICATORS:
        assert f'value="{s["name"]}"' in page.replace("&#39;", "'")
    assert "Cible 2025" in page and "Cible 2029" in page
    db.session.refresh(plan)
    assert plan.indicators == []


def test_suggested_indicators_are_saved_when_the_planner_saves(planner_client, plan):
    data = {"version": "0"}
    for i, s in enumerate(suivi.SUGGESTED_INDICATORS):
        data.update({f"indicators-{i}-category": s["category"], f"indicators-{i}-name": s["name"],
                     f"indicators-{i}-unit": s["unit"]})
    data["indicators-7-delete"] = "y"  # the planner drops the last suggestion
    response = planner_client.post(f"/plans/{plan.id}/suivi", data=data)
    assert response.status_code == 302
    db.session.refresh(plan)
    assert [i.name for i in plan.indicators] == [s["name"] for s in suivi.SUGGESTED_INDICATORS[:7]]
    page = planner_client.get(f"/plans/{plan.id}/suivi").get_data(as_text=True)
    assert "Indicateurs suggérés" not in page


def test_no_suggestions_once_the_section_was_saved_empty(planner_client, plan):
    assert planner_client.post(f"/plans/{plan.id}/suivi", data={"version": "0"}).status_code == 302
    page = planner_client.get(f"/plans/{plan.id}/suivi").get_data(as_text=True)
    assert "Indicateurs suggérés" not in page and "Associations de la diaspora" not in page


def test_indicators_are_saved_and_read_back_in_french(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/suivi", data=suivi_form(0))
    assert response.status_code == 302
    db.session.refresh(plan)
    (indicator,) = plan.indicators
    assert str(indicator.baseline_value) == "12.50" and indicator.baseline_year == 2024
    assert indicator.targets == {"2025": "15", "2027": "20", "2029": "25.75"}
    page = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="12,5"' in page and 'value="25,75"' in page and "Indicateurs suggérés" not in page


def test_add_row_offers_a_row_with_all_target_years(planner_client, plan):
    page = planner_client.post(
        f"/plans/{plan.id}/suivi", data=suivi_form(0, add_row="indicators", **{"indicators-0-name": ""})
    ).get_data(as_text=True)
    assert 'name="indicators-2-targets-4"' in page and 'name="indicators-2-targets-5"' not in page
    assert 'value="12,5"' in page


@pytest.mark.parametrize("overrides, message", [
    ({"indicators-0-name": ""}, "Donnez un nom à l&#39;indicateur."),
    ({"indicators-0-baseline_year": "1900"}, "L&#39;année de référence doit être comprise entre 1950 et 2100."),
    ({"indicators-0-baseline_value": "douze"}, "Nombre illisible : écrivez par exemple 12,5."),
    ({"indicators-0-targets-3": "1,234"}, "Deux décimales au plus."),
    ({"indicators-0-category": ""}, "Choisissez la catégorie de l&#39;indicateur."),
])
def test_errors_show_next_to_their_field_and_keep_what_was_typed(planner_client, plan, overrides, message):
    response = planner_client.post(f"/plans/{plan.id}/suivi", data=suivi_form(0, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'value="25,75"' in page and 'value="Comptes administratifs"' in page
    for name, typed in overrides.items():
        if typed:
            assert f'name="{name}"' in page and f'value="{typed}"' in page
    db.session.refresh(plan)
    assert plan.indicators == []


def test_a_stale_version_gets_409(app, planner, plan):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    assert first.post(f"/plans/{plan.id}/suivi", data=suivi_form(0)).status_code == 302
    response = second.post(f"/plans/{plan.id}/suivi", data=suivi_form(0, **{"indicators-0-unit": "pourcent"}))
    assert response.status_code == 409
    assert 'value="pourcent"' in response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.indicators[0].unit == "%"


def test_user_text_is_escaped(planner_client, plan):
    planner_client.post(f"/plans/{plan.id}/suivi", data=suivi_form(0, **{"indicators-0-source": "<b>RGPH</b>"}))
    page = planner_client.get(f"/plans/{plan.id}/suivi").get_data(as_text=True)
    assert "&lt;b&gt;RGPH&lt;/b&gt;" in page and "<b>RGPH</b>" not in page
