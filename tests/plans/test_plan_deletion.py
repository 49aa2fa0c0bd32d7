"""Deleting a draft plan (plans/review/deletion.py) and withdrawing a submission (the soumis → brouillon move of
plans/review/workflow.py): who may, which plan may go, what goes with it, and the races with the other moves."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts.models import Role
from plans.core.audit import AuditEntry
from plans.core.db import Base
from plans.core.errors import ConflictError, ValidationError
from plans.owners import service as owners_service
from plans.planning import finance
from plans.planning import service as plan_service
from plans.planning.models import (
    Action,
    Axis,
    DiasporaAssociation,
    Finding,
    Objective,
    Plan,
    PlanStatus,
    objective_finding,
)
from plans.review import deletion, workflow
from plans.review.models import PlanComment, PlanSnapshot, PlanTransition, ReviewCheck
from tests.plans.test_workflow import build_complete_plan

B, S, R = PlanStatus.BROUILLON, PlanStatus.SOUMIS, PlanStatus.EN_REVUE


@pytest.fixture
def complete(session, planner, koniakary_owner):
    return build_complete_plan(session, koniakary_owner, planner)


@pytest.fixture
def other_plan(session, planner, koniakary_owner):
    """A second plan of the same owner, with its own actions, objectives and findings: it must stay whole."""
    return build_complete_plan(session, koniakary_owner, planner)


def _ids(session, plan_id: int) -> dict[str, set[int]]:
    def ids(stmt):
        return set(session.scalars(stmt))

    axes = ids(sa.select(Axis.id).where(Axis.plan_id == plan_id))
    return {"plan": {plan_id}, "action": ids(sa.select(Action.id).where(Action.plan_id == plan_id)),
            "axis": axes, "objective": ids(sa.select(Objective.id).where(Objective.axis_id.in_(axes))),
            "finding": ids(sa.select(Finding.id).where(Finding.plan_id == plan_id))}


def _rows(session, ids: dict[str, set[int]]) -> dict[str, int]:
    """For every table of PLAN_ROWS, how many of its rows belong to the plan whose ids are given."""
    counts = {}
    for table, _delete in deletion.PLAN_ROWS:
        if table is objective_finding:
            condition = sa.or_(table.c.objective_id.in_(ids["objective"]), table.c.finding_id.in_(ids["finding"]))
        elif "plan_id" in table.c:
            condition = table.c.plan_id.in_(ids["plan"])
        elif "action_id" in table.c:
            condition = table.c.action_id.in_(ids["action"])
        elif "record_id" in table.c:  # an execution record's money (plans/execution/models.py)
            records = sa.table("execution_record", sa.column("id"), sa.column("plan_id"))
            condition = table.c.record_id.in_(sa.select(records.c.id).where(records.c.plan_id.in_(ids["plan"])))
        else:
            condition = table.c.axis_id.in_(ids["axis"])
        counts[table.name] = session.scalar(sa.select(sa.func.count()).select_from(table).where(condition))
    counts["plan"] = session.scalar(sa.select(sa.func.count()).select_from(Plan).where(Plan.id.in_(ids["plan"])))
    return counts


def _seen(plan: Plan) -> dict:
    return {"seen_actions": len(plan.actions), "seen_total": finance.plan_finance(plan).total}


def _with_review_rows(session, plan: Plan, user) -> None:
    """What a draft may hold beyond its content: a reviewer's comment, a checklist item, an import's snapshot."""
    session.add_all([PlanComment(plan_id=plan.id, section="identification", body="Précisez les dates."),
                     ReviewCheck(plan_id=plan.id, key="objectifs_constats", checked=True),
                     PlanSnapshot(plan_id=plan.id, kind="import", document={}, user_id=user.id)])
    session.commit()


def test_deleting_a_draft_removes_every_row_of_the_plan_and_nothing_else(session, complete, other_plan, planner):
    _with_review_rows(session, complete, planner)
    plan_id, title = complete.id, complete.title
    deleted_ids, kept_ids = _ids(session, plan_id), _ids(session, other_plan.id)
    before, kept_before = _rows(session, deleted_ids), _rows(session, kept_ids)
    # The test case holds rows in the tables that matter, so "0 after" proves something.
    for name in ("action", "funding_line", "schedule_entry", "axis", "objective", "objective_finding", "finding",
                 "indicator", "plan_change", "plan_comment", "review_check", "plan_snapshot", "plan_section_state"):
        assert before[name] > 0, name
    associations = session.scalar(sa.select(sa.func.count()).select_from(DiasporaAssociation))
    seen = _seen(complete)

    summary = deletion.delete_plan(session, complete, planner, ip="10.0.0.7", **seen)
    session.commit()

    assert (summary.title, summary.actions, summary.total) == (title, seen["seen_actions"], seen["seen_total"])
    assert _rows(session, deleted_ids) == {name: 0 for name in before}
    assert _rows(session, kept_ids) == kept_before
    assert session.get(Plan, plan_id) is None
    # The owner's associations outlive the plan (other plans may be funded by them).
    assert session.scalar(sa.select(sa.func.count()).select_from(DiasporaAssociation)) == associations
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "plan.delete"))
    assert (entry.user_id, entry.target, entry.ip) == (planner.id, f"plan:{plan_id}", "10.0.0.7")
    assert entry.details["title"] == title and entry.details["owner"] == "Koniakary"
    assert (entry.details["actions"], entry.details["total_fcfa"]) == (seen["seen_actions"], seen["seen_total"])


def test_every_table_that_holds_rows_of_a_plan_is_in_the_deletion():
    """A table that points at a plan's rows (directly or through another such table) and is not listed would keep
    rows of a deleted plan, or make the deletion fail on its foreign key. SET NULL links (an association named by a
    funding line, an objective named by an action) are links, not ownership."""
    owned = {"plan"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.sorted_tables:
            if table.name in owned:
                continue
            if any(fk.column.table.name in owned and fk.ondelete != "SET NULL" for fk in table.foreign_keys):
                owned.add(table.name)
                changed = True
    assert owned - {"plan"} == {table.name for table, _delete in deletion.PLAN_ROWS}


def test_an_administrator_deletes_a_draft_and_a_reviewer_never(session, plan, reviewer, admin, make_user):
    other_owner = owners_service.commune_owner(session, "ML010101")
    other_planner = make_user(Role.PLANNER, email="autre@commune.ml", owners=[other_owner])
    for who in (reviewer, other_planner):
        with pytest.raises(PermissionError) as refused:
            deletion.delete_plan(session, plan, who, **_seen(plan))
        session.rollback()
        assert str(refused.value) == ("Seuls les planificateurs de la collectivité et les administrateurs peuvent "
                                      "supprimer un plan.")
    assert session.get(Plan, plan.id) is plan
    plan_id = plan.id
    deletion.delete_plan(session, plan, admin, **_seen(plan))
    session.commit()
    assert session.get(Plan, plan_id) is None


def test_a_plan_ever_submitted_is_never_deleted_even_withdrawn(session, complete, planner):
    workflow.transition(session, complete, planner, S, seen_status=B)
    workflow.transition(session, complete, planner, B, seen_status=S)
    session.commit()
    assert complete.status is B and workflow.is_editable(complete)
    submitted = workflow.transitions(session, complete)[0].at

    with pytest.raises(ValidationError) as refused:
        deletion.delete_plan(session, complete, planner, **_seen(complete))
    session.rollback()
    assert refused.value.errors == {"": [
        f"Ce plan a été soumis à la revue le {submitted:%d/%m/%Y} : il ne peut plus être supprimé, même revenu en "
        "brouillon (la DGCT garde la trace de tout plan qui lui a été soumis)."]}
    assert session.get(Plan, complete.id) is complete and len(workflow.transitions(session, complete)) == 2
    assert deletion.refusal(session, complete) is not None


@pytest.mark.parametrize("status", [s for s in PlanStatus if s is not B], ids=lambda s: s.value)
def test_only_a_draft_is_deleted(session, plan, planner, status):
    plan.status = status
    session.commit()
    with pytest.raises(ValidationError) as refused:
        deletion.delete_plan(session, plan, planner, **_seen(plan))
    session.rollback()
    assert refused.value.errors == {"": [f"Ce plan est « {status.label} » : seul un brouillon qui n'a jamais été "
                                         "soumis à la revue peut être supprimé."]}
    assert session.get(Plan, plan.id) is plan


def test_a_later_revision_is_never_deleted(session, planner, koniakary_owner):
    revision = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC révisé", period_start=2025,
                                        user=planner)
    revision.revision = 2
    session.commit()
    with pytest.raises(ValidationError) as refused:
        deletion.delete_plan(session, revision, planner, **_seen(revision))
    session.rollback()
    assert refused.value.messages[0].startswith("Ce plan est la révision 2 d'un plan adopté")
    assert session.get(Plan, revision.id) is revision


def test_a_plan_changed_since_the_confirmation_is_not_deleted(session, complete, planner):
    seen = _seen(complete)
    for stale in ({**seen, "seen_actions": seen["seen_actions"] - 1}, {**seen, "seen_total": seen["seen_total"] + 1}):
        with pytest.raises(ConflictError) as refused:
            deletion.delete_plan(session, complete, planner, **stale)
        session.rollback()
        assert str(refused.value).startswith("Le plan a changé depuis l'affichage de la confirmation")
    assert session.get(Plan, complete.id) is complete and len(complete.actions) == seen["seen_actions"]


def test_a_submission_that_came_first_stops_the_deletion(session, complete, planner, app):
    """Another request submitted the plan after this one loaded it: the deletion's guard reads the row again."""
    with Session(bind=session.get_bind()) as other:
        workflow.transition(other, other.get(Plan, complete.id), other.merge(planner), S, seen_status=B)
        other.commit()
    assert complete.status is B  # this session has not seen it
    with pytest.raises(ValidationError):
        deletion.delete_plan(session, complete, planner, **_seen(complete))
    session.rollback()
    assert session.get(Plan, complete.id).status is S


