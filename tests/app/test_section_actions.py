"""Section 5 — Actions (PIP): the list, the form of one action, duplicate, reorder, delete, restore, access."""
import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from plans.accounts.models import Role
from plans.core.formatting import plain
from plans.owners import service as owners_service
from plans.planning import service as plan_service
from plans.planning.models import Action, DiasporaAssociation, PlanChange
from tests.conftest import login

YEARS = range(2025, 2030)


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary 2025-2029",
                                    period_start=2025, user=planner)
    session.commit()
    return plan


@pytest.fixture
def enndam(session, koniakary_owner):
    association = DiasporaAssociation(owner=koniakary_owner, name="Enndam Jombuku", host_country="FR")
    session.add(association)
    session.commit()
    return association


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", plain(re.sub(r"<[^>]+>", " ", html)))


def form_data(title, sector, unit_cost, schedule, lines, scheme="", quantity="1", tags=(), **extra):
    """What the browser posts: every plan year's input (blank ones too), the funding rows, a blank row last."""
    data = {"title": title, "sector": sector, "quantity": quantity, "unit": "", "unit_cost": unit_cost,
            "status": "prevu", "cofinancing_scheme": scheme, "objective_id": "", "location_precision": "exacte",
            "lon": "", "lat": "", "total_override": "", "override_reason": "", "tags": list(tags)}
    for year in YEARS:
        data[f"schedule-{year}"] = schedule.get(year, "")
    for i, line in enumerate(list(lines) + [{}]):
        data[f"funding_lines-{i}-source_type"] = line.get("source_type", "")
        data[f"funding_lines-{i}-source_name"] = line.get("source_name", "")
        data[f"funding_lines-{i}-association_id"] = line.get("association_id", "")
        data[f"funding_lines-{i}-amount"] = line.get("amount", "")
        data[f"funding_lines-{i}-share_pct"] = line.get("share_pct", "")
        data[f"funding_lines-{i}-status"] = line.get("status", "promis")
        if line.get("in_kind"):
            data[f"funding_lines-{i}-in_kind"] = "y"
    data.update(extra)
    return data


def tc1(enndam):
    """docs/DOMAIN.md §14 TC1: Koniakary's four actions, as typed in the form (several ways of writing amounts)."""
    diaspora = str(enndam.id)
    return [
        form_data("Extension du CSCOM", "sante", "45 000 000", {2025: "20 000 000", 2026: "25.000.000"},
                  [{"source_type": "programme_codev", "source_name": "CTC", "share_pct": "70"},
                   {"source_type": "association_diaspora", "association_id": diaspora, "share_pct": "10"},
                   {"source_type": "budget_communal", "share_pct": "20"}], tags=["diaspora"]),
        form_data("AEP du quartier Khasso", "hydraulique", "60000000",
                  {2025: "10 000 000", 2026: "30 000 000", 2027: "20 000 000"},
                  [{"source_type": "anict", "share_pct": "80"}, {"source_type": "budget_communal", "share_pct": "10"},
                   {"source_type": "population", "share_pct": "10", "in_kind": True}], scheme="anict"),
        form_data("Centre de formation des jeunes et des retournés", "emploi", "30 000 000",
                  {2027: "15 000 000", 2028: "15 000 000"},
                  [{"source_type": "ptf", "share_pct": "70"},
                   {"source_type": "association_diaspora", "association_id": diaspora, "share_pct": "20"},
                   {"source_type": "budget_communal", "share_pct": "10"}], tags=["retour", "emploi_jeunes"]),
        form_data("Restauration du Tata", "culture_jeunesse", "25 000 000", {2028: "10 000 000", 2029: "15 000 000"},
                  [{"source_type": "etat", "share_pct": "50"},
                   {"source_type": "cooperation_decentralisee", "source_name": "Villetaneuse", "share_pct": "30"},
                   {"source_type": "association_diaspora", "association_id": diaspora, "share_pct": "20"}],
                  tags=["diaspora"]),
    ]


def post_new(client, plan, data):
    return client.post(f"/plans/{plan.id}/actions/nouvelle", data=data)


def actions_of(session, plan):
    session.expire_all()
    return list(session.scalars(sa.select(Action).where(Action.plan_id == plan.id).order_by(Action.position)))


