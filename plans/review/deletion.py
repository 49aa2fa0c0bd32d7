"""Deleting a draft plan: who may, which plan may go, and what goes with it.

Only a plan that was never submitted may be deleted: its first revision (a later revision continues an adopted
plan), still « Brouillon », and with no status change in its history other than to « Brouillon » — a submission
withdrawn (soumis → brouillon, plans/review/workflow.py) still counts: the DGCT has seen the plan. The planners of
its owner and the administrators delete it; reviewers never do.

The person confirms what they saw (the number of actions and the total cost): a plan that changed since the
confirmation page was shown is a ConflictError, as is a plan submitted by another request meanwhile. Deletion
removes every row of the plan in one transaction, children before parents (PLAN_ROWS, in the order the foreign
keys need on SQLite and PostgreSQL), the plan row last; the owner's diaspora associations stay (they belong to the
owner, plans/planning/models.py), and a « plan.delete » entry of the audit log records what was deleted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import Role, User
from plans.core import audit as audit_service
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.planning import finance
from plans.planning.models import (
    Action,
    Axis,
    CodevProject,
    DestinationStock,
    Finding,
    FundingLine,
    Indicator,
    MigrationProfile,
    Objective,
    Plan,
    PlanChange,
    PlanStatus,
    PopulationRecord,
    Priority,
    ProcessStep,
    ScheduleEntry,
    ScoringCriterion,
    SectionState,
    SectorDiagnostic,
    objective_finding,
)
from plans.planning.summary import PlanSummary, PlanSummaryPlace
from plans.review.models import PlanComment, PlanSnapshot, PlanTransition, ReviewCheck


def _by_plan(model) -> Callable[[int], sa.Delete]:
    return lambda plan_id: sa.delete(model).where(model.plan_id == plan_id)


def _actions(plan_id: int):
    return sa.select(Action.id).where(Action.plan_id == plan_id).scalar_subquery()


def _axes(plan_id: int):
    return sa.select(Axis.id).where(Axis.plan_id == plan_id).scalar_subquery()


# The execution's tables (plans/execution/models.py) sit in an area above this one: named here by their table and
# column names only. A draft never has execution rows (only a validated or adopted plan does), but this list names
# every table that holds a plan's rows (tests/plans/test_plan_deletion.py walks the foreign keys).
_EXECUTION_RECORD = sa.table("execution_record", sa.column("id"), sa.column("plan_id"))
_EXECUTION_FUNDING = sa.table("execution_funding", sa.column("record_id"))
_EXECUTION_CHANGE = sa.table("execution_change", sa.column("plan_id"))
_INDICATOR_MEASURE = sa.table("indicator_measure", sa.column("plan_id"))
# a draft never has evidence (execution opens once validated), but the rows are listed so that none is forgotten
_EXECUTION_EVIDENCE = sa.table("execution_evidence", sa.column("plan_id"))


# The national exports' stored lines (plans/reporting/export_parts.py, an area above): written from the plan's rows.
_EXPORT_PART = sa.table("export_part", sa.column("plan_id"))


def _by_plan_id(table) -> Callable[[int], sa.Delete]:
    return lambda plan_id: sa.delete(table).where(table.c.plan_id == plan_id)


#: Every table holding rows of a plan, and the DELETE of one plan's rows, children before their parents: the
#: action's schedule and funding before the action, objectives (and their links to findings) before the axes,
#: status changes before the snapshots they point at. The plan row itself is deleted last, under its guard.
PLAN_ROWS: tuple[tuple[sa.TableClause, Callable[[int], sa.Delete]], ...] = (
    (_EXECUTION_FUNDING, lambda plan_id: sa.delete(_EXECUTION_FUNDING).where(_EXECUTION_FUNDING.c.record_id.in_(
        sa.select(_EXECUTION_RECORD.c.id).where(_EXECUTION_RECORD.c.plan_id == plan_id).scalar_subquery()))),
    (_EXECUTION_RECORD, _by_plan_id(_EXECUTION_RECORD)),
    (_EXECUTION_CHANGE, _by_plan_id(_EXECUTION_CHANGE)),
    (_INDICATOR_MEASURE, _by_plan_id(_INDICATOR_MEASURE)),
    (_EXECUTION_EVIDENCE, _by_plan_id(_EXECUTION_EVIDENCE)),
    (objective_finding, lambda plan_id: sa.delete(objective_finding).where(sa.or_(
        objective_finding.c.objective_id.in_(sa.select(Objective.id).where(Objective.axis_id.in_(_axes(plan_id)))),
        objective_finding.c.finding_id.in_(sa.select(Finding.id).where(Finding.plan_id == plan_id))))),
    (ScheduleEntry.__table__, lambda plan_id: sa.delete(ScheduleEntry).where(
        ScheduleEntry.action_id.in_(_actions(plan_id)))),
    (FundingLine.__table__, lambda plan_id: sa.delete(FundingLine).where(FundingLine.action_id.in_(_actions(plan_id)))),
    (Action.__table__, _by_plan(Action)),
    (Priority.__table__, _by_plan(Priority)),
    (Objective.__table__, lambda plan_id: sa.delete(Objective).where(Objective.axis_id.in_(_axes(plan_id)))),
    (Axis.__table__, _by_plan(Axis)),
    (Finding.__table__, _by_plan(Finding)),
    (ScoringCriterion.__table__, _by_plan(ScoringCriterion)),
    (Indicator.__table__, _by_plan(Indicator)),
    (ProcessStep.__table__, _by_plan(ProcessStep)),
    (PopulationRecord.__table__, _by_plan(PopulationRecord)),
    (SectorDiagnostic.__table__, _by_plan(SectorDiagnostic)),
    (MigrationProfile.__table__, _by_plan(MigrationProfile)),
    (DestinationStock.__table__, _by_plan(DestinationStock)),
    (CodevProject.__table__, _by_plan(CodevProject)),
    (PlanTransition.__table__, _by_plan(PlanTransition)),
    (PlanSnapshot.__table__, _by_plan(PlanSnapshot)),
    (PlanComment.__table__, _by_plan(PlanComment)),
    (ReviewCheck.__table__, _by_plan(ReviewCheck)),
    (PlanChange.__table__, _by_plan(PlanChange)),
    (SectionState.__table__, _by_plan(SectionState)),
    (_EXPORT_PART, _by_plan_id(_EXPORT_PART)),
    (PlanSummaryPlace.__table__, _by_plan(PlanSummaryPlace)),
    (PlanSummary.__table__, _by_plan(PlanSummary)),
)


@dataclass(frozen=True)
class DeletionSummary:
    """What the confirmation page shows and the journal keeps of a plan about to be deleted."""

    plan_id: int
    uuid: str
    title: str
    owner_name: str
    owner_kind: str
    period: str
    actions: int
    total: int  # the PIP's total cost in FCFA (plans/planning/finance.py)
    funding_lines: int
    changes: int  # saved versions in the plan's history
    comments: int


def _count(session: Session, stmt) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def summary(session: Session, plan: Plan) -> DeletionSummary:
    return DeletionSummary(
        plan_id=plan.id, uuid=plan.uuid, title=plan.title, owner_name=plan.owner.name,
        owner_kind=plan.owner.kind_label, period=f"{plan.period_start}–{plan.period_end}",
        actions=len(plan.actions), total=finance.plan_finance(plan).total,
        funding_lines=sum(len(a.funding_lines) for a in plan.actions),
        changes=_count(session, sa.select(PlanChange.id).where(PlanChange.plan_id == plan.id)),
        comments=_count(session, sa.select(PlanComment.id).where(PlanComment.plan_id == plan.id)))


NOT_YOURS = "Seuls les planificateurs de la collectivité et les administrateurs peuvent supprimer un plan."


def may_delete(user: User, plan: Plan) -> bool:
    """The planners of the plan's owner, and the administrators."""
    return user.role is Role.ADMIN or access.can_edit_owner_plans(user, plan.owner)


