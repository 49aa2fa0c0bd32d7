"""Comments anchored to a plan, a section or an action, and the reviewer's checklist (plans/review/comments.py)."""
from __future__ import annotations

import pytest

from plans.accounts.models import Role
from plans.core.errors import ValidationError
from plans.core.vocab import REVIEW_CHECKLIST
from plans.owners import service as owners_service
from plans.planning.models import Action, PlanStatus
from plans.review import comments as review_service
from plans.review.comments import Anchor
from plans.review.models import PlanComment, ReviewCheck
from plans.territory.service import unit_by_code


@pytest.fixture
def action(session, plan):
    a = Action(plan=plan, sector="sante", title="Extension du CSCOM", unit_cost=45_000_000)
    session.add(a)
    session.commit()
    return a


@pytest.fixture
def outsiders(make_user, session):
    other_owner = owners_service.commune_owner(session, "ML010101")
    session.commit()
    return {"other_planner": make_user(Role.PLANNER, email="autre@commune.ml", owners=[other_owner]),
            "other_region_reviewer": make_user(Role.REVIEWER, email="relecteur-sikasso@dgct.ml",
                                               region=unit_by_code(session, "ML03")),
            "admin": make_user(Role.ADMIN, email="admin@dgct.ml")}


def test_a_reviewer_comments_on_the_plan_a_section_and_an_action(session, plan, reviewer, action):
    on_plan = review_service.add_comment(session, plan, reviewer, "  Bon travail d'ensemble.  ")
    on_section = review_service.add_comment(session, plan, reviewer, "Sources ?", "section:migration")
    on_action = review_service.add_comment(session, plan, reviewer, "Coût unitaire élevé.", f"action:{action.uuid}")
    session.commit()
    assert (on_plan.section, on_plan.action_uuid, on_plan.body) == (None, None, "Bon travail d'ensemble.")
    assert (on_section.section, on_section.action_uuid) == ("migration", None)
    assert (on_action.section, on_action.action_uuid) == (None, action.uuid)
    assert on_action.author_id == reviewer.id and on_action.created_at is not None and not on_action.resolved

    assert review_service.comments(session, plan, Anchor(section="migration")) == [on_section]
    assert review_service.comments(session, plan, Anchor(action_uuid=action.uuid)) == [on_action]
    assert review_service.comments(session, plan, Anchor()) == [on_plan]
    assert review_service.comments(session, plan, Anchor(section="suivi")) == []


def test_the_planner_of_the_owner_replies_on_the_same_anchor(session, plan, reviewer, planner):
    review_service.add_comment(session, plan, reviewer, "Précisez les dates des étapes.", "section:identification")
    review_service.add_comment(session, plan, planner, "Dates ajoutées.", "section:identification")
    session.commit()
    thread = review_service.comments(session, plan, Anchor(section="identification"))
    assert [(c.author_id, c.body) for c in thread] == [(reviewer.id, "Précisez les dates des étapes."),
                                                       (planner.id, "Dates ajoutées.")]


@pytest.mark.parametrize("who", ["other_planner", "other_region_reviewer", "admin"])
def test_who_may_not_read_or_review_the_plan_does_not_comment(session, plan, outsiders, who):
    with pytest.raises(PermissionError):
        review_service.add_comment(session, plan, outsiders[who], "Intrusion.")
    session.rollback()
    assert session.query(PlanComment).count() == 0


@pytest.mark.parametrize("anchor, key, message", [
    ("section:inconnue", "anchor", "Choisissez ce que vous commentez : le plan, une section ou une action."),
    ("action:00000000-0000-0000-0000-000000000000", "anchor", "Cette action n'existe pas (ou plus) dans ce plan."),
    ("ailleurs", "anchor", "Choisissez ce que vous commentez : le plan, une section ou une action."),
])
def test_an_anchor_outside_the_plan_is_refused(session, plan, reviewer, anchor, key, message):
    with pytest.raises(ValidationError) as refused:
        review_service.add_comment(session, plan, reviewer, "Texte", anchor)
    assert refused.value.errors == {key: [message]}


def test_an_action_of_another_plan_is_not_an_anchor(session, plan, reviewer, planner, koniakary_owner):
    from plans.planning import service as plan_service

    other = plan_service.create_plan(session, owner=koniakary_owner, title="Autre plan", period_start=2030,
                                     user=planner)
    foreign = Action(plan=other, sector="sante", title="Ailleurs", unit_cost=1)
    session.add(foreign)
    session.commit()
    with pytest.raises(ValidationError):
        review_service.add_comment(session, plan, reviewer, "Texte", f"action:{foreign.uuid}")


