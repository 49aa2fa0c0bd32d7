"""A reviewer's work queue: what waits for them, then the other plans they may read, a page at a time.

    queue = work_queue(session, user, page=1)

Four groups, each plan in one, the longest-waiting first, each with the time it has waited since it reached its
status (the last transition into it, plans/review/workflow.py):
- « À prendre en revue »: submitted for the first time (soumis, never sent back), nobody has taken them;
- « Corrigés et soumis à nouveau »: submitted again after a send-back (soumis, with an earlier « à réviser »);
- « En revue chez vous »: en revue, taken by this reviewer (the user of the last move to « en revue »);
- « En revue chez un autre relecteur »: en revue, taken by someone else (for an administrator: every one).
Then every other plan (drafts, plans sent back and not yet corrected, validated, adopted), the most recently
changed first, PAGE_SIZE a page.

Who sees what: the régions of plans.accounts.access.review_regions (a regional reviewer: their région's plans, on
the plan summaries' places, plans/planning/summary.py), every plan for a national reviewer or an administrator.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import Role, User
from plans.core.formatting import since
from plans.owners.models import PlanOwner
from plans.planning.models import Plan, PlanStatus
from plans.planning.summary import PlanSummary, PlanSummaryPlace
from plans.reporting.desk import Page
from plans.review import comments as review_comments
from plans.review.models import PlanTransition

PAGE_SIZE = 50
TO_TAKE, RESUBMITTED, MINE, OTHERS = "a_prendre", "soumis_a_nouveau", "chez_vous", "chez_un_autre"
GROUP_TITLES = {TO_TAKE: "À prendre en revue", RESUBMITTED: "Corrigés et soumis à nouveau",
                MINE: "En revue chez vous", OTHERS: "En revue chez un autre relecteur"}
WAITING = (PlanStatus.SOUMIS.value, PlanStatus.EN_REVUE.value)


@dataclass
class QueueItem:
    plan_id: int
    title: str
    owner: str
    period: str
    status: PlanStatus
    since_at: Optional[datetime]  # when it reached its status
    waited: str  # « depuis 3 jours »
    reviewer: str = ""  # who has it in review
    unresolved_comments: int = 0


@dataclass
class WorkQueue:
    groups: dict[str, list[QueueItem]] = field(default_factory=dict)  # GROUP_TITLES order
    rest: Page = field(default_factory=lambda: Page([], 0, 1, PAGE_SIZE))

    @property
    def waiting(self) -> int:
        """Plans that wait for a reviewer's action (to take, resubmitted, in review with this reviewer)."""
        return sum(len(self.groups[k]) for k in (TO_TAKE, RESUBMITTED, MINE))


def _scope(regions: Optional[set[int]]):
    if regions is None:
        return sa.true()
    return PlanSummary.plan_id.in_(sa.select(PlanSummaryPlace.plan_id)
                                   .where(PlanSummaryPlace.region_id.in_(sorted(regions) or [-1])))


def _name(user: Optional[User]) -> str:
    return (user.full_name or user.email) if user is not None else "un relecteur"


def work_queue(session: Session, user: User, page: int = 1, now: Optional[datetime] = None) -> WorkQueue:
    scope = _scope(access.review_regions(user))
    rows = session.execute(
        sa.select(PlanSummary.plan_id, PlanSummary.status, Plan.title, Plan.period_start, Plan.period_end,
                  PlanOwner.name)
        .join(Plan, Plan.id == PlanSummary.plan_id).join(PlanOwner, PlanOwner.id == PlanSummary.owner_id)
        .where(scope, PlanSummary.status.in_(WAITING))).all()
    history: dict[int, list[PlanTransition]] = {}
    if rows:
        query = (sa.select(PlanTransition).where(PlanTransition.plan_id.in_([r.plan_id for r in rows]))
                 .order_by(PlanTransition.at, PlanTransition.id))
        for t in session.scalars(query):
            history.setdefault(t.plan_id, []).append(t)
    reviewers = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(
        {t.user_id for ts in history.values() for t in ts if t.user_id is not None} or {-1})))}
    comments = _unresolved(session, [r.plan_id for r in rows])

    queue = WorkQueue(groups={k: [] for k in GROUP_TITLES})
    for r in rows:
        status = PlanStatus(r.status)
        moves = history.get(r.plan_id, [])
        last = next((t for t in reversed(moves) if t.to_status == status.value), None)
        item = QueueItem(r.plan_id, r.title, r.name, f"{r.period_start}–{r.period_end}", status,
                         last.at if last else None, since(last.at, now) if last else "",
                         unresolved_comments=comments.get(r.plan_id, 0))
        if status is PlanStatus.SOUMIS:
            sent_back = any(t.to_status == PlanStatus.A_REVISER.value for t in moves)
            queue.groups[RESUBMITTED if sent_back else TO_TAKE].append(item)
        else:
            taker = last.user_id if last is not None else None
            item.reviewer = _name(reviewers.get(taker)) if taker is not None else ""
            mine = taker == user.id and user.role is Role.REVIEWER
            queue.groups[MINE if mine else OTHERS].append(item)
    for items in queue.groups.values():
        items.sort(key=lambda i: (i.since_at or datetime.max, i.plan_id))
    queue.rest = _rest(session, scope, page)
    return queue


def _unresolved(session: Session, plan_ids: list[int]) -> dict[int, int]:
    if not plan_ids:
        return {}
    return review_comments.unresolved_counts(session, plan_ids)


def _rest(session: Session, scope, page: int) -> Page:
    """The plans not waiting for a reviewer, the most recently changed first."""
    where = (scope, PlanSummary.status.not_in(WAITING))
    total = session.scalar(sa.select(sa.func.count()).select_from(PlanSummary).where(*where)) or 0
    last_page = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), last_page)
    rows = session.execute(
        sa.select(PlanSummary.plan_id, PlanSummary.status, Plan.title, Plan.period_start, Plan.period_end,
                  Plan.updated_at, PlanOwner.name)
        .join(Plan, Plan.id == PlanSummary.plan_id).join(PlanOwner, PlanOwner.id == PlanSummary.owner_id)
        .where(*where).order_by(Plan.updated_at.desc(), Plan.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    items = [{"plan_id": r.plan_id, "title": r.title, "owner": r.name, "period": f"{r.period_start}–{r.period_end}",
              "status": PlanStatus(r.status), "updated_at": r.updated_at} for r in rows]
    return Page(items, total, page, PAGE_SIZE)
