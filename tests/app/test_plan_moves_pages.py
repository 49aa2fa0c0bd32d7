"""The planner's moves on the pages: deleting a draft through its confirmation page (no JavaScript needed), the
journal's entry, and withdrawing a submission from the plan's page, with a reviewer taking it at the same moment.
The rules are tested in tests/plans/test_plan_deletion.py."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from plans.core import formatting
from plans.planning import finance
from plans.planning.models import Plan, PlanStatus
from plans.review import workflow
from plans.review.models import PlanTransition
from tests.app.test_review_pages import post_status, text_of
from tests.plans.test_workflow import build_complete_plan


@pytest.fixture
def complete(session, planner, koniakary_owner):
    return build_complete_plan(session, koniakary_owner, planner)


def _confirmation(plan: Plan) -> dict:
    return {"seen_actions": str(len(plan.actions)), "seen_total": str(finance.plan_finance(plan).total)}


def _fcfa(amount: int) -> str:
    """As text_of() reads it: the narrow spaces of French numbers become plain ones."""
    return re.sub(r"\s+", " ", formatting.fcfa(amount))


def _exists(session, plan_id: int) -> bool:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(Plan).where(Plan.id == plan_id)) == 1


# ----- Deleting a draft -----

def test_the_planner_deletes_a_draft_after_its_confirmation_page(planner_client, admin_client, session, complete):
    plan_id, title = complete.id, complete.title
    actions, total = len(complete.actions), finance.plan_finance(complete).total
    overview = planner_client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f'href="/plans/{plan_id}/supprimer"' in overview and "Supprimer ce brouillon…" in overview

    page = planner_client.get(f"/plans/{plan_id}/supprimer")
    assert page.status_code == 200
    text = text_of(page)
    assert f"Supprimer le plan « {title} » ?" in text
    assert "Collectivité ou groupement Koniakary (Commune)" in text
    assert f"Actions du PIP {actions} actions" in text
    assert f"Coût total du PIP {_fcfa(total)}" in text
    assert "Supprimer définitivement ce plan" in text
    html = page.get_data(as_text=True)
    assert f'name="seen_actions" type="hidden" value="{actions}"' in html
    assert f'name="seen_total" type="hidden" value="{total}"' in html

    deleted = planner_client.post(f"/plans/{plan_id}/supprimer", data=_confirmation(complete))
    assert deleted.status_code == 303 and deleted.headers["Location"].endswith("/plans/")
    listing = text_of(planner_client.get("/plans/"))
    assert f"Plan « {title} » supprimé, avec ses {actions} actions" in listing
    assert not _exists(session, plan_id)
    assert planner_client.get(f"/plans/{plan_id}").status_code == 404

    journal = text_of(admin_client.get("/journal?action=plan.delete"))
    assert "Brouillon de plan supprimé" in journal and f"Plan n°{plan_id} (supprimé)" in journal
    assert f"Titre : {title}" in journal and f"Coût total du PIP : {_fcfa(total)}" in journal
    assert f"Actions : {actions}" in journal and "Test planner" in journal


def test_an_administrator_deletes_a_draft_and_a_reviewer_is_refused(admin_client, reviewer_client, session, plan):
    assert "Supprimer ce brouillon" not in text_of(reviewer_client.get(f"/plans/{plan.id}"))
    assert reviewer_client.get(f"/plans/{plan.id}/supprimer").status_code == 403
    assert reviewer_client.post(f"/plans/{plan.id}/supprimer", data=_confirmation(plan)).status_code == 403
    assert _exists(session, plan.id)

    assert "Supprimer ce brouillon" in text_of(admin_client.get(f"/plans/{plan.id}"))
    page = text_of(admin_client.get(f"/plans/{plan.id}/supprimer"))
    assert "Lecture seule" not in page and "Actions du PIP 0 action " in page
    assert admin_client.post(f"/plans/{plan.id}/supprimer", data=_confirmation(plan)).status_code == 303
    assert not _exists(session, plan.id)


def test_a_plan_ever_submitted_offers_no_deletion(planner_client, session, complete, planner):
    workflow.transition(session, complete, planner, PlanStatus.SOUMIS, seen_status=PlanStatus.BROUILLON)
    workflow.transition(session, complete, planner, PlanStatus.BROUILLON, seen_status=PlanStatus.SOUMIS)
    session.commit()
    assert "Supprimer ce brouillon" not in text_of(planner_client.get(f"/plans/{complete.id}"))

    page = planner_client.get(f"/plans/{complete.id}/supprimer")
    assert page.status_code == 200
    assert "il ne peut plus être supprimé, même revenu en brouillon" in text_of(page)
    assert "Supprimer définitivement ce plan" not in text_of(page)
    refused = planner_client.post(f"/plans/{complete.id}/supprimer", data=_confirmation(complete))
    assert refused.status_code == 409
    assert "il ne peut plus être supprimé, même revenu en brouillon" in text_of(refused)
    assert _exists(session, complete.id)


def test_a_plan_changed_since_the_confirmation_page_is_shown_again(planner_client, session, complete):
    seen = _confirmation(complete)
    stale = planner_client.post(f"/plans/{complete.id}/supprimer",
                                data={**seen, "seen_actions": str(int(seen["seen_actions"]) - 1)})
    assert stale.status_code == 409
    text = text_of(stale)
    assert "Le plan a changé depuis l'affichage de la confirmation" in text
    assert f"Actions du PIP {seen['seen_actions']} actions" in text  # the page shows the plan as it is now
    assert f'name="seen_actions" type="hidden" value="{seen["seen_actions"]}"' in stale.get_data(as_text=True)
    empty = planner_client.post(f"/plans/{complete.id}/supprimer", data={})
    assert empty.status_code == 400 and "La confirmation est incomplète" in text_of(empty)
    assert _exists(session, complete.id)


# ----- Withdrawing a submission -----

def test_the_planner_withdraws_the_submission_from_the_plan_page(planner_client, session, complete):
    assert post_status(planner_client, complete, "brouillon", "soumis").status_code == 303
    overview = planner_client.get(f"/plans/{complete.id}")
    text = text_of(overview)
    assert "Statut : Soumis" in text and "sauf si vous retirez la soumission" in text
    assert 'name="to_status" value="brouillon"' in overview.get_data(as_text=True)

    withdrawn = post_status(planner_client, complete, "soumis", "brouillon", retour="plan")
    assert withdrawn.status_code == 303 and withdrawn.headers["Location"].endswith(f"/plans/{complete.id}")
    text = text_of(planner_client.get(f"/plans/{complete.id}"))
    assert "Soumission retirée : le plan est de nouveau un brouillon, modifiable." in text
    assert "Statut : Brouillon" in text and "Supprimer ce brouillon" not in text  # it was submitted once
    history = text_of(planner_client.get(f"/plans/{complete.id}/revue"))
    assert "Soumis Brouillon" in history and "Test planner" in history


def test_a_withdrawal_after_a_reviewer_took_the_plan_is_a_409_in_french(planner_client, reviewer_client, session,
                                                                         complete):
    assert post_status(planner_client, complete, "brouillon", "soumis").status_code == 303
    assert "Retirer la soumission" in text_of(planner_client.get(f"/plans/{complete.id}"))
    assert post_status(reviewer_client, complete, "soumis", "en_revue").status_code == 303

    late = post_status(planner_client, complete, "soumis", "brouillon", retour="plan")
    assert late.status_code == 409
    text = text_of(late)
    assert "Le statut du plan a changé entre-temps" in text
    assert "Ce plan est « En revue »" in text and "et non plus « Soumis »" in text
    session.expire_all()
    assert session.get(Plan, complete.id).status is PlanStatus.EN_REVUE
    assert "Retirer la soumission" not in text_of(planner_client.get(f"/plans/{complete.id}"))


def test_a_withdrawal_and_a_review_at_the_same_moment_one_wins_the_other_gets_409(
        planner_client, reviewer_client, session, complete):
    assert post_status(planner_client, complete, "brouillon", "soumis").status_code == 303
    start = threading.Barrier(2)
    answers = {}

    def send(who, client, target):
        start.wait()
        answers[who] = post_status(client, complete, "soumis", target)

    threads = [threading.Thread(target=send, args=("planner", planner_client, "brouillon")),
               threading.Thread(target=send, args=("reviewer", reviewer_client, "en_revue"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = {who: answer.status_code for who, answer in answers.items()}
    assert sorted(codes.values()) == [303, 409], codes
    winner = "planner" if codes["planner"] == 303 else "reviewer"
    loser = "reviewer" if winner == "planner" else "planner"
    assert "Le statut du plan a changé entre-temps" in text_of(answers[loser])
    assert "et non plus « Soumis »" in text_of(answers[loser])
    session.expire_all()
    expected = PlanStatus.BROUILLON if winner == "planner" else PlanStatus.EN_REVUE
    assert session.get(Plan, complete.id).status is expected
    moves = session.scalars(sa.select(PlanTransition.to_status).where(PlanTransition.plan_id == complete.id)
                            .order_by(PlanTransition.id)).all()
    assert moves == ["soumis", expected.value]
