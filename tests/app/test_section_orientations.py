"""Section 4 — Orientations stratégiques through the browser's form posts."""
import re

import pytest

from app.extensions import db
from plans.planning import service as plan_service
from plans.planning.models import Finding, Plan
from tests.conftest import login


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary 2025-2029",
                                    period_start=2025, user=planner)
    plan.findings.append(Finding(theme="hydraulique", text="Accès à l'eau insuffisant", position=0))
    plan.findings.append(Finding(theme="migration", text="Forte émigration des jeunes", position=1))
    session.commit()
    return plan


def finding_ids(plan):
    return {f.theme: str(f.id) for f in plan.findings}


def orientations_form(plan, version, **overrides):
    f = finding_ids(plan)
    data = {"version": str(version),
            "axes-0-title": "Accès aux services sociaux de base",
            "axes-0-general_objective": "Améliorer l'accès à l'eau",
            "axes-0-objectives-0-title": "Réhabiliter les forages", "axes-0-objectives-0-findings": [f["hydraulique"]],
            "axes-0-objectives-1-title": "",
            "axes-1-title": "Migration et développement", "axes-1-migration_crosscutting": "y",
            "axes-1-objectives-0-title": "Mobiliser la diaspora",
            "axes-1-objectives-0-findings": [f["migration"], f["hydraulique"]],
            # criteria typed on this post: the scores below name them by row index
            "criteria-0-name": "Urgence du besoin", "criteria-0-weight": "3",
            "criteria-1-name": "", "criteria-1-weight": "",
            "criteria-2-name": "Mobilisation possible de la diaspora", "criteria-2-weight": "2",
            "priorities-0-title": "Forages", "priorities-0-axis": "0",
            "priorities-0-scores-0": "5", "priorities-0-scores-1": "", "priorities-0-scores-2": "2",
            "priorities-1-title": "Maison de la diaspora", "priorities-1-axis": "1",
            "priorities-1-scores-0": "3", "priorities-1-scores-1": "", "priorities-1-scores-2": "5",
            "priorities-2-title": "Piste rurale", "priorities-2-axis": "",
            "priorities-2-scores-0": "2", "priorities-2-scores-1": "", "priorities-2-scores-2": "1"}
    data.update(overrides)
    return data


def reload(plan):
    db.session.expire_all()
    return db.session.get(Plan, plan.id)


def test_first_page_suggests_the_grid_without_saving_it(planner_client, plan):
    page = planner_client.get(f"/plans/{plan.id}/orientations").get_data(as_text=True)
    assert "Urgence du besoin" in page and "Contribution à l&#39;intégration de la migration" in page
    assert "Grille proposée" in page
    assert 'name="axes-0-objectives-5-title"' in page and 'name="priorities-1-scores-4"' in page
    assert "Migration — Forte émigration des jeunes" in page
    assert reload(plan).criteria == []