def first_submission(session: Session, plan: Plan) -> Optional[datetime]:
    """When the plan first left « Brouillon » (None: never). Any status change to another status counts."""
    return session.scalar(sa.select(sa.func.min(PlanTransition.at)).where(
        PlanTransition.plan_id == plan.id,
        sa.or_(PlanTransition.to_status != PlanStatus.BROUILLON.value,
               PlanTransition.from_status != PlanStatus.BROUILLON.value)))


def refusal(session: Session, plan: Plan) -> Optional[str]:
    """Why this plan may not be deleted, in French (None: it may)."""
    if plan.revision > 1:
        return (f"Ce plan est la révision {plan.revision} d'un plan adopté : il ne peut pas être supprimé. Tant "
                f"qu'il est en brouillon, il se modifie ; la révision adoptée reste la référence.")
    if plan.status is not PlanStatus.BROUILLON:
        return (f"Ce plan est « {plan.status.label} » : seul un brouillon qui n'a jamais été soumis à la revue "
                f"peut être supprimé.")
    submitted = first_submission(session, plan)
    if submitted is not None:
        return (f"Ce plan a été soumis à la revue le {submitted:%d/%m/%Y} : il ne peut plus être supprimé, même "
                f"revenu en brouillon (la DGCT garde la trace de tout plan qui lui a été soumis).")
    return None


