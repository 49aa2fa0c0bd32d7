"""The review through the browser's form posts: status changes, who may edit in which status, comments shown
where they point, the checklist, and a revision of an adopted plan."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.core.vocab import REVIEW_CHECKLIST
from plans.owners import service as owners_service
from plans.planning import sections
from plans.planning.models import Action, Plan, PlanChange, PlanStatus
from plans.review import comments as review_service
from plans.review.models import PlanComment, PlanTransition, ReviewCheck
from tests.app.test_planning import identification_form
from tests.conftest import login
from tests.plans.test_workflow import build_complete_plan

XSS = "<script>alert('revue')</script>"


@pytest.fixture
def complete(session, planner, koniakary_owner):
    return build_complete_plan(session, koniakary_owner, planner)


@pytest.fixture
def other_planner_client(app, make_user, session):
    owner = owners_service.commune_owner(session, "ML010101")
    session.commit()
    user = make_user(Role.PLANNER, email="autre@commune.ml", owners=[owner])
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def set_status(session, plan, status):
    plan.status = status
    session.commit()


def post_status(client, plan, seen, target, **extra):
    return client.post(f"/plans/{plan.id}/statut", data={"seen_status": seen, "to_status": target, **extra})


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def transitions(session, plan):
    return list(session.scalars(sa.select(PlanTransition).where(PlanTransition.plan_id == plan.id)))


# ----- Who edits what, in which status -----

@pytest.mark.parametrize("status", ["soumis", "en_revue", "valide", "adopte"])
def test_a_planner_cannot_edit_a_plan_under_review(planner_client, session, plan, status):
    set_status(session, plan, PlanStatus(status))
    response = planner_client.post(f"/plans/{plan.id}/identification",
                                   data=identification_form(plan, 0, title="Titre changé"))
    assert response.status_code == 403
    assert f"Ce plan est « {PlanStatus(status).label} » : il ne peut plus être modifié." in text_of(response)
    session.expire_all()
    assert session.get(Plan, plan.id).title == "PDESC de Koniakary 2025-2029"
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanChange)) == 0
    assert planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data={"title": "Nouvelle"}).status_code == 403


def test_the_planner_edits_again_once_the_plan_is_sent_back(planner_client, session, plan):
    set_status(session, plan, PlanStatus.A_REVISER)
    response = planner_client.post(f"/plans/{plan.id}/identification",
                                   data=identification_form(plan, 0, title="Titre corrigé"))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Plan, plan.id).title == "Titre corrigé"


@pytest.mark.parametrize("status", ["brouillon", "en_revue", "a_reviser"])
def test_a_reviewer_never_edits_content(reviewer_client, session, plan, status):
    action = Action(plan=plan, sector="sante", title="Extension du CSCOM", unit_cost=45_000_000)
    session.add(action)
    set_status(session, plan, PlanStatus(status))
    response = reviewer_client.post(f"/plans/{plan.id}/identification",
                                    data=identification_form(plan, 0, title="Titre du relecteur"))
    assert response.status_code == 403
    assert "Seuls les planificateurs de cette collectivité modifient ce plan." in text_of(response)
    edit = reviewer_client.post(f"/plans/{plan.id}/actions/{action.id}",
                                data={"title": "Action du relecteur", "version": str(action.version_id)})
    assert edit.status_code == 403
    session.expire_all()
    assert session.get(Plan, plan.id).title == "PDESC de Koniakary 2025-2029"
    assert session.get(Action, action.id).title == "Extension du CSCOM"


# ----- Status changes -----

def test_submit_take_send_back_resubmit_validate_adopt(planner_client, reviewer_client, reviewer, session,
                                                       complete):
    plan = complete
    response = post_status(planner_client, plan, "brouillon", "soumis")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{plan.id}/revue")
    page = text_of(planner_client.get(f"/plans/{plan.id}/revue"))
    assert "Plan soumis à la revue de la DGCT." in page and "Statut actuel Soumis" in page
    assert "Prendre le plan en revue" not in page  # not the planner's button

    reviewer_page = text_of(reviewer_client.get(f"/plans/{plan.id}/revue"))
    assert "Prendre le plan en revue" in reviewer_page
    assert post_status(reviewer_client, plan, "soumis", "en_revue").status_code == 303

    refused = post_status(reviewer_client, plan, "en_revue", "a_reviser", reason="  ")
    assert refused.status_code == 400
    assert "Expliquez au planificateur ce qu'il doit revoir." in text_of(refused)
    reason = "Le PIP dépasse les capacités financières de la commune."
    assert post_status(reviewer_client, plan, "en_revue", "a_reviser", reason=reason).status_code == 303

    overview = text_of(planner_client.get(f"/plans/{plan.id}"))
    assert "Statut : À réviser" in overview and f"Motif du renvoi : {reason}" in overview
    history = text_of(planner_client.get(f"/plans/{plan.id}/revue"))
    assert reason in history and "Test reviewer" in history

    assert post_status(planner_client, plan, "a_reviser", "soumis").status_code == 303
    assert post_status(reviewer_client, plan, "soumis", "en_revue").status_code == 303
    for key in REVIEW_CHECKLIST:  # every point ticked, no comment: validated without a question
        review_service.set_check(session, plan, reviewer, key, True)
    session.commit()
    assert post_status(reviewer_client, plan, "en_revue", "valide").status_code == 303

    today = date.today()
    before = today - timedelta(days=2)
    early = post_status(planner_client, plan, "valide", "adopte", deliberation_number="2026-014/CC-KNK",
                        deliberation_date=before.isoformat(), council_session="Session de mars")
    assert early.status_code == 400
    assert (f"La délibération serait datée du {before:%d/%m/%Y}, avant la validation du plan par la DGCT le "
            f"{today:%d/%m/%Y}") in text_of(early)
    missing = post_status(planner_client, plan, "valide", "adopte", deliberation_number="",
                          deliberation_date=today.isoformat(), council_session="Session de mars")
    assert missing.status_code == 400
    page = missing.get_data(as_text=True)
    assert "Indiquez le numéro de la délibération d&#39;adoption." in page
    assert f'value="{today.isoformat()}"' in page and 'value="Session de mars"' in page  # what was typed is kept
    adopted = post_status(planner_client, plan, "valide", "adopte", deliberation_number="2026-014/CC-KNK",
                          deliberation_date=today.isoformat(), council_session="Session de mars")
    assert adopted.status_code == 303
    overview = text_of(planner_client.get(f"/plans/{plan.id}"))
    assert "Statut : Adopté" in overview and f"délibération n° 2026-014/CC-KNK du {today:%d/%m/%Y}" in overview
    assert [t.to_status for t in transitions(session, plan)] == [
        "soumis", "en_revue", "a_reviser", "soumis", "en_revue", "valide", "adopte"]


def test_an_incomplete_plan_gets_the_list_of_what_is_missing(planner_client, session, plan):
    page = text_of(planner_client.get(f"/plans/{plan.id}/revue"))
    assert "Avant de soumettre le plan, il faut encore :" in page
    response = post_status(planner_client, plan, "brouillon", "soumis")
    assert response.status_code == 400
    page = text_of(response)
    assert "Le plan ne peut pas être soumis : il manque encore les éléments suivants." in page
    assert "5. Actions (PIP) : Ajoutez au moins une action au PIP." in page
    session.expire_all()
    assert session.get(Plan, plan.id).status is PlanStatus.BROUILLON


def test_a_forged_transition_from_a_planner_of_another_owner_is_refused(other_planner_client, session, complete):
    response = post_status(other_planner_client, complete, "brouillon", "soumis")
    assert response.status_code == 403
    assert "Ce plan appartient à une autre collectivité." in text_of(response)
    session.expire_all()
    assert session.get(Plan, complete.id).status is PlanStatus.BROUILLON and transitions(session, complete) == []


def test_a_planner_forging_a_reviewers_move_is_refused(planner_client, session, complete):
    set_status(session, complete, PlanStatus.EN_REVUE)
    response = post_status(planner_client, complete, "en_revue", "valide")
    assert response.status_code == 403
    assert "Seuls les relecteurs de la DGCT peuvent faire cette opération : « Valider le plan »." in text_of(response)
    forged = post_status(planner_client, complete, "en_revue", "adopte")  # no such move at all
    assert forged.status_code == 400
    assert "Un plan « En revue » ne peut pas passer à « Adopté »." in text_of(forged)
    session.expire_all()
    assert session.get(Plan, complete.id).status is PlanStatus.EN_REVUE and transitions(session, complete) == []


def test_a_replayed_or_stale_transition_gets_409(planner_client, reviewer_client, session, complete, make_user,
                                                 app):
    assert post_status(planner_client, complete, "brouillon", "soumis").status_code == 303
    replay = post_status(planner_client, complete, "brouillon", "soumis")
    assert replay.status_code == 409
    page = text_of(replay)
    assert "Le statut du plan a changé entre-temps" in page
    assert "Ce plan est « Soumis »" in page and "et non plus « Brouillon »" in page
    second = make_user(Role.REVIEWER, email="deuxieme@dgct.ml")
    second_client = app.test_client()
    assert login(second_client, second.email).status_code == 302
    assert post_status(reviewer_client, complete, "soumis", "en_revue").status_code == 303
    stale = post_status(second_client, complete, "soumis", "en_revue")
    assert stale.status_code == 409 and "Ce plan est « En revue »" in text_of(stale)
    assert len(transitions(session, complete)) == 2


# ----- Comments -----

def test_a_reviewers_comment_shows_on_the_section_page_of_the_planner(planner_client, reviewer_client, session,
                                                                      plan):
    set_status(session, plan, PlanStatus.EN_REVUE)
    response = reviewer_client.post(f"/plans/{plan.id}/commentaires",
                                    data={"anchor": "section:migration", "body": "Citez la source des chiffres.",
                                          "retour": "ancre"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/migration#commentaires")
    section_page = text_of(planner_client.get(f"/plans/{plan.id}/migration"))
    assert "Commentaires de la revue — 1 non résolu" in section_page
    assert "Citez la source des chiffres." in section_page and "Test reviewer (relecteur)" in section_page
    assert "Citez la source" not in text_of(planner_client.get(f"/plans/{plan.id}/situation"))
    overview = text_of(planner_client.get(f"/plans/{plan.id}"))
    assert "1 commentaire de revue non résolu" in overview


def test_a_comment_on_an_action_shows_on_its_page_and_the_planner_replies_and_resolves(
        planner_client, reviewer_client, session, plan):
    action = Action(plan=plan, sector="sante", title="Extension du CSCOM", unit_cost=45_000_000)
    session.add(action)
    set_status(session, plan, PlanStatus.A_REVISER)
    response = reviewer_client.post(f"/plans/{plan.id}/commentaires",
                                    data={"anchor": f"action:{action.uuid}", "body": "Coût unitaire à justifier.",
                                          "retour": "ancre"})
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/actions/{action.id}#commentaires")
    page = text_of(planner_client.get(f"/plans/{plan.id}/actions/{action.id}"))
    assert "Coût unitaire à justifier." in page and "Commenter cette action" not in page
    comment = session.scalar(sa.select(PlanComment).where(PlanComment.body == "Coût unitaire à justifier."))
    assert planner_client.post(f"/plans/{plan.id}/commentaires",
                               data={"parent": str(comment.id), "body": "Devis joint.",
                                     "retour": "ancre"}).status_code == 303
    reply = session.scalar(sa.select(PlanComment).where(PlanComment.body == "Devis joint."))
    assert reply.parent_id == comment.id and reply.action_uuid == action.uuid  # in the thread, at its anchor
    review_page = text_of(reviewer_client.get(f"/plans/{plan.id}/revue"))
    assert "Action 1. Extension du CSCOM 1 non résolu sur 1" in review_page  # one thread, two comments
    assert "1 réponse" in review_page
    resolved = planner_client.post(f"/plans/{plan.id}/commentaires/{comment.id}/resoudre", data={"retour": "ancre"})
    assert resolved.status_code == 303
    session.expire_all()
    assert session.get(PlanComment, comment.id).resolved
    review_page = text_of(reviewer_client.get(f"/plans/{plan.id}/revue"))
    assert "Action 1. Extension du CSCOM 0 non résolu sur 1" in review_page
    assert "Fil résolu le" in review_page and "Devis joint." in review_page
    assert "Aucun commentaire de revue non résolu" in text_of(planner_client.get(f"/plans/{plan.id}"))


def test_a_reply_to_an_unknown_comment_is_refused_and_keeps_what_was_typed(planner_client, session, plan):
    set_status(session, plan, PlanStatus.A_REVISER)
    response = planner_client.post(f"/plans/{plan.id}/commentaires", data={"parent": "987654", "body": "Ma réponse"})
    assert response.status_code == 400
    page = text_of(response)
    assert review_service.NO_PARENT in page and "Ma réponse" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanComment)) == 0


def test_validating_with_open_points_asks_to_confirm_then_records_the_list(reviewer_client, session, complete):
    set_status(session, complete, PlanStatus.EN_REVUE)
    assert reviewer_client.post(f"/plans/{complete.id}/commentaires",
                                data={"anchor": "section:suivi", "body": "Cibles à préciser."}).status_code == 303
    page = reviewer_client.get(f"/plans/{complete.id}/revue").get_data(as_text=True)
    # The decision comes after the checklist and the comments.
    assert page.index('id="controle"') < page.index('id="commentaires"') < page.index('id="decision"')
    assert page.index('id="decision"') < page.index(">Valider le plan</button>")
    assert "Je valide malgré les points ouverts" in page

    refused = post_status(reviewer_client, complete, "en_revue", "valide")
    assert refused.status_code == 400
    text = text_of(refused)
    assert "Des points restent ouverts : cochez « Je valide malgré les points ouverts »" in text
    assert "Commentaire non résolu (Section 7. Suivi-évaluation) : « Cibles à préciser. »" in text
    assert "Point de contrôle non coché :" in text
    session.expire_all()
    assert session.get(Plan, complete.id).status is PlanStatus.EN_REVUE

    assert post_status(reviewer_client, complete, "en_revue", "valide", confirm_open="y").status_code == 303
    session.expire_all()
    assert session.get(Plan, complete.id).status is PlanStatus.VALIDE
    note = transitions(session, complete)[-1].reason
    assert note.startswith("Validé malgré les points ouverts suivants :") and "Cibles à préciser." in note
    assert "Validé malgré les points ouverts suivants :" in text_of(reviewer_client.get(f"/plans/{complete.id}/revue"))


def test_a_comment_with_a_script_is_shown_as_text(planner_client, reviewer_client, session, plan):
    assert reviewer_client.post(f"/plans/{plan.id}/commentaires",
                                data={"anchor": "section:suivi", "body": XSS}).status_code == 303
    for url in (f"/plans/{plan.id}/suivi", f"/plans/{plan.id}/revue"):
        page = planner_client.get(url).get_data(as_text=True)
        assert XSS not in page, url
        assert "&lt;script&gt;alert(&#39;revue&#39;)&lt;/script&gt;" in page, url


def test_a_bad_comment_comes_back_with_its_text(reviewer_client, session, plan):
    too_long = "Trop long. " * 500
    response = reviewer_client.post(f"/plans/{plan.id}/commentaires",
                                    data={"anchor": "section:suivi", "body": too_long})
    assert response.status_code == 400
    assert "Le commentaire n&#39;a pas été ajouté" in response.get_data(as_text=True)
    assert too_long.strip() in html.unescape(response.get_data(as_text=True))
    unknown = reviewer_client.post(f"/plans/{plan.id}/commentaires",
                                   data={"anchor": "action:inconnue", "body": "Texte gardé"})
    assert unknown.status_code == 400
    assert "Cette action n&#39;existe pas (ou plus) dans ce plan." in unknown.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanComment)) == 0


def test_a_comment_of_another_plan_is_not_found(planner_client, reviewer, session, plan, koniakary_owner, planner):
    from plans.planning import service as plan_service

    other = plan_service.create_plan(session, owner=koniakary_owner, title="Autre", period_start=2030, user=planner)
    comment = review_service.add_comment(session, other, reviewer, "Ailleurs")
    session.commit()
    assert planner_client.post(f"/plans/{plan.id}/commentaires/{comment.id}/resoudre").status_code == 404
    assert not comment.resolved


# ----- Checklist -----

def test_the_reviewer_fills_the_checklist_and_the_planner_reads_it(reviewer_client, planner_client, session, plan):
    response = reviewer_client.post(f"/plans/{plan.id}/controle",
                                    data={"ok_participation": "y", "note_participation": "Femmes : 35 %",
                                          "note_indicateurs": "Cibles 2029 manquantes"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/revue#controle")
    rows = {r.key: (r.checked, r.note) for r in session.scalars(sa.select(ReviewCheck))}
    assert rows == {"participation": (True, "Femmes : 35 %"), "indicateurs": (False, "Cibles 2029 manquantes")}
    page = text_of(planner_client.get(f"/plans/{plan.id}/revue"))
    assert "☑ Vérifié : Participation des femmes, des jeunes et de la diaspora" in page
    assert "Femmes : 35 %" in page and "Enregistrer la grille" not in page
    assert planner_client.post(f"/plans/{plan.id}/controle", data={"ok_participation": ""}).status_code == 403
    assert session.get(ReviewCheck, (plan.id, "participation")).checked


# ----- Revisions -----

def test_an_adopted_plan_is_revised_and_the_old_revision_stays_readable_and_frozen(planner_client, session,
                                                                                  complete):
    set_status(session, complete, PlanStatus.ADOPTE)
    adopted_title = complete.title
    page = text_of(planner_client.get(f"/plans/{complete.id}/revue"))
    assert "Ouvrir la révision 2" in page
    response = planner_client.post(f"/plans/{complete.id}/reviser")
    assert response.status_code == 303
    new_plan = session.scalar(sa.select(Plan).where(Plan.uuid == complete.uuid, Plan.revision == 2))
    assert response.headers["Location"].endswith(f"/plans/{new_plan.id}")
    assert new_plan.status is PlanStatus.BROUILLON and len(new_plan.actions) == len(complete.actions)

    old = planner_client.get(f"/plans/{complete.id}")
    assert old.status_code == 200 and "révision 2 (Brouillon)" in text_of(old)
    frozen = planner_client.post(f"/plans/{complete.id}/identification",
                                 data=identification_form(complete, 1, title="Changé"))
    assert frozen.status_code == 403
    again = planner_client.post(f"/plans/{complete.id}/reviser")
    assert again.status_code == 409 and "La révision 2 de ce plan existe déjà" in text_of(again)
    version = sections.current_version(session, new_plan, "identification")
    assert planner_client.post(f"/plans/{new_plan.id}/identification",
                               data=identification_form(new_plan, version, title="Révision 2")).status_code == 302
    session.expire_all()
    assert session.get(Plan, new_plan.id).title == "Révision 2"
    assert session.get(Plan, complete.id).title == adopted_title


def test_the_pip_list_marks_the_commented_actions(planner_client, reviewer_client, session, complete):
    set_status(session, complete, PlanStatus.EN_REVUE)
    first, second = complete.actions[0], complete.actions[1]
    assert reviewer_client.post(f"/plans/{complete.id}/commentaires",
                                data={"anchor": f"action:{first.uuid}", "body": "Devis ?"}).status_code == 303
    page = planner_client.get(f"/plans/{complete.id}/actions").get_data(as_text=True)
    row = page[page.index(f'id="action-{first.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Commentée : 1 fil non résolu" in text_of_html(row)
    assert f'/plans/{complete.id}/actions/{first.id}#commentaires' in row
    other = page[page.index(f'id="action-{second.id}"'):]
    assert "Commentée" not in other[:other.index("</tr>")]
    comment = session.scalar(sa.select(PlanComment).where(PlanComment.body == "Devis ?"))
    reviewer_client.post(f"/plans/{complete.id}/commentaires/{comment.id}/resoudre")
    page = planner_client.get(f"/plans/{complete.id}/actions").get_data(as_text=True)
    assert "Commentée : 1 fil résolu" in text_of_html(page)


def text_of_html(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def test_adoption_in_one_place_then_the_transmission_after_it(planner_client, reviewer_client, session, complete):
    set_status(session, complete, PlanStatus.VALIDE)
    section = text_of(planner_client.get(f"/plans/{complete.id}/adoption"))
    assert "sa délibération s'enregistre avec l'adoption" in section
    assert "Enregistrer l'adoption par le conseil" in section
    assert "Elle s'enregistre ici une fois le plan adopté." in section
    today = date.today().isoformat()
    assert post_status(planner_client, complete, "valide", "adopte", deliberation_number="2026-014/CC-KNK",
                       deliberation_date=today).status_code == 303

    page = planner_client.get(f"/plans/{complete.id}/adoption").get_data(as_text=True)
    assert 'name="transmission_date"' in page and 'name="deliberation_number"' not in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"', page)
    version = next(v for v in version.groups() if v)
    refused = planner_client.post(f"/plans/{complete.id}/transmission",
                                  data={"version": version, "transmission_date": today,
                                        "transmission_authority": ""})
    assert refused.status_code == 400
    assert "Indiquez l&#39;autorité de tutelle destinataire" in refused.get_data(as_text=True)
    assert f'value="{today}"' in refused.get_data(as_text=True)  # what was typed is kept
    saved = planner_client.post(f"/plans/{complete.id}/transmission",
                                data={"version": version, "transmission_date": today,
                                      "transmission_authority": "Préfet de Kayes"})
    assert saved.status_code == 303
    session.expire_all()
    plan = session.get(Plan, complete.id)
    assert plan.status is PlanStatus.ADOPTE and plan.transmission_authority == "Préfet de Kayes"
    stale = planner_client.post(f"/plans/{complete.id}/transmission",
                                data={"version": version, "transmission_date": today,
                                      "transmission_authority": "Sous-préfet"})
    assert stale.status_code == 409 and "Préfet de Kayes" in text_of(stale)
    assert reviewer_client.post(f"/plans/{complete.id}/transmission",
                                data={"version": version, "transmission_date": today}).status_code == 403
    review = text_of(reviewer_client.get(f"/plans/{complete.id}/revue"))
    assert f"Transmission à la tutelle le {date.today():%d/%m/%Y} à Préfet de Kayes" in review