def test_a_move_on_a_plan_deleted_meanwhile_is_a_conflict(session, complete, planner):
    assert workflow.submission_problems(complete) == []  # this request has read the plan…
    with Session(bind=session.get_bind()) as other:
        theirs = other.get(Plan, complete.id)
        deletion.delete_plan(other, theirs, other.merge(planner), **_seen(theirs))
        other.commit()  # … when another one deletes it
    with pytest.raises(ConflictError) as refused:
        workflow.transition(session, complete, planner, S, seen_status=B)
    session.rollback()
    assert str(refused.value) == "Ce plan vient d'être supprimé : votre demande n'a pas été appliquée."


# ----- Withdrawing a submission -----

def test_a_planner_withdraws_a_submission_before_a_reviewer_takes_it(session, complete, planner, reviewer):
    workflow.transition(session, complete, planner, S, seen_status=B)
    session.commit()
    assert [m.target for m in workflow.allowed_moves(planner, complete)] == [B]
    assert [m.target for m in workflow.allowed_moves(reviewer, complete)] == [R]

    record = workflow.transition(session, complete, planner, B, seen_status=S, ip="10.0.0.9")
    session.commit()

    assert complete.status is B and workflow.is_editable(complete)
    assert (record.from_status, record.to_status, record.user_id) == ("soumis", "brouillon", planner.id)
    assert record.at is not None and record.snapshot_id is None
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "plan.transition")
                            .order_by(AuditEntry.id.desc())).first()
    assert (entry.details["from"], entry.details["to"], entry.ip) == ("soumis", "brouillon", "10.0.0.9")
    assert workflow.MOVES_BY_KEY[(S, B)].done == "Soumission retirée : le plan est de nouveau un brouillon, modifiable."
    # Corrected, it is submitted again through the ordinary gate.
    workflow.transition(session, complete, planner, S, seen_status=B)
    session.commit()
    assert complete.status is S


def test_a_withdrawal_is_refused_once_a_reviewer_took_the_plan(session, complete, planner, reviewer):
    workflow.transition(session, complete, planner, S, seen_status=B)
    session.commit()
    with Session(bind=session.get_bind()) as other:  # the reviewer, in another request, first
        workflow.transition(other, other.get(Plan, complete.id), other.merge(reviewer), R, seen_status=S)
        other.commit()

    with pytest.raises(ConflictError) as refused:  # the planner's page still showed « Soumis »
        workflow.transition(session, complete, planner, B, seen_status=S)
    session.rollback()
    message = str(refused.value)
    assert "Ce plan est « En revue »" in message and "et non plus « Soumis »" in message
    assert "par Test reviewer" in message and "votre demande n'a pas été appliquée" in message
    assert session.get(Plan, complete.id).status is R
    assert [t.to_status for t in session.scalars(sa.select(PlanTransition).where(
        PlanTransition.plan_id == complete.id).order_by(PlanTransition.id))] == ["soumis", "en_revue"]
    assert workflow.allowed_moves(planner, complete) == []
