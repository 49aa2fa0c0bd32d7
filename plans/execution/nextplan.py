"""The next plan starts from the last one (issue 16, item 7; docs/DOMAIN.md §15, « The next plan
starts from the last one »).

When a planner opens the next plan of a collectivité — a new plan of the same owner, or a revision of an adopted
plan — and the previous plan has an execution recorded:

- `prefill` writes the « bilan du plan précédent » into the new plan's section 1 (`Plan.previous_review`, an
  editable text, in the plan file and the Word document): what was realised (actions, cost, paid, by sector),
  what was abandoned and why (the observations of its latest record), what is left unrealised, the physical,
  financial and mobilised rates, the diaspora's promised / mobilised / paid. Every figure is
  plans/execution/figures.py's (`plan_execution` at the end of the last year recorded), formatted by
  plans/core/formatting.py; nothing is computed here.
- `carry_over` adds the unrealised actions the planner ticks (figures.UNREALISED: prévu, en cours, suspendu) to the
  new plan, each with what is still to pay (figures.carried_lines): per funding line, what was received and not
  paid becomes an « acquis » line, what was not received yet keeps the line's status; its cost is the action's
  cost − paid (`ActionExecution.remaining`, a typed total with its reason), spread evenly over the new plan's first
  CARRY_YEARS years. Journaled (audit « plan.carry_over ») and in the history of section 5, one save per action.

The previous plan (`previous_plan`): for a revision, the revision before it (same uuid); for a new plan, the
owner's latest validated or adopted plan (another uuid) that has execution records. Its last year is the latest
year recorded. A carried action's uuid is derived from the new plan's and the old action's (`carried_uuid`): an
action already carried (or copied by the revision, same uuid) is not offered again, across exports and revisions.
"""
from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import User
from plans.core import audit, limits
from plans.core.errors import ConflictError, ValidationError
from plans.core.formatting import fcfa, percent
from plans.core.vocab import EXECUTION_STATUSES, SECTORS
from plans.execution import figures, service
from plans.execution.models import ExecutionRecord
from plans.planning import actions as action_service
from plans.planning import finance, sections
from plans.planning.models import EDITABLE_STATUSES, Plan, PlanStatus
from plans.planning.sectiondata import identification

SHARE_DIGITS = 2  # as the annual review (plans/documents/execution_report.py)
CARRY_YEARS = 2  # a carried action's remaining cost is spread over the new plan's first two years
OBSERVATION_CHARS = 300
LIST_CAPS = (None, 20, 10, 5, 0)  # the action lists shortened, in turn, until the text fits limits.TEXT_LONG
CARRY_FIELD = "actions"
NAMESPACE = uuid_module.UUID("5b0f3c36-2d7e-4c53-9a63-6a1f0c2e9d41")

MSG_NOT_DRAFT = ("Ce plan est « {status} » : on ne reprend des actions que dans un plan en brouillon (ou renvoyé "
                 "pour révision).")
MSG_NOT_EDITOR = "Seuls les planificateurs de la collectivité reprennent des actions dans ce plan."
MSG_NO_PREVIOUS = ("Aucun plan précédent de cette collectivité n'a d'exécution enregistrée : il n'y a pas d'action "
                   "à reprendre.")
MSG_NONE_TICKED = "Cochez au moins une action à reprendre."
MSG_UNKNOWN = ("Une action cochée n'est pas (ou plus) à reprendre : rechargez la page.")
MSG_STALE = ("Les actions de ce plan ont changé depuis l'ouverture de cette page (une autre reprise ou une "
             "modification) : rien n'a été repris. Rechargez la page pour voir ce qui reste à reprendre.")


# ----- The previous plan ----------------------------------------------------------------------------------------

def _has_execution(session: Session, plan_id: int) -> bool:
    return session.scalar(sa.select(ExecutionRecord.id).where(ExecutionRecord.plan_id == plan_id).limit(1)) is not None


def last_year(session: Session, plan: Plan) -> Optional[int]:
    """The latest year of `plan`'s execution recorded, None without any."""
    return session.scalar(sa.select(sa.func.max(ExecutionRecord.year)).where(ExecutionRecord.plan_id == plan.id))


