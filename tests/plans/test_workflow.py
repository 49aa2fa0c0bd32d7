"""The review workflow (plans/review/workflow.py): who moves a plan from which status to which, what each move records,
and the revision of an adopted plan."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.core.audit import AuditEntry
from plans.core.errors import ConflictError, ValidationError
from plans.core.vocab import REVIEW_CHECKLIST
from plans.demo import data as D
from plans.demo import seed as demo
from plans.owners import service as owners_service
from plans.planning import sections
from plans.planning.models import Plan, PlanChange, PlanStatus
from plans.review import comments as review_comments
from plans.review import planfile, workflow
from plans.review.models import PlanSnapshot, PlanTransition
from plans.territory.service import unit_by_code

B, S, R, AR, V, A = (PlanStatus.BROUILLON, PlanStatus.SOUMIS, PlanStatus.EN_REVUE, PlanStatus.A_REVISER,
                     PlanStatus.VALIDE, PlanStatus.ADOPTE)
# Voted today: a deliberation is dated on or after the plan's validation (which the tests make today).
DELIBERATION = {"deliberation_number": "2026-014/CC-KNK", "deliberation_date": date.today(),
                "council_session": "Session ordinaire de mars 2026"}


def build_complete_plan(session, owner, user) -> Plan:
    """The Koniakary test case (docs/DOMAIN.md §14) under a new uuid: every section but the adoption complete."""
    seeded = demo.build_plan(session, owner, {**D.TC1, "uuid": None}, user=user, rng=random.Random(7))
    session.commit()
    return session.get(Plan, seeded.id)


@pytest.fixture
def complete(session, planner, koniakary_owner):
    return build_complete_plan(session, koniakary_owner, planner)


@pytest.fixture
def people(make_user, planner, reviewer, admin, session):
    other_owner = owners_service.commune_owner(session, "ML010101")
    session.commit()
    return {"planner": planner, "reviewer": reviewer, "admin": admin,
            "other_planner": make_user(Role.PLANNER, email="autre@commune.ml", owners=[other_owner]),
            "other_region_reviewer": make_user(Role.REVIEWER, email="relecteur-sikasso@dgct.ml",
                                               region=unit_by_code(session, "ML03"))}


def move(session, plan, user, target, seen=None, **kw):
    record = workflow.transition(session, plan, user, target, seen_status=seen or plan.status, **kw)
    session.commit()
    return record


def tick_checklist(session, plan, reviewer):
    for key in REVIEW_CHECKLIST:
        review_comments.set_check(session, plan, reviewer, key, True)
    session.commit()


def set_status(session, plan, status):
    plan.status = status
    session.commit()


def audit_entries(session, action="plan.transition"):
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_the_whole_review_path_records_who_when_why(session, complete, planner, reviewer):
    plan = complete
    move(session, plan, planner, S)
    move(session, plan, reviewer, R)
    move(session, plan, reviewer, AR, reason="Le PIP dépasse les capacités de la commune.")
    move(session, plan, planner, S)
    move(session, plan, reviewer, R)
    tick_checklist(session, plan, reviewer)
    move(session, plan, reviewer, V)
    move(session, plan, planner, A, deliberation=DELIBERATION, ip="10.0.0.5")

    assert plan.status is A
    history = workflow.transitions(session, plan)
    assert [(t.from_status, t.to_status, t.user_id) for t in history] == [
        ("brouillon", "soumis", planner.id), ("soumis", "en_revue", reviewer.id),
        ("en_revue", "a_reviser", reviewer.id), ("a_reviser", "soumis", planner.id),
        ("soumis", "en_revue", reviewer.id), ("en_revue", "valide", reviewer.id), ("valide", "adopte", planner.id)]
    assert history[2].reason == "Le PIP dépasse les capacités de la commune."
    assert all(t.at is not None for t in history)

    snapshots = workflow.snapshots(session, plan)
    assert [s.kind for s in snapshots] == ["soumis", "soumis", "valide", "adopte"]
    assert [t.snapshot_id for t in history] == [snapshots[0].id, None, None, snapshots[1].id, None,
                                                snapshots[2].id, snapshots[3].id]
    assert [s.document["plan"]["status"] for s in snapshots] == ["soumis", "soumis", "valide", "adopte"]
    assert snapshots[0].document["plan"]["uuid"] == plan.uuid
    assert len(snapshots[0].document["plan"]["actions"]) == len(plan.actions)
    adopted = snapshots[3].document["plan"]["sections"]["adoption"]
    assert adopted["deliberation_number"] == "2026-014/CC-KNK"
    assert adopted["deliberation_date"] == date.today().isoformat()

    entries = audit_entries(session)
    assert [(e.user_id, e.details["from"], e.details["to"]) for e in entries] == [
        (t.user_id, t.from_status, t.to_status) for t in history]
    assert entries[2].details["reason"] == "Le PIP dépasse les capacités de la commune."
    assert entries[-1].target == f"plan:{plan.id}" and entries[-1].ip == "10.0.0.5"
    assert entries[-1].details["plan_uuid"] == plan.uuid


def test_the_adoption_records_the_deliberation_in_the_plan_and_its_history(session, complete, planner):
    set_status(session, complete, V)
    move(session, complete, planner, A, deliberation=DELIBERATION)
    assert (complete.deliberation_number, complete.deliberation_date, complete.council_session) == (
        "2026-014/CC-KNK", date.today(), "Session ordinaire de mars 2026")
    change = session.scalar(sa.select(PlanChange).where(PlanChange.plan_id == complete.id,
                                                        PlanChange.section == "adoption")
                            .order_by(PlanChange.id.desc()).limit(1))
    assert change.user_id == planner.id and "numéro de délibération" in change.summary


@pytest.mark.parametrize("deliberation, field", [
    ({}, "deliberation_number"),
    ({"deliberation_date": date(2026, 3, 12)}, "deliberation_number"),
    ({"deliberation_number": "2026-014"}, "deliberation_date"),
    ({"deliberation_number": "2026-014", "deliberation_date": date.today() + timedelta(days=3)}, "deliberation_date"),
    ({"deliberation_number": "2026-014", "deliberation_date": "12/03/2026"}, "deliberation_date"),
])
def test_an_adoption_without_its_deliberation_is_refused(session, complete, planner, deliberation, field):
    set_status(session, complete, V)
    with pytest.raises(ValidationError) as refused:
        workflow.transition(session, complete, planner, A, seen_status=V, deliberation=deliberation)
    session.rollback()
    assert field in refused.value.errors
    assert all(m[0].isupper() for m in refused.value.messages)  # a French sentence, not a code
    assert complete.status is V and complete.deliberation_number is None
    assert workflow.transitions(session, complete) == [] and workflow.snapshots(session, complete) == []


def test_an_incomplete_plan_is_not_submitted_and_the_refusal_lists_what_is_missing(session, plan, planner):
    with pytest.raises(ValidationError) as refused:
        workflow.transition(session, plan, planner, S, seen_status=B)
    session.rollback()
    messages = refused.value.errors["completeness"]
    assert messages[0] == "Le plan ne peut pas être soumis : il manque encore les éléments suivants."
    assert "5. Actions (PIP) : Ajoutez au moins une action au PIP." in messages
    assert "3. Diagnostic migratoire : Indiquez le nombre d'émigrés (total)." in messages
    assert "7. Suivi-évaluation : Ajoutez au moins un indicateur de suivi." in messages
    assert not any(m.startswith("8. Adoption") for m in messages)  # voted after validation
    assert plan.status is B and workflow.transitions(session, plan) == []


def test_a_resubmission_checks_completeness_again(session, complete, planner):
    set_status(session, complete, AR)
    session.delete(complete.indicators[0])
    for indicator in complete.indicators:
        indicator.baseline_value = None
    session.commit()
    with pytest.raises(ValidationError) as refused:
        workflow.transition(session, complete, planner, S, seen_status=AR)
    session.rollback()
    assert "7. Suivi-évaluation : Donnez une valeur de référence à chaque indicateur." in refused.value.messages
    assert complete.status is AR


def test_a_send_back_needs_a_reason(session, complete, reviewer):
    set_status(session, complete, R)
    with pytest.raises(ValidationError) as refused:
        workflow.transition(session, complete, reviewer, AR, seen_status=R, reason="   ")
    session.rollback()
    assert refused.value.errors == {"reason": ["Expliquez au planificateur ce qu'il doit revoir."]}
    assert complete.status is R


ALLOWED = {(m.source, m.target): m.actor for m in workflow.MOVES}


@pytest.mark.parametrize("source, target, actor", [(s, t, a) for (s, t), a in ALLOWED.items()],
                         ids=[f"{s.value}-{t.value}" for s, t in ALLOWED])
def test_every_allowed_move_by_its_actor(session, complete, people, source, target, actor):
    set_status(session, complete, source)
    extra = ({"reason": "À revoir."} if target is AR else {"deliberation": DELIBERATION} if target is A
             else {"confirm_open": True} if target is V else {})  # the checklist is not the point here
    record = move(session, complete, people[actor], target, **extra)
    assert complete.status is target and (record.from_status, record.to_status) == (source.value, target.value)


WRONG_ACTORS = {"planner": ("reviewer", "admin", "other_planner"),
                "reviewer": ("planner", "admin", "other_planner", "other_region_reviewer")}
FORGED_BY_ROLE = [(s, t, who) for (s, t), actor in ALLOWED.items() for who in WRONG_ACTORS[actor]]


@pytest.mark.parametrize("source, target, who", FORGED_BY_ROLE,
                         ids=[f"{s.value}-{t.value}-{w}" for s, t, w in FORGED_BY_ROLE])
def test_a_move_by_the_wrong_role_is_refused_and_changes_nothing(session, plan, people, source, target, who):
    set_status(session, plan, source)
    with pytest.raises(PermissionError) as refused:
        workflow.transition(session, plan, people[who], target, seen_status=source, reason="x",
                            deliberation=DELIBERATION)
    session.rollback()
    assert str(refused.value).startswith("Seuls les ")
    assert plan.status is source
    assert workflow.transitions(session, plan) == [] and audit_entries(session) == []


NOT_A_MOVE = [(s, t) for s in PlanStatus for t in PlanStatus if (s, t) not in ALLOWED]


@pytest.mark.parametrize("source, target", NOT_A_MOVE, ids=[f"{s.value}-{t.value}" for s, t in NOT_A_MOVE])
def test_a_move_the_rules_do_not_list_is_refused_for_everyone(session, plan, people, source, target):
    set_status(session, plan, source)
    for who in ("planner", "reviewer", "admin"):
        with pytest.raises(ValidationError) as refused:
            workflow.transition(session, plan, people[who], target, seen_status=source, reason="x",
                                deliberation=DELIBERATION)
        session.rollback()
        assert refused.value.errors == {
            "to_status": [f"Un plan « {source.label} » ne peut pas passer à « {target.label} »."]}
    assert plan.status is source and workflow.transitions(session, plan) == []


def test_an_unknown_status_is_refused(session, complete, planner):
    with pytest.raises(ValidationError) as refused:
        workflow.transition(session, complete, planner, "publie", seen_status=B)
    assert refused.value.errors == {"to_status": ["Statut inconnu."]}


def test_a_replayed_submission_is_a_conflict_and_records_nothing_more(session, complete, planner):
    move(session, complete, planner, S, seen=B)
    with pytest.raises(ConflictError) as replayed:
        workflow.transition(session, complete, planner, S, seen_status=B)
    session.rollback()
    message = str(replayed.value)
    assert "Ce plan est « Soumis »" in message and "et non plus « Brouillon »" in message
    assert "par Test planner" in message and "Rechargez la page" in message
    assert len(workflow.transitions(session, complete)) == 1 and len(workflow.snapshots(session, complete)) == 1
    assert len(audit_entries(session)) == 1


def test_two_reviewers_taking_the_same_plan_the_second_gets_a_conflict(session, complete, reviewer, make_user):
    other = make_user(Role.REVIEWER, email="deuxieme@dgct.ml")
    set_status(session, complete, S)
    move(session, complete, reviewer, R, seen=S)
    with pytest.raises(ConflictError):
        workflow.transition(session, complete, other, R, seen_status=S)
    session.rollback()
    assert [t.user_id for t in workflow.transitions(session, complete)] == [reviewer.id]


def test_the_status_is_checked_by_the_update_itself(session, complete, reviewer):
    """A status changed by another request after this one loaded the plan: the guarded UPDATE refuses."""
    set_status(session, complete, S)
    assert complete.status is S  # loaded in this session
    session.execute(sa.update(Plan).where(Plan.id == complete.id).values(status=R)
                    .execution_options(synchronize_session=False))
    assert complete.status is S  # this session has not seen it
    with pytest.raises(ConflictError):
        workflow.transition(session, complete, reviewer, R, seen_status=S)
    session.rollback()
    assert workflow.transitions(session, complete) == []


def test_allowed_moves_are_the_buttons_of_each_user(session, complete, people):
    set_status(session, complete, R)
    assert [m.target for m in workflow.allowed_moves(people["reviewer"], complete)] == [AR, V]
    assert workflow.allowed_moves(people["planner"], complete) == []
    assert workflow.allowed_moves(people["other_region_reviewer"], complete) == []
    assert workflow.allowed_moves(people["admin"], complete) == []
    set_status(session, complete, B)
    assert [m.target for m in workflow.allowed_moves(people["planner"], complete)] == [S]
    assert workflow.allowed_moves(people["other_planner"], complete) == []


def test_only_drafts_and_plans_sent_back_are_editable():
    assert {s for s in PlanStatus if workflow.is_editable(Plan(status=s))} == {B, AR}


# ----- Revisions -----

@pytest.fixture
def adopted(session, complete, planner, reviewer):
    move(session, complete, planner, S)
    move(session, complete, reviewer, R)
    tick_checklist(session, complete, reviewer)
    move(session, complete, reviewer, V)
    move(session, complete, planner, A, deliberation=DELIBERATION)
    return complete


def _content(document):
    p = document["plan"]
    return {"sections": {k: v for k, v in p["sections"].items() if k != "adoption"}, "actions": p["actions"],
            "associations": p["diaspora_associations"], "title": p["title"], "period": p["period"]}


def test_a_revision_copies_the_adopted_plan_and_leaves_it_frozen(session, adopted, planner):
    before = planfile.without_timestamp(planfile.export_document(session, adopted))
    revision = workflow.start_revision(session, adopted, planner, ip="10.0.0.9")
    session.commit()

    assert (revision.uuid, revision.revision, revision.status) == (adopted.uuid, 2, B)
    assert revision.id != adopted.id and revision.owner_id == adopted.owner_id
    assert _content(planfile.export_document(session, revision)) == _content(before)
    assert len(revision.actions) == len(adopted.actions) > 0
    assert revision.deliberation_number is None and revision.deliberation_date is None  # needs its own vote
    assert workflow.is_editable(revision) and not workflow.is_editable(adopted)

    session.expire_all()
    old = session.get(Plan, adopted.id)
    assert old.status is A and old.deliberation_number == "2026-014/CC-KNK"
    assert planfile.without_timestamp(planfile.export_document(session, old)) == before
    assert [r.revision for r in workflow.revisions(session, old)] == [1, 2]
    assert workflow.latest_revision(session, old.uuid).id == revision.id

    opened = workflow.transitions(session, revision)
    assert [(t.from_status, t.to_status, t.user_id) for t in opened] == [("adopte", "brouillon", planner.id)]
    entry = audit_entries(session, "plan.revision")[0]
    assert entry.details == {"plan_uuid": adopted.uuid, "from_plan_id": adopted.id, "revision": 2}


def test_a_revision_starts_only_from_the_latest_adopted_revision(session, adopted, planner, reviewer):
    workflow.start_revision(session, adopted, planner)
    session.commit()
    with pytest.raises(ConflictError) as again:
        workflow.start_revision(session, adopted, planner)
    session.rollback()
    assert "La révision 2 de ce plan existe déjà" in str(again.value)
    assert not workflow.can_start_revision(session, planner, adopted)
    with pytest.raises(PermissionError):
        workflow.start_revision(session, adopted, reviewer)
    assert session.scalar(sa.select(sa.func.count()).select_from(Plan).where(Plan.uuid == adopted.uuid)) == 2


def test_a_plan_not_adopted_is_not_revised(session, complete, planner):
    with pytest.raises(ValidationError) as refused:
        workflow.start_revision(session, complete, planner)
    assert refused.value.messages == ["Seul un plan adopté se révise ; ce plan est « Brouillon »."]
    assert not workflow.can_start_revision(session, planner, complete)


def test_the_revision_goes_through_the_workflow_again(session, adopted, planner, reviewer):
    revision = workflow.start_revision(session, adopted, planner)
    session.commit()
    move(session, revision, planner, S)
    assert revision.status is S and adopted.status is A
    assert [s.kind for s in workflow.snapshots(session, revision)] == ["soumis"]
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanSnapshot)
                          .where(PlanSnapshot.plan_id == adopted.id)) == 3
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanTransition)
                          .where(PlanTransition.plan_id == adopted.id)) == 4


# ----- Validating with open points; a deliberation dated before the validation -----

def test_validating_with_open_points_asks_for_confirmation_and_records_what_was_open(session, complete, planner,
                                                                                    reviewer):
    move(session, complete, planner, S)
    move(session, complete, reviewer, R)
    first_key, first_label = next(iter(REVIEW_CHECKLIST.items()))
    for key in REVIEW_CHECKLIST:
        if key != first_key:
            review_comments.set_check(session, complete, reviewer, key, True)
    thread = review_comments.add_comment(session, complete, reviewer, "Le coût du forage est-il réaliste ?")
    review_comments.add_comment(session, complete, planner, "Devis joint.", reply_to=thread)
    session.commit()

    with pytest.raises(ValidationError) as refused:
        move(session, complete, reviewer, V)
    session.rollback()
    messages = refused.value.errors[workflow.CONFIRM_FIELD]
    assert messages[0] == workflow.CONFIRM_NEEDED
    assert messages[1:] == [f"Point de contrôle non coché : {first_label}",
                            "Commentaire non résolu (Le plan dans son ensemble) : « Le coût du forage est-il "
                            "réaliste ? »"]  # one line for the thread, not one per reply
    assert complete.status is R and not audit_entries(session)[-1].details["to"] == "valide"

    record = move(session, complete, reviewer, V, confirm_open=True)
    assert complete.status is V
    assert record.reason.splitlines() == [workflow.VALIDATED_DESPITE, f"- {messages[1]}", f"- {messages[2]}"]
    assert audit_entries(session)[-1].details["open_points"] == messages[1:]


def test_nothing_open_no_confirmation_and_no_note(session, complete, planner, reviewer):
    move(session, complete, planner, S)
    move(session, complete, reviewer, R)
    tick_checklist(session, complete, reviewer)
    thread = review_comments.add_comment(session, complete, reviewer, "Précisez la source.")
    review_comments.add_comment(session, complete, planner, "Fait.", reply_to=thread)
    review_comments.resolve(session, complete, thread, planner)
    session.commit()
    assert workflow.transition(session, complete, reviewer, V, seen_status=R).reason == ""


def test_a_deliberation_dated_before_the_validation_is_questioned(session, complete, planner, reviewer):
    move(session, complete, planner, S)
    move(session, complete, reviewer, R)
    tick_checklist(session, complete, reviewer)
    move(session, complete, reviewer, V)
    before = date.today() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        move(session, complete, planner, A, deliberation={**DELIBERATION, "deliberation_date": before})
    session.rollback()
    assert refused.value.errors == {"deliberation_date": [
        f"La délibération serait datée du {before:%d/%m/%Y}, avant la validation du plan par la DGCT le "
        f"{date.today():%d/%m/%Y} : le conseil adopte le plan validé. Vérifiez la date."]}
    assert complete.status is V
    move(session, complete, planner, A, deliberation=DELIBERATION)  # the same day: adopted
    assert complete.status is A


# ----- The transmission to the tutelle, after the adoption -----

def test_the_transmission_is_recorded_after_the_adoption(session, complete, planner, reviewer, people):
    set_status(session, complete, V)
    with pytest.raises(ValidationError) as refused:  # not adopted yet
        workflow.record_transmission(session, complete, planner, {"transmission_date": date.today(),
                                                                  "transmission_authority": "Préfet"}, 0)
    assert "une fois le plan adopté" in refused.value.errors["transmission_date"][0]
    move(session, complete, planner, A, deliberation=DELIBERATION)
    version = sections.current_version(session, complete, "adoption")
    with pytest.raises(PermissionError):
        workflow.record_transmission(session, complete, reviewer, {"transmission_date": date.today()}, version)
    with pytest.raises(ValidationError) as refused:
        workflow.record_transmission(session, complete, planner, {"transmission_date": date.today()}, version)
    assert refused.value.errors == {"transmission_authority": [
        "Indiquez l'autorité de tutelle destinataire (préfet, sous-préfet…)."]}
    session.rollback()
    with pytest.raises(ValidationError) as refused:
        workflow.record_transmission(session, complete, planner,
                                     {"transmission_date": date.today() - timedelta(days=1),
                                      "transmission_authority": "Préfet de Kayes"}, version)
    assert refused.value.errors == {"transmission_date": [
        "La transmission à la tutelle ne peut précéder la délibération."]}
    session.rollback()

    assert workflow.record_transmission(session, complete, planner, {"transmission_date": date.today(),
                                                                     "transmission_authority": "Préfet de Kayes"},
                                        version, ip="10.0.0.9") is True
    session.commit()
    assert complete.status is A and (complete.transmission_date, complete.transmission_authority) == (
        date.today(), "Préfet de Kayes")
    change = session.scalar(sa.select(PlanChange).where(PlanChange.plan_id == complete.id,
                                                        PlanChange.section == "adoption")
                            .order_by(PlanChange.id.desc()).limit(1))
    assert change.user_id == planner.id and "autorité de tutelle" in change.summary
    assert audit_entries(session, "plan.transmission")[-1].details["transmission_authority"] == "Préfet de Kayes"
    with pytest.raises(ConflictError):  # the form seen before that save
        workflow.record_transmission(session, complete, planner, {"transmission_date": date.today(),
                                                                  "transmission_authority": "Sous-préfet"}, version)