@pytest.mark.parametrize("body, message", [
    ("   ", "Écrivez le commentaire."),
    ("x" * (review_service.MAX_COMMENT + 1),
     f"Un commentaire ne doit pas dépasser {review_service.MAX_COMMENT} caractères."),
])
def test_an_empty_or_huge_comment_is_refused(session, plan, reviewer, body, message):
    with pytest.raises(ValidationError) as refused:
        review_service.add_comment(session, plan, reviewer, body)
    assert refused.value.errors == {"body": [message]}


def test_resolve_and_reopen_and_the_unresolved_count(session, plan, reviewer, planner, action):
    first = review_service.add_comment(session, plan, reviewer, "Un", "section:migration")
    second = review_service.add_comment(session, plan, reviewer, "Deux", f"action:{action.uuid}")
    session.commit()
    assert review_service.unresolved_count(session, plan) == 2

    assert review_service.resolve(session, plan, first, planner) is True
    session.commit()
    assert first.resolved and first.resolved_by_id == planner.id
    assert review_service.unresolved_count(session, plan) == 1
    assert review_service.resolve(session, plan, first, reviewer) is False  # a second click changes nothing
    assert first.resolved_by_id == planner.id

    assert review_service.reopen(session, plan, first, reviewer) is True
    session.commit()
    assert not first.resolved and first.resolved_by_id is None
    assert review_service.reopen(session, plan, first, reviewer) is False
    review_service.resolve(session, plan, second, reviewer)
    session.commit()
    assert review_service.unresolved_counts(session, [plan.id, plan.id + 1000]) == {plan.id: 1}


def test_outsiders_neither_resolve_nor_reopen(session, plan, reviewer, outsiders):
    comment = review_service.add_comment(session, plan, reviewer, "Un")
    session.commit()
    for who in outsiders.values():
        with pytest.raises(PermissionError):
            review_service.resolve(session, plan, comment, who)
    assert not comment.resolved


def test_comments_are_grouped_in_the_plan_order_with_their_labels(session, plan, reviewer, action):
    review_service.add_comment(session, plan, reviewer, "Action", f"action:{action.uuid}")
    review_service.add_comment(session, plan, reviewer, "Suivi", "section:suivi")
    review_service.add_comment(session, plan, reviewer, "Plan")
    review_service.add_comment(session, plan, reviewer, "Migration", "section:migration")
    gone = review_service.add_comment(session, plan, reviewer, "Supprimée", f"action:{action.uuid}")
    gone.action_uuid = "11111111-1111-1111-1111-111111111111"  # an action deleted since
    session.commit()
    groups = review_service.grouped_comments(session, plan)
    assert [(g.label, [c.body for c in g.comments]) for g in groups] == [
        ("Le plan dans son ensemble", ["Plan"]), ("Section 3. Diagnostic migratoire", ["Migration"]),
        ("Section 7. Suivi-évaluation", ["Suivi"]), ("Action 1. Extension du CSCOM", ["Action"]),
        ("Action supprimée depuis", ["Supprimée"])]
    assert groups[0].unresolved == 1


def test_an_adopted_plan_is_frozen_for_comments_and_checklist(session, plan, reviewer, planner):
    comment = review_service.add_comment(session, plan, reviewer, "Avant adoption")
    plan.status = PlanStatus.ADOPTE
    session.commit()
    for call in (lambda: review_service.add_comment(session, plan, reviewer, "Après"),
                 lambda: review_service.resolve(session, plan, comment, planner),
                 lambda: review_service.set_check(session, plan, reviewer, "participation", True)):
        with pytest.raises(PermissionError) as refused:
            call()
        assert str(refused.value) == "Ce plan est adopté : sa revue est close et ne change plus."
    assert not comment.resolved and session.query(PlanComment).count() == 1


# ----- Checklist -----

def test_the_checklist_lists_every_item_unchecked_at_first(session, plan):
    items = review_service.checklist(session, plan)
    assert [i.key for i in items] == list(REVIEW_CHECKLIST)
    assert 6 <= len(items) <= 8 and not any(i.checked for i in items)
    assert all(i.label == REVIEW_CHECKLIST[i.key] for i in items)