def previous_plan(session: Session, plan: Plan) -> Optional[Plan]:
    """The plan `plan` follows (module docstring), None when there is none."""
    if (plan.revision or 1) > 1:
        return session.scalar(sa.select(Plan).where(Plan.uuid == plan.uuid, Plan.revision == plan.revision - 1))
    candidates = session.scalars(
        sa.select(Plan).where(Plan.owner_id == plan.owner_id, Plan.uuid != plan.uuid,
                              Plan.status.in_([PlanStatus.VALIDE, PlanStatus.ADOPTE]),
                              sa.exists().where(ExecutionRecord.plan_id == Plan.id))
        .order_by(Plan.period_end.desc(), Plan.revision.desc(), Plan.id.desc()).limit(1))
    return candidates.first()


def execution_of(session: Session, previous: Plan) -> Optional[figures.PlanExecution]:
    """The previous plan's execution at the end of its last year recorded (figures.plan_execution)."""
    year = last_year(session, previous)
    if year is None:
        return None
    loaded = session.get(Plan, previous.id, options=finance.load_options(), populate_existing=True) or previous
    return figures.plan_execution(loaded, service.records(session, loaded), year)


# ----- The bilan ------------------------------------------------------------------------------------------------

def _share(value) -> str:
    return percent(value, SHARE_DIGITS)


def _listed(lines: list[str], cap: Optional[int], more: str) -> list[str]:
    if cap is None or len(lines) <= cap:
        return lines
    return lines[:cap] + [more.format(n=len(lines) - cap)]


def _observation(a: figures.ActionExecution) -> str:
    text = " ".join(a.observations.split())
    if not text:
        return "motif non renseigné"
    return text if len(text) <= OBSERVATION_CHARS else text[:OBSERVATION_CHARS - 1].rstrip() + "…"


def review_text(ex: figures.PlanExecution, cap: Optional[int] = None) -> str:
    """The bilan of the plan `ex` is the execution of, as French paragraphs separated by blank lines (lists: one
    line per item, starting with « – »). `cap`: at most that many actions per list."""
    plan, year = ex.plan, ex.year
    more = "– … et {n} autre(s) : voir le bilan annuel d'exécution " + str(year) + " du plan précédent."
    realised = [a for a in ex.actions if a.status == "realise"]
    abandoned = [a for a in ex.actions if a.status == "abandonne"]
    left = figures.unrealised(ex)
    parts = [
        f"Bilan du plan précédent « {plan.title} » ({plan.period_start}-{plan.period_end}, révision "
        f"{plan.revision or 1}, {plan.status.label.lower()}), d'après son exécution enregistrée jusqu'à la fin de "
        f"{year}.",
        f"À la fin de {year} : réalisation physique {_share(ex.physical_rate)} ; exécution financière "
        f"{_share(ex.financial_rate)} ({fcfa(ex.paid)} payés sur un coût prévu de {fcfa(ex.planned)}) ; "
        f"mobilisation {_share(ex.mobilised_rate)} ({fcfa(ex.mobilised)} mobilisés).",
    ]
    if realised:
        parts.append("\n".join([f"Actions réalisées ({len(realised)}) :", *_listed(
            [f"– {a.action.title} ({SECTORS.get(a.action.sector, a.action.sector)}) : coût prévu {fcfa(a.cost)}, "
             f"payé {fcfa(a.paid)}." for a in realised], cap, more)]))
    else:
        parts.append("Aucune action n'a été réalisée.")
    sectors = [g for g in ex.by_sector if g.count]
    if sectors:
        parts.append("\n".join(["Réalisation par secteur :", *[
            f"– {g.label} : coût prévu {fcfa(g.planned)}, payé {fcfa(g.paid)} (exécution financière "
            f"{_share(g.financial_rate)}, réalisation physique {_share(g.physical_rate)})." for g in sectors]]))
    if abandoned:
        parts.append("\n".join([f"Actions abandonnées ({len(abandoned)}) :", *_listed(
            [f"– {a.action.title} : {_observation(a)} (payé {fcfa(a.paid)} sur {fcfa(a.cost)})." for a in abandoned],
            cap, more)]))
    if left:
        parts.append("\n".join([f"Actions non réalisées ({len(left)}), à reprendre ou non dans ce plan :", *_listed(
            [f"– {a.action.title} : {EXECUTION_STATUSES.get(a.status, a.status).lower()}, avancement "
             f"{percent(a.progress, 0)}, reste à payer {fcfa(a.remaining)}." for a in left], cap, more)]))
    if ex.diaspora:
        parts.append("\n".join(["Contributions de la diaspora (promis, mobilisé, payé) :", *[
            f"– {r.name} : promis {fcfa(r.promised)}, mobilisé {fcfa(r.mobilised)}, payé {fcfa(r.paid)} "
            f"({_share(r.paid_rate)} du promis)." for r in ex.diaspora],
            f"Total : promis {fcfa(ex.diaspora_promised)}, mobilisé {fcfa(ex.diaspora_mobilised)}, payé "
            f"{fcfa(ex.diaspora_paid)}."]))
    return "\n\n".join(parts)


