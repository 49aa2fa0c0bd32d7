"""Section 6 — Financement: computed from the actions, never typed.

Every figure on the page comes from `plans.planning.finance.plan_finance`, the funding states and their labels from
`plans.planning.indicators.funding_states`; the view only loads the plan's actions in a
few queries and hands the result to the template, which formats (filters fcfa, number, percent) and never adds
anything up. The generic route `planning.section` delegates here for the key "financement"; a POST is refused
with 405 (Allow: GET, HEAD) since there is nothing to save.
"""
from __future__ import annotations

from flask import render_template, request
from werkzeug.exceptions import MethodNotAllowed

from app.extensions import db
from app.loaders import can_edit
from plans.core.vocab import FUNDING_SOURCES, FUNDING_STATUSES, SECTORS
from plans.planning import completeness, finance, indicators, sections
from plans.planning.models import Plan

SECTION_KEY = "financement"
ACTIONS_SECTION = "actions"


def render(plan: Plan):
    """The page for GET/HEAD; 405 for any other method."""
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD"],
                               description="Le financement se calcule à partir des actions : "
                                           "il ne se saisit pas. Modifiez les actions (section 5).")
    # The plan comes loaded with completeness.load_options() (app/planning/routes.py, section).
    return render_financement(plan, sections.state(db.session, plan, SECTION_KEY))


def render_financement(plan: Plan, state):
    fin = finance.plan_finance(plan)
    check = completeness.check_plan(plan, fin)  # the checklist reads the figures computed just above
    in_error = [f for f in fin.figures if f.errors]
    return render_template(
        "planning/section_financement.html", plan=plan, check=check, state=state, conflict=None,
        section=sections.section(SECTION_KEY), fin=fin, in_error=in_error, can_edit=can_edit(plan),
        source_labels=FUNDING_SOURCES, sector_labels=SECTORS, status_labels=FUNDING_STATUSES,
        field_label=finance.field_label, actions_key=ACTIONS_SECTION,
        funding=indicators.funding_states(fin), funding_states=indicators.FUNDING_STATES)