def error_after(html: str, name: str, message: str) -> bool:
    """The message is printed right after the input (or select) named `name`."""
    message = str(escape(message))
    pattern = (rf'name="{re.escape(name)}"[^>]*>(?:(?:(?!name=).)*?</select>)?\s*'
               rf'<p class="field-error">{re.escape(message)}</p>')
    return re.search(pattern, html, re.S) is not None


def test_koniakary_tc1_through_the_form(planner_client, plan, enndam, session):
    cscom, aep, centre, tata = tc1(enndam)
    # Under the CTC scheme the programme's 70 % (31 500 000) is above its 30 000 000 ceiling: refused, said
    # next to the scheme, everything typed kept.
    response = post_new(planner_client, plan, dict(cscom, cofinancing_scheme="diaspora_ctc"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_after(html, "cofinancing_scheme",
                       "Programme (CTC, PTF) : 31\u202f500\u202f000\u00a0FCFA, au-dessus du plafond de "
                       "30\u202f000\u202f000\u00a0FCFA par projet fixé par le dispositif « Appui aux "
                       "investissements de la diaspora ».")
    assert 'value="45 000 000"' in html and 'value="25.000.000"' in html
    assert actions_of(session, plan) == []
    # The CSCOM is therefore entered without the scheme (the shares stay 70/10/20 as in TC1).
    for data in (cscom, aep, centre, tata):
        response = post_new(planner_client, plan, data)
        assert response.status_code == 303, _text(response.get_data(as_text=True))[:3000]
    actions = actions_of(session, plan)
    assert [a.title for a in actions] == ["Extension du CSCOM", "AEP du quartier Khasso",
                                          "Centre de formation des jeunes et des retournés", "Restauration du Tata"]
    assert actions[1].cofinancing_scheme == "anict" and actions[1].funding_lines[2].in_kind is True
    assert actions[3].funding_lines[1].source_name == "Villetaneuse"

    response = planner_client.get(f"/plans/{plan.id}/actions")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for a in actions:
        assert f'id="action-{a.id}"' in html
    footer = _text(html.split("<tfoot>")[1].split("</tfoot>")[0])
    assert "Total du PIP 160 000 000 30 000 000 55 000 000 35 000 000 25 000 000 15 000 000" in footer
    text = _text(html)
    assert "Coût total du PIP 160 000 000 FCFA" in text
    assert "Programme de codéveloppement (CTC) : 31 500 000" in text
    assert "Association de la diaspora (Enndam Jombuku) : 4 500 000" in text
    assert "Coopération décentralisée (Villetaneuse) : 7 500 000" in text
    assert "Réinsertion des migrants de retour" in text
    assert "à corriger" not in text

    fin = _text(planner_client.get(f"/plans/{plan.id}/financement").get_data(as_text=True))
    assert "15 500 000 FCFA, soit 9,69 % du coût total" in fin
    assert "Coût total du PIP 160 000 000 FCFA" in fin


def test_each_error_next_to_its_field_with_typed_values_kept(planner_client, plan, enndam, session):
    data = form_data("", "sante", "12,50", {2025: "-3", 2026: "1 5"},
                     [{"source_type": "programme_codev", "share_pct": "150"},
                      {"source_type": "association_diaspora", "amount": "1 000 000"},
                      {"source_type": "ptf", "amount": "1.50.000"}],
                     quantity="0", total_override="", lon="-10,9")
    response = post_new(planner_client, plan, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_after(html, "title", "Donnez l'intitulé de l'action.")
    assert error_after(html, "unit_cost", "Les montants sont en FCFA entiers, sans centimes.")
    assert error_after(html, "schedule-2025", "Le montant ne peut pas être négatif.")
    badly_grouped = "Les chiffres sont mal groupés : écrivez par exemple 1 500 000 ou 1500000."
    assert error_after(html, "schedule-2026", badly_grouped)
    assert error_after(html, "funding_lines-0-share_pct", "La part doit être comprise entre 0 et 100 %.")
    assert error_after(html, "funding_lines-1-association_id",
                       "Choisissez l'association de la diaspora enregistrée qui finance cette ligne.")
    assert error_after(html, "funding_lines-2-amount", badly_grouped)
    assert error_after(html, "lat", "Indiquez la longitude et la latitude, ou aucune des deux.")
    # Typed values are kept as typed.
    for value in ("12,50", "-3", "1 5", "150", "1.50.000", "-10,9"):
        assert f'value="{value}"' in html
    assert "corrigez les champs signalés" in html
    assert actions_of(session, plan) == []

    # A schedule that does not add up and over-funding: refused, messages at the top of their blocks.
    data = form_data("Forage", "hydraulique", "8 000 000", {2025: "5 000 000"},
                     [{"source_type": "anict", "amount": "7 000 000"}, {"source_type": "budget_communal",
                                                                         "amount": "2 000 000"}],
                     quantity="1", total_override="", override_reason="")
    html = post_new(planner_client, plan, data).get_data(as_text=True)
    text = _text(html)
    assert "La programmation annuelle (5 000 000 FCFA) ne correspond pas au coût total (8 000 000 FCFA)" in text
    assert "Les financements (9 000 000 FCFA) dépassent le coût total (8 000 000 FCFA) de 1 000 000 FCFA." in text
    # A total typed by hand needs its reason.
    data = form_data("Forage", "hydraulique", "8 000 000", {2025: "7 000 000"}, [], total_override="7 000 000")
    html = post_new(planner_client, plan, data).get_data(as_text=True)
    assert error_after(html, "override_reason", "Indiquez pourquoi le coût total est saisi à la main "
                       "(7\u202f000\u202f000\u00a0FCFA au lieu de quantité × coût unitaire = "
                       "8\u202f000\u202f000\u00a0FCFA).")
    assert actions_of(session, plan) == []


def test_a_gap_is_not_an_error(planner_client, plan, session):
    data = form_data("Forage", "hydraulique", "8 000 000", {2025: "8 000 000"},
                     [{"source_type": "anict", "share_pct": "60"}], scheme="anict")
    response = post_new(planner_client, plan, data)
    assert response.status_code == 303
    html = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    text = _text(html)
    assert "Non couvert : 3 200 000 FCFA" in text
    # The scheme's counterpart is still missing while the cost is not fully funded: a warning on the action.
    assert "Alerte — Dispositif de cofinancement : Contrepartie (budget communal et population)" in text
    assert "à corriger" not in text


def test_add_a_funding_row_without_saving(planner_client, plan, session):
    page = planner_client.get(f"/plans/{plan.id}/actions/nouvelle").get_data(as_text=True)
    assert page.count('name="funding_lines-') // 7 == 2  # two blank rows offered
    data = form_data("Forage", "hydraulique", "8 000 000", {}, [{"source_type": "anict", "share_pct": "80"}],
                     add_row="funding_lines")
    response = post_new(planner_client, plan, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="funding_lines-2-source_type"' in html and 'name="funding_lines-3-source_type"' not in html
    assert 'value="8 000 000"' in html and "field-error" not in html
    assert actions_of(session, plan) == []


def test_spread_evenly_without_saving(planner_client, plan, session):
    data = form_data("Forage", "hydraulique", "8 000 003", {}, [], spread="1")
    response = post_new(planner_client, plan, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="schedule-2025" size="12" type="text" value="1 600 001"' in html
    assert 'name="schedule-2029" size="12" type="text" value="1 600 000"' in html
    assert actions_of(session, plan) == []


def test_edit_and_a_stale_version_gets_409(planner_client, plan, enndam, session):
    assert post_new(planner_client, plan, tc1(enndam)[1]).status_code == 303
    (action,) = actions_of(session, plan)
    url = f"/plans/{plan.id}/actions/{action.id}"
    page = planner_client.get(url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page and 'value="60 000 000"' in page
    assert 'name="funding_lines-0-share_pct" size="5" type="text" value="80"' in page

    first_tab = dict(tc1(enndam)[1], title="AEP de Khasso (tab 1)", version="1")
    second_tab = dict(tc1(enndam)[1], title="AEP de Khasso (tab 2)", version="1")
    assert planner_client.post(url, data=first_tab).status_code == 303
    response = planner_client.post(url, data=second_tab)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "Quelqu'un a enregistré cette action pendant que vous la modifiiez" in text
    # The stored action against the user's input, field by field (app/planning/conflicts.py).
    assert "Intitulé de l&#39;action Différent AEP de Khasso (tab 1) AEP de Khasso (tab 2)" in text
    assert 'value="AEP de Khasso (tab 2)"' in html  # the user's input kept
    assert 'name="version" type="hidden" value="2"' in html
    # A deliberate resubmission wins.
    assert planner_client.post(url, data=dict(second_tab, version="2")).status_code == 303
    assert actions_of(session, plan)[0].title == "AEP de Khasso (tab 2)"
    summaries = [c.summary for c in session.scalars(sa.select(PlanChange).where(PlanChange.section == "actions")
                                                    .order_by(PlanChange.id))]
    assert summaries == ["Action « AEP du quartier Khasso » ajoutée",
                         "Action « AEP de Khasso (tab 1) » modifiée : intitulé",
                         "Action « AEP de Khasso (tab 2) » modifiée : intitulé"]
    history = _text(planner_client.get(f"/plans/{plan.id}/historique").get_data(as_text=True))
    assert "Actions (PIP) Test planner Action « AEP de Khasso (tab 2) » modifiée : intitulé" in history


def test_duplicate_reorder_delete(planner_client, plan, enndam, session):
    for data in tc1(enndam)[:2]:
        assert post_new(planner_client, plan, data).status_code == 303
    cscom, aep = actions_of(session, plan)
    response = planner_client.post(f"/plans/{plan.id}/actions/{cscom.id}/dupliquer")
    assert response.status_code == 303
    titles = [a.title for a in actions_of(session, plan)]
    assert titles == ["Extension du CSCOM", "Extension du CSCOM (copie)", "AEP du quartier Khasso"]
    copy = actions_of(session, plan)[1]
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/actions#action-{copy.id}")
    assert len(copy.funding_lines) == 3 and len(copy.schedule) == 2 and copy.uuid != cscom.uuid

    assert planner_client.post(f"/plans/{plan.id}/actions/{aep.id}/deplacer", data={"sens": "haut"}).status_code == 303
    assert [a.title for a in actions_of(session, plan)][1] == "AEP du quartier Khasso"
    assert planner_client.post(f"/plans/{plan.id}/actions/{cscom.id}/deplacer", data={"sens": "bas"}).status_code == 303
    assert [a.title for a in actions_of(session, plan)] == ["AEP du quartier Khasso", "Extension du CSCOM",
                                                            "Extension du CSCOM (copie)"]
    assert planner_client.post(f"/plans/{plan.id}/actions/{cscom.id}/deplacer", data={"sens": "x"}).status_code == 400
    html = planner_client.get(f"/plans/{plan.id}/actions").get_data(as_text=True)
    assert html.index(f'id="action-{aep.id}"') < html.index(f'id="action-{cscom.id}"')

    page = planner_client.get(f"/plans/{plan.id}/actions/{copy.id}/supprimer")
    assert page.status_code == 200
    assert "Supprimer l'action « Extension du CSCOM (copie) » ?" in _text(page.get_data(as_text=True))
    assert len(actions_of(session, plan)) == 3  # the confirmation page deletes nothing
    assert planner_client.post(f"/plans/{plan.id}/actions/{copy.id}/supprimer").status_code == 303
    assert [a.title for a in actions_of(session, plan)] == ["AEP du quartier Khasso", "Extension du CSCOM"]


def test_restore_from_history(planner_client, plan, enndam, session):
    assert post_new(planner_client, plan, tc1(enndam)[0]).status_code == 303
    (action,) = actions_of(session, plan)
    action_uuid = action.uuid  # the row is deleted below; a restored action may get another id
    url = f"/plans/{plan.id}/actions/{action.id}"
    changed = dict(tc1(enndam)[0], title="CSCOM agrandi", unit_cost="50 000 000", version="1",
                   **{"schedule-2026": "30 000 000"})
    assert planner_client.post(url, data=changed).status_code == 303
    assert planner_client.post(f"/plans/{plan.id}/actions/{action.id}/supprimer").status_code == 303
    assert actions_of(session, plan) == []
    created, updated, deleted = session.scalars(sa.select(PlanChange).where(PlanChange.section == "actions")
                                                .order_by(PlanChange.id))
    assert deleted.summary == "Action « CSCOM agrandi » supprimée"
    history = planner_client.get(f"/plans/{plan.id}/historique").get_data(as_text=True)
    assert f"/historique/{deleted.id}/restaurer" in history  # the latest change, yet it can be undone

    # Bring the deleted action back, as it was when deleted.
    response = planner_client.post(f"/plans/{plan.id}/historique/{deleted.id}/restaurer")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{plan.id}/actions")
    (back,) = actions_of(session, plan)
    assert back.uuid == action_uuid and back.title == "CSCOM agrandi" and back.unit_cost == 50_000_000
    assert len(back.funding_lines) == 3 and {e.year: e.amount for e in back.schedule} == {2025: 20_000_000,
                                                                                        2026: 30_000_000}
    # Then back to the version first created.
    assert planner_client.post(f"/plans/{plan.id}/historique/{created.id}/restaurer").status_code == 302
    (back,) = actions_of(session, plan)
    assert back.title == "Extension du CSCOM" and back.unit_cost == 45_000_000
    last = session.scalars(sa.select(PlanChange).order_by(PlanChange.id.desc())).first()
    assert last.summary.startswith("Restauration de la version du ")
    assert "Action « Extension du CSCOM » modifiée : intitulé, coût unitaire, programmation annuelle" \
        in last.summary
    assert last.snapshot["action_uuid"] == action_uuid and last.snapshot["unit_cost"] == 45_000_000


def test_reviewer_reads_but_cannot_change(reviewer_client, planner_client, plan, enndam, session):
    assert post_new(planner_client, plan, tc1(enndam)[0]).status_code == 303
    (action,) = actions_of(session, plan)
    html = reviewer_client.get(f"/plans/{plan.id}/actions").get_data(as_text=True)
    assert f'id="action-{action.id}"' in html and "Ajouter une action" not in html and "Dupliquer" not in html
    page = reviewer_client.get(f"/plans/{plan.id}/actions/{action.id}")
    assert page.status_code == 200 and "<fieldset disabled>" in page.get_data(as_text=True)


def test_refused_posts_for_a_reviewer_and_a_planner_of_another_owner(app, planner_client, reviewer_client, plan,
                                                                    enndam, session, make_user):
    assert post_new(planner_client, plan, tc1(enndam)[0]).status_code == 303
    (action,) = actions_of(session, plan)
    other_owner = owners_service.commune_owner(session, "ML010101")
    session.commit()
    other = make_user(Role.PLANNER, email="autre-actions@commune.ml", owners=[other_owner])
    other_client = app.test_client()
    assert login(other_client, other.email).status_code == 302
    posts = [
        (f"/plans/{plan.id}/actions/nouvelle", tc1(enndam)[1]),
        (f"/plans/{plan.id}/actions/{action.id}", dict(tc1(enndam)[0], title="Piraté", version="1")),
        (f"/plans/{plan.id}/actions/{action.id}/dupliquer", {}),
        (f"/plans/{plan.id}/actions/{action.id}/deplacer", {"sens": "bas"}),
        (f"/plans/{plan.id}/actions/{action.id}/supprimer", {}),
        (f"/plans/{plan.id}/actions", {}),
    ]
    for client in (reviewer_client, other_client):
        for url, data in posts:
            assert client.post(url, data=data).status_code == 403, url
    assert other_client.get(f"/plans/{plan.id}/actions").status_code == 403
    assert other_client.get(f"/plans/{plan.id}/actions/{action.id}").status_code == 403
    (still,) = actions_of(session, plan)
    assert still.title == "Extension du CSCOM" and still.version_id == 1


def test_list_is_405_on_post_and_empty_state(planner_client, plan):
    html = planner_client.get(f"/plans/{plan.id}/actions").get_data(as_text=True)
    assert "Aucune action pour l'instant" in _text(html) and "Ajouter une action" in html
    assert planner_client.post(f"/plans/{plan.id}/actions").status_code == 405


def test_grouped_by_axis_and_objective(planner_client, plan, enndam, session):
    from plans.planning.models import Axis, Objective

    axis = Axis(plan_id=plan.id, title="Services sociaux de base", position=0,
                objectives=[Objective(title="Santé de proximité", position=0)])
    session.add(axis)
    session.commit()
    objective_id = axis.objectives[0].id
    form_page = planner_client.get(f"/plans/{plan.id}/actions/nouvelle").get_data(as_text=True)
    assert '<optgroup label="Axe 1 : Services sociaux de base">' in form_page
    assert post_new(planner_client, plan, dict(tc1(enndam)[0], objective_id=str(objective_id))).status_code == 303
    assert post_new(planner_client, plan, tc1(enndam)[1]).status_code == 303
    html = planner_client.get(f"/plans/{plan.id}/actions?vue=axes").get_data(as_text=True)
    text = _text(html.split('<table class="pip">')[1])
    assert "Axe 1 : Services sociaux de base › Santé de proximité (total de l'axe : 45 000 000 FCFA)" in text
    assert text.index("Santé de proximité (total") < text.index("Extension du CSCOM") < text.index("Sans objectif") \
        < text.index("AEP du quartier Khasso")