def fitting_review_text(ex: figures.PlanExecution) -> str:
    """`review_text` with its action lists shortened until it fits a long text (limits.TEXT_LONG)."""
    for cap in LIST_CAPS:
        text = review_text(ex, cap)
        if len(text) <= limits.TEXT_LONG:
            return text
    return text[:limits.TEXT_LONG]


def prefill(session: Session, plan: Plan, user: Optional[User]) -> Optional[Plan]:
    """Writes the bilan of the previous plan into `plan` (a draft just opened) through section 1's save (its
    history names it). Returns the previous plan, None when there is none or it has no execution (nothing
    written). Flushes; the caller commits."""
    previous = previous_plan(session, plan)
    ex = execution_of(session, previous) if previous is not None else None
    if ex is None:
        return None
    data = {**identification.dump(plan), "previous_review": fitting_review_text(ex)}
    sections.save_section(
        session, plan, "identification", sections.current_version(session, plan, "identification"), user,
        apply=lambda: (identification.apply(session, plan, data), "Bilan du plan précédent repris de son "
                       f"exécution à la fin de {ex.year}")[1],
        snapshot=lambda: identification.dump(plan))
    return previous


# ----- Carrying actions over --------------------------------------------------------------------------------------

def carried_uuid(plan: Plan, action_uuid: str) -> str:
    """The uuid an action of the previous plan takes when carried into `plan` (the same for every revision)."""
    return str(uuid_module.uuid5(NAMESPACE, f"{plan.uuid}/{action_uuid}"))


@dataclass
class Candidate:
    execution: figures.ActionExecution
    lines: list[figures.CarriedLine]
    already: bool  # in the new plan already (carried, or copied by the revision)

    @property
    def action(self) -> Any:
        return self.execution.action

    @property
    def key(self) -> str:
        return self.execution.action.uuid


@dataclass
class CarryOver:
    plan: Plan
    previous: Optional[Plan]
    execution: Optional[figures.PlanExecution]
    candidates: list[Candidate]
    version: int  # section 5's version: the form carries it (a stale form is a ConflictError)
    years: list[int]  # the new plan's years the remaining costs are spread over


def carry_over_view(session: Session, plan: Plan) -> CarryOver:
    """What `plan` may carry over from its previous plan (the page)."""
    previous = previous_plan(session, plan)
    ex = execution_of(session, previous) if previous is not None else None
    present = {a.uuid for a in plan.actions}
    candidates = []
    for a in figures.unrealised(ex) if ex is not None else []:
        already = a.action.uuid in present or carried_uuid(plan, a.action.uuid) in present
        candidates.append(Candidate(a, figures.carried_lines(a), already))
    return CarryOver(plan, previous, ex, candidates, sections.current_version(session, plan, "actions"),
                     plan.years[:CARRY_YEARS])


def refusal(user: Optional[User], plan: Plan) -> Optional[str]:
    """Why `user` may not carry actions into `plan` (French), None when they may."""
    if user is not None and not access.can_edit_owner_plans(user, plan.owner):
        return MSG_NOT_EDITOR
    if plan.status not in EDITABLE_STATUSES:
        return MSG_NOT_DRAFT.format(status=plan.status.label)
    return None


def override_reason(c: Candidate, year: int) -> str:
    return (f"Reste à payer de l'action du plan précédent à la fin de {year} : coût prévu {fcfa(c.execution.cost)}, "
            f"payé {fcfa(c.execution.paid)}.")[:300]


