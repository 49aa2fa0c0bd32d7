"""The planner's checks through the forms: a warning saves and shows next to its field and in the checklist; an
error refuses the save, shows next to its field and keeps what was typed. Oui/Non indicators, the paying
section of a diaspora funding line and a new association typed on the funding line."""
import re

import sqlalchemy as sa
from markupsafe import escape

from app.extensions import db
from plans.planning.models import Action, DiasporaAssociation
from tests.app.test_section_actions import error_after, form_data
from tests.app.test_section_migration import migration_form
from tests.app.test_section_suivi import suivi_form


def warning_after(html: str, name: str, message: str) -> bool:
    """The warning is printed after the input named `name`, before the next input."""
    pattern = (rf'name="{re.escape(name)}"(?:(?!name=).)*?<p class="warning">Alerte : '
               rf'{re.escape(str(escape(message)))}</p>')
    return re.search(pattern, html, re.S) is not None


def in_checklist(html: str, message: str) -> bool:
    checklist = html.split('<div class="card checklist">')[1].split("</div>")[0]
    return f'<li class="warning">Alerte : {escape(message)}</li>' in checklist


# ----- Migration -------------------------------------------------------------------------------------------------

MSG_SHORT = ("Les émigrés internes et internationaux (10 000) ne font pas le total (10 799) : il en manque 799. "
             "Vérifiez les chiffres, ou précisez dans la source qu'il s'agit d'estimations.")
MSG_GRADUATES = ("Indiquez aussi le nombre de migrants de retour (volontaires ou forcés) : les diplômés formés à "
                 "l'étranger en font partie.")