def test_a_reviewer_checks_and_unchecks_an_item_with_a_note(session, plan, reviewer):
    assert review_service.set_check(session, plan, reviewer, "participation", True, " Femmes : 35 %. ") is True
    session.commit()
    item = next(i for i in review_service.checklist(session, plan) if i.key == "participation")
    assert (item.checked, item.note, item.user.id) == (True, "Femmes : 35 %.", reviewer.id) and item.at
    assert review_service.set_check(session, plan, reviewer, "participation", True, "Femmes : 35 %.") is False
    assert review_service.set_check(session, plan, reviewer, "participation", False, "Liste des jeunes absente.")
    session.commit()
    row = session.get(ReviewCheck, (plan.id, "participation"))
    assert (row.checked, row.note) == (False, "Liste des jeunes absente.")
    # an item never set and left blank writes no row
    assert review_service.set_check(session, plan, reviewer, "indicateurs", False, "") is False
    assert session.get(ReviewCheck, (plan.id, "indicateurs")) is None


def test_the_checklist_is_the_reviewers_own(session, plan, planner, outsiders):
    for who in (planner, outsiders["other_region_reviewer"], outsiders["admin"]):
        with pytest.raises(PermissionError):
            review_service.set_check(session, plan, who, "participation", True)
    assert session.query(ReviewCheck).count() == 0


def test_an_unknown_item_or_a_long_note_is_refused(session, plan, reviewer):
    with pytest.raises(ValidationError) as unknown:
        review_service.set_check(session, plan, reviewer, "inconnu", True)
    assert unknown.value.messages == ["Point de contrôle inconnu."]
    with pytest.raises(ValidationError) as long_note:
        review_service.set_check(session, plan, reviewer, "participation", True, "x" * 1001)
    assert long_note.value.errors == {"participation": ["La note ne doit pas dépasser 1000 caractères."]}


# ----- Threads -----

def test_a_reply_belongs_to_its_comment_and_the_thread_is_counted_once(session, plan, reviewer, planner, action):
    question = review_service.add_comment(session, plan, reviewer, "Coût unitaire élevé ?", f"action:{action.uuid}")
    other = review_service.add_comment(session, plan, reviewer, "Sources ?", "section:migration")
    reply = review_service.add_comment(session, plan, planner, "Devis joint.", "section:suivi", reply_to=question)
    again = review_service.add_comment(session, plan, reviewer, "Merci, vu.", reply_to=reply)  # a reply's reply
    session.commit()
    assert (reply.parent_id, reply.action_uuid, reply.section) == (question.id, action.uuid, None)  # the anchor
    assert again.parent_id == question.id  # of the thread, whatever was answered
    assert review_service.unresolved_count(session, plan) == 2  # two threads, four comments
    threads = review_service.threads(session, plan)
    assert [(t.root.id, [r.id for r in t.replies]) for t in threads] == [(question.id, [reply.id, again.id]),
                                                                         (other.id, [])]
    assert review_service.commented_actions(session, plan) == {action.uuid: (1, 1)}

    assert review_service.resolve(session, plan, again, planner) is True  # from a reply: the whole thread
    session.commit()
    assert question.resolved and not reply.resolved_at and not again.resolved_at
    assert review_service.threads(session, plan)[0].resolved
    assert review_service.unresolved_counts(session, [plan.id]) == {plan.id: 1}
    assert review_service.commented_actions(session, plan) == {action.uuid: (1, 0)}
    assert review_service.reopen(session, plan, reply, reviewer) is True
    session.commit()
    assert not question.resolved and review_service.unresolved_count(session, plan) == 2


def test_a_reply_to_a_comment_of_another_plan_is_refused(session, plan, reviewer, planner, koniakary_owner):
    from plans.planning import service as plan_service

    other_plan = plan_service.create_plan(session, owner=koniakary_owner, title="Autre plan", period_start=2027)
    foreign = review_service.add_comment(session, other_plan, reviewer, "Ailleurs.")
    session.commit()
    with pytest.raises(ValidationError) as refused:
        review_service.add_comment(session, plan, planner, "Réponse.", reply_to=foreign)
    assert refused.value.errors == {"parent": [review_service.NO_PARENT]}
    for raw in ("abc", str(foreign.id), "99999999"):
        with pytest.raises(ValidationError):
            review_service.parse_parent(session, plan, raw)
    assert review_service.parse_parent(session, plan, "") is None
