"""The demo's execution: Koniakary's plan (docs/DOMAIN.md §14, TC1) adopted, and its first year, 2025, recorded —
one action realised and working, one in progress, one abandoned, one not started, and the diaspora association
having paid part of what it promised; two indicators measured. Invented for the demonstration, like the PIP itself.

The plan goes through the review as a user would (plans/review/workflow.py: submitted and adopted by the demo
planner, taken and validated by the demo reviewer) when those accounts exist (`flask setup` creates them); without
them (`flask demo seed` on a database without the demo accounts) the status and the deliberation are set as the
adoption would leave them. The execution is saved through plans/execution/service.py, so its rules hold.
Nothing is done to a plan already executed, already moved through the review, or edited into a later revision.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import User
from plans.accounts.service import DEMO_PLANNER_EMAIL, DEMO_REVIEWER_EMAIL
from plans.core.errors import ValidationError
from plans.demo import data as D
from plans.execution import measures
from plans.execution import service as execution
from plans.execution.models import ExecutionRecord
from plans.planning.models import Plan, PlanStatus
from plans.review import comments, workflow
from plans.review.models import PlanTransition

YEAR = 2025
DELIBERATION = {"deliberation_number": "07/CC-KNK-2024", "deliberation_date": date(2024, 12, 20),
                "council_session": "Session ordinaire du conseil communal de décembre 2024"}
# Submitted, taken in review, validated: the days of the demo's review, before the deliberation.
REVIEW_DAYS = (date(2024, 11, 12), date(2024, 11, 18), date(2024, 12, 2))
ADOPTION_RECORDED = date(2024, 12, 23)  # the deliberation of 20 December recorded in the app

# Action title → the 2025 record; "funding": (mobilised, paid) per funding line, in the action's order.
EXECUTION_2025 = {
    "Extension du CSCOM": {
        "status": "realise", "progress": 100, "start_date": "2025-02-03", "end_date": "2025-11-28",
        "contractor": "Entreprise Diarra et Frères (démonstration)", "functioning": "fonctionnel",
        "observations": "Réception provisoire le 28/11/2025. L'association Enndam Jombuku a versé 2 500 000 FCFA "
                        "sur les 4 500 000 promis ; le reste est attendu en 2026.",
        # CTC 31 500 000, Enndam Jombuku 4 500 000 (2 500 000 received), commune 9 000 000
        "funding": [(31_500_000, 31_500_000), (2_500_000, 2_500_000), (9_000_000, 9_000_000)]},
    "Adduction d'eau potable du quartier Khasso": {
        "status": "en_cours", "progress": 25, "start_date": "2025-09-15",
        "contractor": "Société malienne de forages (démonstration)",
        "observations": "Forage réalisé ; château d'eau en construction.",
        # ANICT 48 000 000, commune 6 000 000, population 6 000 000 in kind
        "funding": [(24_000_000, 15_000_000), (2_000_000, 2_000_000), (0, 0)]},
    "Restauration du Tata": {
        "status": "abandonne", "progress": 5, "start_date": "2025-03-10", "end_date": "2025-05-30",
        "observations": "Travaux arrêtés : désaccord sur l'emprise avec les familles riveraines. À reprogrammer "
                        "dans la révision du plan.",
        # État 12 500 000, Villetaneuse 7 500 000, Enndam Jombuku 5 000 000
        "funding": [(1_000_000, 1_000_000), (0, 0), (0, 0)]},
}


# Indicator name → its 2025 measure (the suggested indicators of plans/planning/sectiondata/suivi.py).
MEASURES_2025 = {
    "Montant mobilisé auprès de la diaspora": {"value": "2 500 000", "source": "Compte administratif 2025"},
    "Point focal migration désigné": {"value": "Oui", "source": "Arrêté du maire n° 12 (démonstration)"},
}


def _user(session: Session, email: str) -> Optional[User]:
    return session.scalar(sa.select(User).where(User.email == email))


def _adopt(session: Session, plan: Plan) -> None:
    planner, reviewer = _user(session, DEMO_PLANNER_EMAIL), _user(session, DEMO_REVIEWER_EMAIL)
    if planner is not None and reviewer is not None and access.can_edit_owner_plans(planner, plan.owner):
        try:
            with session.begin_nested():
                moves = []
                for user, seen, target in ((planner, "brouillon", "soumis"), (reviewer, "soumis", "en_revue"),
                                           (reviewer, "en_revue", "valide")):
                    if target == "valide":  # the reviewer went through the whole checklist first
                        for key in comments.REVIEW_CHECKLIST:
                            comments.set_check(session, plan, reviewer, key, True)
                    moves.append(workflow.transition(session, plan, user, target, seen_status=seen))
                # The review happened before the council's vote of December 2024 (workflow refuses a deliberation
                # dated before the validation): the demo's moves are dated then, not on the day of the seed.
                for move, day in zip(moves, REVIEW_DAYS):
                    move.at = datetime.combine(day, time(10, 0))
                session.flush()
                adopted = workflow.transition(session, plan, planner, "adopte", seen_status="valide",
                                              deliberation=DELIBERATION)
                adopted.at = datetime.combine(ADOPTION_RECORDED, time(10, 0))
                session.flush()
            return
        except (ValidationError, PermissionError):
            pass  # the demo plan was edited into something not submittable: adopted as below
    plan.status = PlanStatus.ADOPTE
    plan.deliberation_number = DELIBERATION["deliberation_number"]
    plan.deliberation_date = DELIBERATION["deliberation_date"]
    plan.council_session = DELIBERATION["council_session"]
    session.flush()


def seed_koniakary_execution(session: Session) -> Optional[str]:
    """Adopts Koniakary's demo plan and records its 2025 execution (see the module's docstring). Returns a French
    line for the terminal, None when nothing was done. The caller commits."""
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID).order_by(Plan.revision.desc()).limit(1))
    if plan is None or plan.revision != 1:
        return None
    if session.scalar(sa.select(ExecutionRecord.id).where(ExecutionRecord.plan_id == plan.id).limit(1)):
        return None
    if plan.status is PlanStatus.BROUILLON:
        if session.scalar(sa.select(PlanTransition.id).where(PlanTransition.plan_id == plan.id).limit(1)):
            return None
        _adopt(session, plan)
    if not execution.is_open(plan):
        return None
    planner = _user(session, DEMO_PLANNER_EMAIL)
    author = planner if planner is not None and execution.may_edit(planner, plan) else None
    actions = {a.title: a for a in plan.actions}
    for title, spec in EXECUTION_2025.items():
        action = actions.get(title)
        if action is None or len(action.funding_lines) != len(spec["funding"]):
            continue
        data = {**{k: v for k, v in spec.items() if k != "funding"},
                "funding": [{"mobilised": m, "paid": p} for m, p in spec["funding"]]}
        execution.save(session, plan, action, YEAR, data, 0, author)
    for name, value in MEASURES_2025.items():
        indicator = next((i for i in plan.indicators if i.name == name), None)
        if indicator is not None:
            measures.save(session, plan, indicator, YEAR, {**value, "measured_on": min(date(2025, 12, 31),
                                                                                        date.today())}, 0, author)
    session.flush()
    return (f"{plan.title} : adopté (délibération n° {DELIBERATION['deliberation_number']}), exécution {YEAR} "
            "enregistrée (une action réalisée, une en cours, une abandonnée, la diaspora payée en partie).")
