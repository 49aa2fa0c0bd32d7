"""The plan builder as planners and reviewers use it through the browser's form posts."""
import re

from app.extensions import db
from plans.planning.models import Plan, PlanChange
from tests.conftest import login


def identification_form(plan, version, **overrides):
    data = {"version": str(version), "title": plan.title, "period_start": "2025", "period_end": "2029",
            "guide_version": "2018", "summary": "", "facilitators": "ADR Kayes", "process_funders": "SICM",
            "process_steps-0-id": "", "process_steps-0-step": "lancement", "process_steps-0-date": "2025-01-15",
            "process_steps-0-place": "Koniakary", "process_steps-0-place_country": "ML",
            "process_steps-0-men": "40", "process_steps-0-women": "35", "process_steps-0-youth": "20",
            "process_steps-0-diaspora": "0",
            "process_steps-1-step": "diagnostic_migratoire", "process_steps-1-date": "2025-02-20",
            "process_steps-1-place": "Villetaneuse", "process_steps-1-place_country": "FR",
            "process_steps-1-men": "", "process_steps-1-women": "", "process_steps-1-youth": "",
            "process_steps-1-diaspora": "1 250",
            "process_steps-2-step": "", "process_steps-2-place": ""}
    data.update(overrides)
    return data


def test_planner_creates_a_plan_and_lands_on_its_checklist(planner_client, koniakary_owner):
    page = planner_client.get("/plans/nouveau").get_data(as_text=True)
    assert "Koniakary" in page
    response = planner_client.post("/plans/nouveau", data={"owner_id": koniakary_owner.id, "title": "PDESC Koniakary",
                                                           "period_start": "2025", "years": "5",
                                                           "guide_version": "2018"})
    assert response.status_code == 302
    plan = db.session.scalar(db.select(Plan))
    assert (plan.period_start, plan.period_end, plan.owner_id) == (2025, 2029, koniakary_owner.id)
    overview = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ce qui reste à faire" in overview and "Ajoutez au moins une action au PIP." in overview


def test_a_bad_period_comes_back_in_french_with_what_was_typed(planner_client, koniakary_owner):
    response = planner_client.post("/plans/nouveau", data={"owner_id": koniakary_owner.id, "title": "Mon plan à moi",
                                                           "period_start": "deux mille", "years": "5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Saisissez un nombre entier." in page and 'value="Mon plan à moi"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Plan)) == 0


def test_identification_is_saved_and_says_when(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/identification", data=identification_form(plan, 0))
    assert response.status_code == 302
    page = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Enregistré à \d\d:\d\d", page)
    db.session.refresh(plan)
    steps = plan.process_steps
    assert [(s.step, s.place_country, s.diaspora) for s in steps] == [("lancement", "ML", 0),
                                                                       ("diagnostic_migratoire", "FR", 1250)]
    assert plan.facilitators == "ADR Kayes"


def test_invalid_input_is_kept_with_its_message(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/identification",
                                   data=identification_form(plan, 0, title="Titre gardé", period_end="2024",
                                                            **{"process_steps-0-men": "-3"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "La valeur ne peut pas être négative." in page
    assert 'value="Titre gardé"' in page and 'value="Villetaneuse"' in page
    db.session.refresh(plan)
    assert plan.title == "PDESC de Koniakary 2025-2029" and plan.process_steps == []


def test_period_rule_from_plans_shows_next_to_the_field(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/identification",
                                   data=identification_form(plan, 0, period_end="2024"))
    assert response.status_code == 400
    assert "L&#39;année de fin doit suivre l&#39;année de début." in response.get_data(as_text=True)


def test_the_later_of_two_saves_gets_409_and_sees_both_versions(app, planner, plan):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    assert first.post(f"/plans/{plan.id}/identification",
                      data=identification_form(plan, 0, title="Titre de l'onglet 1")).status_code == 302
    response = second.post(f"/plans/{plan.id}/identification",
                           data=identification_form(plan, 0, title="Titre de l'onglet 2"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Titre de l&#39;onglet 1" in page and 'value="Titre de l&#39;onglet 2"' in page
    db.session.refresh(plan)
    assert plan.title == "Titre de l'onglet 1"
    # The second person resubmits deliberately, with the version the conflict page gave them.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert second.post(f"/plans/{plan.id}/identification",
                       data=identification_form(plan, version, title="Titre de l'onglet 2")).status_code == 302
    db.session.refresh(plan)
    assert plan.title == "Titre de l'onglet 2"


def test_a_section_is_restored_from_its_history(planner_client, plan):
    planner_client.post(f"/plans/{plan.id}/identification", data=identification_form(plan, 0, title="Version A"))
    planner_client.post(f"/plans/{plan.id}/identification", data=identification_form(plan, 1, title="Version B"))
    history = planner_client.get(f"/plans/{plan.id}/historique").get_data(as_text=True)
    assert "Modifié : titre" in history
    first_change, latest = db.session.scalars(db.select(PlanChange).order_by(PlanChange.id)).all()
    assert f"/historique/{first_change.id}/restaurer" in history
    assert f"/historique/{latest.id}/restaurer" not in history  # what the plan holds now: nothing to restore
    response = planner_client.post(f"/plans/{plan.id}/historique/{first_change.id}/restaurer")
    assert response.status_code == 302
    db.session.refresh(plan)
    assert plan.title == "Version A"
    assert "Restauration de la version du" in planner_client.get(f"/plans/{plan.id}/historique").get_data(as_text=True)


def test_the_adoption_section_takes_no_deliberation_and_says_where_it_is_recorded(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/adoption", data={
        "version": "0", "deliberation_number": "2025-014/CC-KNK", "deliberation_date": "2025-06-30"})
    assert response.status_code == 405
    assert "La délibération s&#39;enregistre avec l&#39;adoption du plan validé" in response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.deliberation_number is None
    page = planner_client.get(f"/plans/{plan.id}/adoption").get_data(as_text=True)
    assert "c'est le seul endroit où elle se saisit" in page and 'name="deliberation_number"' not in page


def test_a_planner_of_another_commune_cannot_see_or_edit_the_plan(app, make_user, plan):
    from plans.owners import service as owners_service

    other = make_user("planner", email="autre@commune.ml",
                      owners=[owners_service.commune_owner(db.session, "ML010101")])
    client = app.test_client()
    login(client, other.email)
    assert client.get(f"/plans/{plan.id}").status_code == 403
    assert client.post(f"/plans/{plan.id}/identification", data=identification_form(plan, 0)).status_code == 403


def test_a_reviewer_reads_but_cannot_save(reviewer_client, plan):
    assert reviewer_client.get(f"/plans/{plan.id}/identification").status_code == 200
    response = reviewer_client.post(f"/plans/{plan.id}/identification", data=identification_form(plan, 0))
    assert response.status_code == 403
    db.session.refresh(plan)
    assert plan.process_steps == []


def test_homes_list_the_plans_each_role_may_read(planner_client, reviewer_client, plan):
    assert "PDESC de Koniakary 2025-2029" in planner_client.get("/").get_data(as_text=True)
    assert "PDESC de Koniakary 2025-2029" in reviewer_client.get("/").get_data(as_text=True)