def delete_plan(session: Session, plan: Plan, user: User, *, seen_actions: int, seen_total: int,
                ip: str = "") -> DeletionSummary:
    """Deletes `plan` and every row it holds. Flushes; the caller commits (or rolls back: nothing is deleted).

    Raises PermissionError (not a planner of its owner nor an administrator), ValidationError (a plan that was
    ever submitted, or a later revision), ConflictError (the plan changed since the user saw `seen_actions`
    actions for `seen_total` FCFA, or another request submitted it meanwhile). Returns what was deleted."""
    if not may_delete(user, plan):
        raise PermissionError(NOT_YOURS)
    session.flush()
    # The guard first: on PostgreSQL the row stays locked until the commit, so a submission sent at the same
    # moment waits, then finds no draft to move; on SQLite the write lock does the same.
    claimed = session.execute(
        sa.update(Plan).where(Plan.id == plan.id, Plan.status == PlanStatus.BROUILLON, Plan.revision == 1)
        .values(updated_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1 and session.scalar(sa.select(Plan.id).where(Plan.id == plan.id)) is None:
        raise ConflictError("Ce plan vient d'être supprimé par une autre personne.")
    session.expire(plan, ["status", "updated_at", "actions"])  # read again, after the guard
    reason = refusal(session, plan)  # a submission that came first is seen here
    if reason is not None:
        raise ValidationError({"": [reason]})
    deleted = summary(session, plan)
    if (deleted.actions, deleted.total) != (seen_actions, seen_total):
        raise ConflictError("Le plan a changé depuis l'affichage de la confirmation : vérifiez ce qui sera "
                            "supprimé ci-dessous, puis confirmez à nouveau.")
    for _table, delete in PLAN_ROWS:
        session.execute(delete(plan.id).execution_options(synchronize_session=False))
    session.execute(sa.delete(Plan).where(Plan.id == plan.id).execution_options(synchronize_session=False))
    session.expunge(plan)  # with its loaded children: none of them may be flushed or read again
    audit_service.record(session, user, "plan.delete", f"plan:{deleted.plan_id}",
                         {"title": deleted.title, "owner": deleted.owner_name, "plan_uuid": deleted.uuid,
                          "actions": deleted.actions, "total_fcfa": deleted.total,
                          "funding_lines": deleted.funding_lines, "changes": deleted.changes,
                          "comments": deleted.comments}, ip)
    session.flush()
    return deleted
