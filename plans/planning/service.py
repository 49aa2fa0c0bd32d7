"""Creating plans, finding the plans a user may see, and the plan-level rules (period, title)."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import Role, User
from plans.core.errors import ValidationError
from plans.core.vocab import GUIDE_VERSIONS
from plans.owners.models import PlanOwner
from plans.planning.models import Plan, PlanStatus

DEFAULT_PLAN_YEARS = 5
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_PLAN_YEARS = 10


def period_problems(start: int | None, end: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if start is None:
        errors["period_start"] = ["Indiquez l'année de début du plan."]
    elif not MIN_YEAR <= start <= MAX_YEAR:
        errors["period_start"] = [f"L'année de début doit être comprise entre {MIN_YEAR} et {MAX_YEAR}."]
    if end is None:
        errors["period_end"] = ["Indiquez l'année de fin du plan."]
    elif start is not None and not errors:
        if end < start:
            errors["period_end"] = ["L'année de fin doit suivre l'année de début."]
        elif end - start + 1 > MAX_PLAN_YEARS:
            errors["period_end"] = [f"Un plan couvre au plus {MAX_PLAN_YEARS} ans."]
    return errors


def default_period_end(start: int) -> int:
    return start + DEFAULT_PLAN_YEARS - 1


def create_plan(session: Session, *, owner: PlanOwner, title: str, period_start: int | None,
                period_end: int | None = None, guide_version: str = "2018", user: Optional[User] = None) -> Plan:
    title = (title or "").strip()
    if period_start is not None and period_end is None:
        period_end = default_period_end(period_start)
    errors = period_problems(period_start, period_end)
    if not title:
        errors["title"] = ["Donnez un titre au plan."]
    elif len(title) > 300:
        errors["title"] = ["Le titre ne doit pas dépasser 300 caractères."]
    if guide_version not in GUIDE_VERSIONS:
        errors["guide_version"] = ["Version du guide inconnue."]
    if user is not None and not access.can_edit_owner_plans(user, owner):
        errors["owner"] = ["Vous ne pouvez créer de plan que pour vos propres collectivités."]
    if errors:
        raise ValidationError(errors)
    plan = Plan(owner=owner, title=title, period_start=period_start, period_end=period_end,
                guide_version=guide_version, status=PlanStatus.BROUILLON, created_by=user)
    session.add(plan)
    session.flush()
    return plan


def visible_plans_query(user: User) -> sa.Select:
    """Plans a user may read: their owners' for a planner, their région's or all for a reviewer, all for an admin."""
    query = sa.select(Plan).options(orm.joinedload(Plan.owner)).order_by(Plan.updated_at.desc())
    if user.role is Role.PLANNER:
        owner_ids = [o.id for o in user.owners]
        return query.where(Plan.owner_id.in_(owner_ids or [-1]))
    return query


def visible_plans(session: Session, user: User) -> list[Plan]:
    plans = list(session.scalars(visible_plans_query(user)).unique())
    if access.review_regions(user) is not None:
        plans = [p for p in plans if access.can_read_owner(user, p.owner)]
    return plans


def get_plan(session: Session, plan_id: int) -> Optional[Plan]:
    return session.get(Plan, plan_id)
