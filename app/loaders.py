"""Loading the objects a URL names, with the access checks of the web layer: 404 when the object does not exist,
403 when the logged-in user may not have it. Every view that takes a plan, an account or a grouping from its URL
starts here, so the rules are the same on every page (the rules themselves are in plans.accounts.access and
plans.review.workflow; this module only turns their answers into HTTP errors).

    readable_plan(id)    the plan, if the user may read it (its owner is theirs, or in their scope)      404/403
    editable_plan(id)    the plan, if the user may also change it now (a planner of its owner, and the
                         plan's status still allows changes)                                             404/403
    can_edit(plan)       the same question as editable_plan, as a boolean for templates ("Modifier" links)
    user_or_404(id)      an account (the pages that use it are for administrators: their routes check the role)
    grouping_or_404(id)  a grouping of collectivités
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.extensions import db
from plans.accounts import access
from plans.accounts.models import User
from plans.owners import service as owners_service
from plans.owners.models import PlanOwner
from plans.planning.models import Plan
from plans.review import workflow


def readable_plan(plan_id: int, options=()) -> Plan:
    """`options`: SQLAlchemy loader options, e.g. plans.planning.completeness.load_options() for a page that
    shows the checklist. The owner comes in the plan's own query: every caller checks access against it."""
    plan = db.session.get(Plan, plan_id, options=(joinedload(Plan.owner), *options))
    if plan is None:
        abort(404, "Ce plan n'existe pas.")
    if not access.can_read_owner(current_user, plan.owner):
        abort(403, "Ce plan appartient à une autre collectivité.")
    return plan


def can_edit(plan: Plan) -> bool:
    return access.can_edit_owner_plans(current_user, plan.owner) and workflow.is_editable(plan)


def editable_plan(plan_id: int, options=()) -> Plan:
    plan = readable_plan(plan_id, options)
    if not access.can_edit_owner_plans(current_user, plan.owner):
        abort(403, "Seuls les planificateurs de cette collectivité modifient ce plan.")
    if not workflow.is_editable(plan):
        abort(403, f"Ce plan est « {plan.status.label} » : il ne peut plus être modifié.")
    return plan


def user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, "Ce compte n'existe pas.")
    return user


def grouping_or_404(owner_id: int) -> PlanOwner:
    owner = owners_service.grouping_by_id(db.session, owner_id)
    if owner is None:
        abort(404, "Ce groupement n'existe pas.")
    return owner