def carried_data(plan: Plan, c: Candidate, year: int) -> dict:
    """The new action (plans/planning/actions.py's input) of a candidate: its description as planned, its
    remaining cost as a typed total, its lines still to pay, its schedule over the first years; no objective (the
    new plan has its own orientations) and no co-financing scheme (its shares bind a whole project, not what is
    left of one)."""
    old = c.action
    years = plan.years[:CARRY_YEARS]
    total = c.execution.remaining
    lines = []
    for part in c.lines:
        line = part.execution.line
        base = {"source_type": line.source_type, "source_name": line.source_name or "",
                "association_id": line.association_id, "association_section": line.association_section or "",
                "in_kind": bool(line.in_kind)}
        if part.unspent:
            lines.append({**base, "amount": str(part.unspent), "status": "acquis"})
        if part.to_receive:
            lines.append({**base, "amount": str(part.to_receive), "status": line.status or "promis"})
    return {
        "sector": old.sector, "sub_sector": old.sub_sector or "", "title": old.title,
        "expected_results": old.expected_results or "", "localities": old.localities or "",
        "quantity": str(old.quantity if old.quantity is not None else 1), "unit": old.unit or "",
        "unit_cost": None, "total_override": str(total), "override_reason": override_reason(c, year),
        "maitre_ouvrage": old.maitre_ouvrage or "", "tags": old.tags or "",
        "status": "en_cours" if c.execution.status == "en_cours" else "prevu",
        "lon": old.lon, "lat": old.lat, "location_precision": old.location_precision or "exacte",
        "schedule": {str(y): str(v) for y, v in finance.largest_remainder(total, {y: 1 for y in years}).items()}
        if total and years else {},
        "funding_lines": lines,
    }


def carry_over(session: Session, plan: Plan, keys: Iterable[str], expected_version: Any, user: Optional[User],
               ip: str = "") -> list:
    """Adds the ticked candidates (by the previous plan's action uuid) to `plan`, in the previous plan's order.
    Raises PermissionError (not a planner of the owner), ValidationError (not a draft, nothing ticked, a key not
    offered, an action refused by plans/planning/actions.py's rules), ConflictError (section 5 changed since the
    page was loaded). Flushes; the caller commits (or rolls back: nothing half-carried)."""
    if user is not None and not access.can_edit_owner_plans(user, plan.owner):
        raise PermissionError(MSG_NOT_EDITOR)
    if plan.status not in EDITABLE_STATUSES:
        raise ValidationError({CARRY_FIELD: [MSG_NOT_DRAFT.format(status=plan.status.label)]})
    if sections.parse_version(expected_version) != sections.current_version(session, plan, "actions"):
        raise ConflictError(MSG_STALE)
    view = carry_over_view(session, plan)
    if view.execution is None:
        raise ValidationError({CARRY_FIELD: [MSG_NO_PREVIOUS]})
    wanted = {str(k) for k in keys}
    if not wanted:
        raise ValidationError({CARRY_FIELD: [MSG_NONE_TICKED]})
    offered = {c.key: c for c in view.candidates if not c.already}
    if wanted - set(offered):
        raise ValidationError({CARRY_FIELD: [MSG_UNKNOWN]})
    year = view.execution.year
    created, journal = [], []
    for c in (c for c in view.candidates if c.key in wanted):
        try:
            action = action_service.create_action(
                session, plan, carried_data(plan, c, year), user, uuid=carried_uuid(plan, c.key),
                summary=f"Action « {c.action.title} » reprise du plan précédent (reste à payer "
                        f"{fcfa(c.execution.remaining)})")
        except ValidationError as error:
            raise ValidationError({CARRY_FIELD: [f"« {c.action.title} » n'a pas pu être reprise : "
                                                 + " ".join(error.messages)]}) from error
        created.append(action)
        journal.append({"from": c.key, "to": action.uuid, "title": action.title,
                        "remaining": c.execution.remaining})
    audit.record(session, user, "plan.carry_over", f"plan:{plan.id}",
                 {"plan_uuid": plan.uuid, "from_plan_id": view.previous.id, "year": year, "actions": journal}, ip)
    session.flush()
    return created