def test_migration_warnings_save_and_show_next_to_the_field_and_in_the_checklist(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/migration", data=migration_form(
        0, emigrants_internal="3 206", returnees_voluntary="", returnees_forced="", returnee_graduates="5"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.migration_profile.emigrants_internal == 3206 and plan.migration_profile.returnee_graduates == 5
    page = planner_client.get(f"/plans/{plan.id}/migration").get_data(as_text=True)
    assert warning_after(page, "emigrants_total", MSG_SHORT)
    assert warning_after(page, "returnee_graduates", MSG_GRADUATES)
    assert in_checklist(page, MSG_SHORT) and in_checklist(page, MSG_GRADUATES)


def test_destinations_in_mali_above_internal_migrants_are_refused_and_input_kept(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/migration", data=migration_form(
        0, **{"destinations-10-country": "ML", "destinations-10-city": "Bamako", "destinations-10-count": "4 500"}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_after(page, "emigrants_internal",
                       "La somme des émigrés vers des destinations au Mali (4 500) dépasse le nombre de migrants "
                       "internes (4 005) : corrigez l'un ou l'autre.")
    assert 'value="Bamako"' in page and 'value="4 500"' in page and 'value="Monographie communale"' in page
    db.session.refresh(plan)
    assert plan.migration_profile is None


# ----- Suivi -----------------------------------------------------------------------------------------------------

def point_focal(**overrides):
    return suivi_form(0, **{"indicators-0-category": "jmdi_institutionnel",
                            "indicators-0-name": "Point focal migration désigné", "indicators-0-unit": "oui/non",
                            "indicators-0-baseline_value": "non", "indicators-0-baseline_year": "2024",
                            "indicators-0-targets-0": "Oui", "indicators-0-targets-1": "",
                            "indicators-0-targets-2": "OUI",
                            "indicators-0-targets-3": "", "indicators-0-targets-4": "oui", **overrides})


def test_a_yes_no_indicator_is_filled_with_oui_non_and_shown_back(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/suivi", data=point_focal())
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(plan)
    (indicator,) = plan.indicators
    assert indicator.baseline_value == 0 and indicator.targets == {"2025": "1", "2027": "1", "2029": "1"}
    page = planner_client.get(f"/plans/{plan.id}/suivi").get_data(as_text=True)
    assert re.search(r'name="indicators-0-baseline_value"[^>]*value="Non"', page)
    assert re.search(r'name="indicators-0-targets-0"[^>]*value="Oui"', page)
    assert re.search(r'name="indicators-0-targets-4"[^>]*value="Oui"', page)


def test_a_yes_no_indicator_refuses_other_values_and_keeps_them(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/suivi", data=point_focal(
        **{"indicators-0-targets-2": "peut-être"}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_after(page, "indicators-0-targets-2", "Pour un indicateur « oui/non », saisissez Oui ou Non.")
    assert 'value="peut-être"' in page and 'value="non"' in page
    db.session.refresh(plan)
    assert plan.indicators == []


def test_baseline_years_against_the_period(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/suivi", data=suivi_form(
        0, **{"indicators-0-baseline_year": "2031"}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_after(page, "indicators-0-baseline_year",
                       "L'année de référence (2031) est après la fin du plan (2029) : la référence décrit la "
                       "situation de départ, au plus tard en 2025.")
    assert 'value="2031"' in page and 'value="Comptes administratifs"' in page
    # Measured during the plan: saved, with a warning next to the year and in the checklist.
    response = planner_client.post(f"/plans/{plan.id}/suivi", data=suivi_form(
        0, **{"indicators-0-baseline_year": "2026"}))
    assert response.status_code == 302
    page = planner_client.get(f"/plans/{plan.id}/suivi").get_data(as_text=True)
    message = ("Indicateur « Part du PIP cofinancée par la diaspora » : l'année de référence (2026) est postérieure "
               "au début du plan (2025) ; la référence se mesure normalement avant ou au début du plan.")
    assert warning_after(page, "indicators-0-baseline_year", message)
    assert in_checklist(page, message)


# ----- Actions: the paying section, a new association --------------------------------------------------------------

def cscom(**line):
    return form_data("Extension du CSCOM", "sante", "10 000 000", {2025: "10 000 000"},
                     [{"source_type": "association_diaspora", "share_pct": "10"},
                      {"source_type": "budget_communal", "share_pct": "90"}],
                     **{f"funding_lines-0-{k}": v for k, v in line.items()})


def test_a_new_association_and_its_paying_section_from_the_action_form(planner_client, plan, koniakary_owner):
    page = planner_client.get(f"/plans/{plan.id}/actions/nouvelle").get_data(as_text=True)
    assert 'name="funding_lines-0-new_association_name"' in page
    assert 'name="funding_lines-0-association_section"' in page
    response = planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=cscom(
        new_association_name="Ressortissants de Koniakary à Madrid", new_association_country="ES",
        association_section="Madrid, Espagne"))
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    association = db.session.scalar(sa.select(DiasporaAssociation).where(
        DiasporaAssociation.owner_id == koniakary_owner.id))
    assert (association.name, association.host_country) == ("Ressortissants de Koniakary à Madrid", "ES")
    action = db.session.scalar(sa.select(Action).where(Action.plan_id == plan.id))
    line = action.funding_lines[0]
    assert (line.association_id, line.association_section) == (association.id, "Madrid, Espagne")
    page = planner_client.get(f"/plans/{plan.id}/actions/{action.id}").get_data(as_text=True)
    assert 'value="Madrid, Espagne"' in page
    assert re.search(rf'<option selected value="{association.id}">|<option value="{association.id}" selected',
                     page)
    # Section 3 lists it for the planner to complete.
    assert "Ressortissants de Koniakary à Madrid" in planner_client.get(
        f"/plans/{plan.id}/migration").get_data(as_text=True)


def test_a_new_association_without_its_country_is_refused_and_the_input_kept(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=cscom(
        new_association_name="AJK Paris", new_association_country="", association_section="Paris 18e"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_after(page, "funding_lines-0-new_association_country", "Choisissez le pays où siège l'association.")
    assert 'value="AJK Paris"' in page and 'value="Paris 18e"' in page and 'value="10 000 000"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DiasporaAssociation)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0