def test_orientations_are_saved_read_back_and_ranked(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/orientations", data=orientations_form(plan, 0))
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = reload(plan)
    water, migration = plan.findings
    assert [(a.title, a.migration_crosscutting) for a in plan.axes] == [
        ("Accès aux services sociaux de base", False), ("Migration et développement", True)]
    assert [o.title for o in plan.axes[0].objectives] == ["Réhabiliter les forages"]
    assert {f.id for f in plan.axes[1].objectives[0].findings} == {water.id, migration.id}
    assert [(c.name, c.weight) for c in plan.criteria] == [
        ("Urgence du besoin", 3), ("Mobilisation possible de la diaspora", 2)]
    urgency, diaspora = plan.criteria
    assert [(p.title, p.axis_id, p.scores) for p in plan.priorities] == [
        ("Forages", plan.axes[0].id, {str(urgency.id): 5, str(diaspora.id): 2}),
        ("Maison de la diaspora", plan.axes[1].id, {str(urgency.id): 3, str(diaspora.id): 5}),
        ("Piste rurale", None, {str(urgency.id): 2, str(diaspora.id): 1})]

    page = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Réhabiliter les forages</textarea>" in page and "Grille proposée" not in page
    assert re.search(rf'name="axes-1-objectives-0-findings" value="{migration.id}" checked', page)
    ranking = page[page.index('id="classement"'):]
    assert "Urgence du besoin <span class=\"muted\">(poids 3)</span>" in ranking
    rows = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>\s*<td>([^<]+)</td>.*?(\d+) / (\d+)</td>", ranking, re.S)
    assert rows == [("1", "Forages", "19", "25"), ("1", "Maison de la diaspora", "19", "25"),
                    ("3", "Piste rurale", "8", "25")]


@pytest.mark.parametrize("overrides, field, message", [
    ({"axes-0-title": ""}, "axes-0-title", "Donnez l&#39;intitulé de l&#39;axe stratégique."),
    ({"axes-0-objectives-1-findings": ["999999"]}, "axes-0-objectives-1-title", "Formulez l&#39;objectif spécifique."),
    ({"axes-0-objectives-0-findings": ["999999"]}, "axes-0-objectives-0-findings", "Constat inconnu"),
    ({"criteria-0-weight": "6"}, "criteria-0-weight", "Le poids est un nombre entier de 1 à 5."),
    ({"criteria-1-name": "Coût"}, "criteria-1-weight", "Indiquez le poids du critère (1 à 5)."),
    ({"criteria-2-weight": "deux"}, "criteria-2-weight", "Saisissez un nombre entier."),
    ({"priorities-0-scores-2": "7"}, "priorities-0-scores-2", "La note est un nombre entier de 0 à 5."),
    ({"priorities-1-scores-0": ""}, "priorities-1-scores-0", "Notez ce critère de 0 à 5."),
    ({"priorities-2-title": ""}, "priorities-2-title", "Donnez l&#39;intitulé de la priorité."),
    ({"priorities-2-axis": "5"}, "priorities-2-axis", "Choisissez un des axes stratégiques de la liste."),
])
def test_errors_show_next_to_their_field_and_keep_what_was_typed(planner_client, plan, overrides, field, message):
    response = planner_client.post(f"/plans/{plan.id}/orientations", data=orientations_form(plan, 0, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    # the message sits in the cell or block of its field
    at = page.index(f'name="{field}"')
    assert message in page[at:at + 2000] and message not in page[:at]
    assert "Mobiliser la diaspora</textarea>" in page and 'value="Maison de la diaspora"' in page
    plan = reload(plan)
    assert plan.axes == [] and plan.criteria == [] and plan.priorities == []


def test_a_finding_of_another_plan_is_refused(planner_client, plan, planner, koniakary_owner):
    other = plan_service.create_plan(db.session, owner=koniakary_owner, title="Autre plan", period_start=2030,
                                     user=planner)
    other.findings.append(Finding(theme="sante", text="Pas de CSCOM", position=0))
    db.session.commit()
    response = planner_client.post(f"/plans/{plan.id}/orientations", data=orientations_form(
        plan, 0, **{"axes-0-objectives-0-findings": [str(other.findings[0].id)]}))
    assert response.status_code == 400
    assert "Constat inconnu" in response.get_data(as_text=True)
    assert reload(plan).axes == []


def test_a_stale_version_gets_409(app, planner, plan):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    assert first.post(f"/plans/{plan.id}/orientations", data=orientations_form(plan, 0)).status_code == 302
    response = second.post(f"/plans/{plan.id}/orientations",
                           data=orientations_form(plan, 0, **{"axes-0-title": "Axe de l'onglet 2"}))
    assert response.status_code == 409
    assert "Axe de l&#39;onglet 2" in response.get_data(as_text=True)
    assert reload(plan).axes[0].title == "Accès aux services sociaux de base"


def test_ids_stay_across_saves(planner_client, plan):
    assert planner_client.post(f"/plans/{plan.id}/orientations", data=orientations_form(plan, 0)).status_code == 302
    plan = reload(plan)
    axis_ids = [a.id for a in plan.axes]
    objective_ids = [o.id for a in plan.axes for o in a.objectives]
    criterion_ids = [c.id for c in plan.criteria]
    priority_ids = [p.id for p in plan.priorities]
    form = orientations_form(plan, 1, **{
        "axes-0-id": str(axis_ids[0]), "axes-1-id": str(axis_ids[1]),
        "axes-0-objectives-0-id": str(objective_ids[0]), "axes-1-objectives-0-id": str(objective_ids[1]),
        "axes-0-objectives-0-title": "Réhabiliter 3 forages",
        "criteria-0-id": str(criterion_ids[0]), "criteria-2-id": str(criterion_ids[1]), "criteria-2-weight": "4",
        "priorities-0-id": str(priority_ids[0]), "priorities-1-id": str(priority_ids[1]),
        "priorities-2-id": str(priority_ids[2]), "priorities-2-delete": "y"})
    assert planner_client.post(f"/plans/{plan.id}/orientations", data=form).status_code == 302
    plan = reload(plan)
    assert [a.id for a in plan.axes] == axis_ids
    assert [o.id for a in plan.axes for o in a.objectives] == objective_ids
    assert plan.axes[0].objectives[0].title == "Réhabiliter 3 forages"
    assert [(c.id, c.weight) for c in plan.criteria] == [(criterion_ids[0], 3), (criterion_ids[1], 4)]
    assert [p.id for p in plan.priorities] == priority_ids[:2]
    assert plan.priorities[1].scores == {str(criterion_ids[0]): 3, str(criterion_ids[1]): 5}


def test_a_long_objective_shows_whole_and_a_typed_line_break_becomes_a_space(planner_client, plan):
    """An objective of a full sentence is shown on two lines (a textarea), not cut in a one-line input; it stays
    one line of text (the Word document and the lists print it as a title)."""
    title = "Améliorer l'accès aux soins de santé\r\nde la mère et de l'enfant dans les 9 villages de la commune"
    response = planner_client.post(f"/plans/{plan.id}/orientations",
                                   data=orientations_form(plan, 0, **{"axes-0-objectives-0-title": title}))
    assert response.status_code == 302
    stored = reload(plan).axes[0].objectives[0].title
    assert stored == ("Améliorer l'accès aux soins de santé de la mère et de l'enfant dans les 9 villages de la "
                      "commune")
    page = planner_client.get(f"/plans/{plan.id}/orientations").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="axes-0-objectives-0-title"[^>]*rows="2"', page)
    assert "Améliorer l&#39;accès aux soins de santé de la mère" in page
