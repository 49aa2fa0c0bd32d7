"""Each plan's figures for the national desk, kept in the database: one `plan_summary` row per plan.

The national map, the reviewers' dashboard and its plan table, the work queue and the figures by territory read
these rows instead of loading every plan's actions (700 plans × 40 actions took seconds). A row holds nothing of
its own: every value is what plans/planning/finance.py (`plan_finance`), plans/planning/indicators.py
(`plan_indicators`, `funding_states`, `is_diaspora_funded`), plans/planning/completeness.py (`check_plan`) and
plans/accounts/access.py (`owner_region_ids`) give for the plan as saved — `compute` calls them and copies. The
execution's figures (the exec_* columns) are plans/execution/figures.py's, which this area sits below: the
execution area registers a contributor (`register`; plans/execution/desk_summary.py) whose values `compute` copies.

Who writes it, when (docs/ARCHITECTURE.md, "The plan summaries"):
- a save never recomputes: a session hook notes, after each flush, the plans whose rows changed (the plan, any row
  with a `plan_id` — sections, actions, population, migration profile, section states, the status transitions of
  plans/review/workflow.py —, an action's funding lines and schedule, an axis's objectives, an owner's unit or
  members) and, just before the commit, adds one to those plans' `changes` (one UPDATE). Sections, actions, status
  moves, imports, restores, revisions, a grouping's new members: every path that writes through the ORM is
  covered, today's and tomorrow's, with no call to forget. A deleted plan takes its summary with it (ON DELETE
  CASCADE). Recomputing a 150-action plan in every save took hundreds of milliseconds; counting takes one.
- the readers recompute what is behind: `refresh_stale` (plans without a summary, with one computed by an older
  `FORMULA`, or whose `computed_changes` is behind `changes`), called by every desk page before it reads
  (app/summaries.py), by `flask setup` and by `flask plans refresh-summaries`. A refresh records the `changes` it
  read before loading the plan: a save that commits while it computes leaves the row behind again, so the next
  reader recomputes it — a summary is never taken for fresh when it is not.
A bulk UPDATE or DELETE of plan content that bypasses the ORM is not seen: none exists (plans/review/workflow.py's
status UPDATE is followed by its PlanTransition row, which is), and a new one must call `mark(session, plan_id)`.
A diaspora association belongs to its owner, not to one plan: its change counts for every plan of the owner (their
exports show it: plans/reporting/export_parts.py keeps them under the summaries' generations).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import chain
from typing import Callable, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.core.db import Base, utcnow
from plans.owners.models import GroupingMember, PlanOwner
from plans.planning import completeness, finance, indicators, location
from plans.planning.models import FCFA, Action, Axis, DiasporaAssociation, Plan

# Bump when a stored figure's rule changes: rows of an older formula are recomputed by `refresh_stale`.
# 2: the execution's figures (issue 16, the exec_* columns).
FORMULA = 2

# Rows of these tables change no figure of a summary (the summaries' own, the review's comments and checklist,
# the snapshots, the journal, an execution record's history, the exports' stored parts written from the summary:
# plans/reporting/export_parts.py): a comment does not recompute the plan. The
# execution's records (execution_record, with a plan_id; their money, execution_funding, saved with them) and the
# indicators measured do count: plans/execution/service.py and measures.py also `mark` the plan in each save.
_INERT_TABLES = frozenset({"plan_summary", "plan_summary_place", "plan_comment", "review_check", "plan_snapshot",
                           "audit_entry", "execution_change", "export_part"})
_PLANS, _ACTIONS, _AXES, _OWNERS = "summary.plans", "summary.actions", "summary.axes", "summary.owners"


class PlanSummary(Base):
    """One plan's figures as the desk reads them (see the module's docstring: every value from its one home)."""

    __tablename__ = "plan_summary"

    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    formula: orm.Mapped[int] = orm.mapped_column(default=FORMULA)
    generation: orm.Mapped[int] = orm.mapped_column(default=1)  # + 1 at each refresh: caches compare the sum
    changes: orm.Mapped[int] = orm.mapped_column(default=0, server_default="0")  # + 1 by each committed save
    computed_changes: orm.Mapped[int] = orm.mapped_column(default=0, server_default="0")  # `changes` computed
    refreshed_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    owner_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan_owner.id", ondelete="CASCADE"), index=True)
    owner_kind: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20), index=True)
    revision: orm.Mapped[int] = orm.mapped_column(default=1)
    period_start: orm.Mapped[int]
    period_end: orm.Mapped[int]
    population: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)  # the latest record (indicators' rule)
    population_year: orm.Mapped[Optional[int]]
    emigrants: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    total_cost: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)
    identified: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)  # the funding states (indicators)
    secured: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)
    promised: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)
    to_find: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)
    not_covered: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)
    excess: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)  # financing above the cost (an error)
    diaspora_amount: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)
    diaspora_share: orm.Mapped[Decimal] = orm.mapped_column(sa.Numeric(7, 2), default=Decimal(0))
    actions: orm.Mapped[int] = orm.mapped_column(default=0)
    migration_actions: orm.Mapped[int] = orm.mapped_column(default=0)
    diaspora_actions: orm.Mapped[int] = orm.mapped_column(default=0)
    cost_per_inhabitant: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    emigrants_per_mille: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(14, 1))
    gap: orm.Mapped[Optional[bool]]  # indicators.emigration_gap; None: unknown
    completeness_pct: orm.Mapped[int] = orm.mapped_column(default=0)
    # {sector: [actions, total cost, diaspora amount]} in SECTORS order: what a sector filter counts
    by_sector: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    by_source: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)  # PlanFinance.by_source
    # located actions, withheld ones left out: [[sector, lat, lon, 1 if diaspora-funded else 0], …] in PIP order
    points: orm.Mapped[list] = orm.mapped_column(sa.JSON, default=list)
    # The execution (plans/execution/figures.py, `plan_execution`, at the end of `exec_year`: the latest year with
    # an execution record, money and progress cumulated through it). All NULL for a plan without any record: the
    # desk shows « — », never 0 %. Filled by the contributor plans/execution/desk_summary.py registers (`register`:
    # this area sits below plans/execution and cannot call it).
    exec_year: orm.Mapped[Optional[int]]
    exec_physical_rate: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(7, 2))
    exec_financial_rate: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(7, 2))
    exec_mobilised_rate: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(7, 2))
    exec_mobilised: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    exec_paid: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    exec_weighted_progress: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)  # Σ cost × progress %
    exec_diaspora_promised: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    exec_diaspora_mobilised: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    exec_diaspora_rate: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(7, 2))  # NULL: none promised
    # {sector: [planned, mobilised, paid, Σ cost × progress]}: figures.plan_execution's by_sector groups
    exec_by_sector: orm.Mapped[Optional[dict]] = orm.mapped_column(sa.JSON)

    places: orm.Mapped[list["PlanSummaryPlace"]] = orm.relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PlanSummaryPlace.id")


class PlanSummaryPlace(Base):
    """A (région, cercle) the plan's owner lies in: one row for a commune's plan, one per région and cercle its
    members lie in for a grouping (cercle NULL for a région's own plan). Filters and totals by territory read it."""

    __tablename__ = "plan_summary_place"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan_summary.plan_id", ondelete="CASCADE"),
                                                 index=True)
    region_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("admin_unit.id"), index=True)
    cercle_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("admin_unit.id"), index=True)


# --- computing one plan's summary -----------------------------------------------------------------------------

# Areas above this one add their figures to a summary: each contributor takes the session and the plans being
# computed (loaded with `load_options`) and returns {plan id: {column: value}} (plans/execution/desk_summary.py).
Contributor = Callable[[Session, list[Plan]], dict[int, dict]]
_CONTRIBUTORS: list[Contributor] = []


def register(contributor: Contributor) -> None:
    """Adds a contributor (once); plans/execution/__init__.py registers the execution's."""
    if contributor not in _CONTRIBUTORS:
        _CONTRIBUTORS.append(contributor)


def contributed(session: Optional[Session], plans: list[Plan]) -> dict[int, dict]:
    """Every registered contributor's values for these plans, by plan id."""
    out: dict[int, dict] = {p.id: {} for p in plans}
    if session is None:
        return out
    for contributor in _CONTRIBUTORS:
        for plan_id, values in contributor(session, plans).items():
            out.setdefault(plan_id, {}).update(values)
    return out


def load_options():
    """Everything `compute` reads (finance's options, the sections completeness checks, the owner's units)."""
    owner = orm.joinedload(Plan.owner)
    return (*completeness.load_options(), owner.joinedload(PlanOwner.unit),
            owner.selectinload(PlanOwner.members).joinedload(GroupingMember.unit))


def places(owner: PlanOwner) -> list[tuple[int, Optional[int]]]:
    """(région id, cercle id or None) of the owner's Malian units, each pair once; the régions are
    plans.accounts.access.owner_region_ids' (who may read a plan is decided on the same régions)."""
    regions = access.owner_region_ids(owner)
    units = [owner.unit] if owner.unit is not None else owner.member_units
    out: list[tuple[int, Optional[int]]] = []
    for unit in units:
        if unit is None or unit.is_foreign:
            continue
        chain_ = [*unit.ancestors(), unit]
        region = chain_[0]
        cercle = chain_[1] if len(chain_) > 1 else None
        pair = (region.id, cercle.id if cercle is not None else None)
        if region.id in regions and pair not in out:
            out.append(pair)
    return out


def compute(plan: Plan, summary: Optional[PlanSummary] = None, extra: Optional[dict] = None) -> PlanSummary:
    """The plan's summary (a new row, or `summary` updated in place), from the functions that own each figure;
    `extra`: the contributors' values for it (computed here from the plan's session when not given)."""
    if extra is None:
        extra = contributed(orm.object_session(plan), [plan]).get(plan.id, {})
    pf = finance.plan_finance(plan)
    ind = indicators.plan_indicators(plan, pf)
    states = indicators.funding_states(pf)
    by_sector: dict[str, list[int]] = {}
    points: list[list] = []
    diaspora_actions = 0
    for f in pf.figures:
        action = f.action
        funded_by_diaspora = indicators.is_diaspora_funded(f)
        diaspora_actions += funded_by_diaspora
        sector = by_sector.setdefault(action.sector or "", [0, 0, 0])
        sector[0] += 1
        sector[1] += f.total
        sector[2] += f.diaspora_amount
        # The national map draws these for anyone: a masked site never (plans.accounts.access, PUBLIC).
        lon, lat = location.visible_point(action, reveal_masked=False)
        if lat is not None and lon is not None:
            points.append([action.sector or "", lat, lon, 1 if funded_by_diaspora else 0])
    s = summary if summary is not None else PlanSummary(plan_id=plan.id, generation=0)
    values = dict(
        formula=FORMULA, generation=(s.generation or 0) + 1, refreshed_at=utcnow(), owner_id=plan.owner_id,
        owner_kind=plan.owner.kind.value, status=plan.status.value, revision=plan.revision or 1,
        period_start=plan.period_start, period_end=plan.period_end, population=ind.population,
        population_year=ind.population_year, emigrants=ind.emigrants, total_cost=pf.total,
        identified=states.identified, secured=states.secured, promised=states.promised, to_find=states.to_find,
        not_covered=states.not_covered, excess=pf.excess, diaspora_amount=pf.diaspora_amount,
        diaspora_share=pf.diaspora_share, actions=ind.actions, migration_actions=pf.migration_actions,
        diaspora_actions=diaspora_actions, cost_per_inhabitant=ind.cost_per_inhabitant,
        emigrants_per_mille=ind.emigrants_per_thousand, gap=ind.emigration_gap,
        completeness_pct=completeness.check_plan(plan).percent, by_sector=by_sector,
        by_source={k: v for k, v in pf.by_source.items() if v}, points=points)
    values.update(extra)
    for key, value in values.items():
        setattr(s, key, value)
    wanted = places(plan.owner)
    if [(p.region_id, p.cercle_id) for p in s.places] != wanted:
        s.places = [PlanSummaryPlace(region_id=r, cercle_id=c) for r, c in wanted]
    return s


def refresh(session: Session, plan_ids: Iterable[int]) -> int:
    """Recomputes these plans' summaries from the database (rows as saved, not objects as held in memory) and
    flushes. A plan that no longer exists is skipped (its summary went with it). Returns how many were written."""
    ids = sorted({int(i) for i in plan_ids if i is not None})
    if not ids:
        return 0
    # The rows first: the `changes` read here are at most those of the plan content loaded next, so a save that
    # commits in between leaves `computed_changes` behind and the row stale (the module's docstring).
    existing = {s.plan_id: s for s in session.scalars(
        sa.select(PlanSummary).where(PlanSummary.plan_id.in_(ids)).options(orm.selectinload(PlanSummary.places))
        .execution_options(populate_existing=True))}
    plans = session.scalars(sa.select(Plan).where(Plan.id.in_(ids)).options(*load_options())
                            .execution_options(populate_existing=True)).unique().all()
    extras = contributed(session, list(plans))
    for plan in plans:
        summary = compute(plan, existing.get(plan.id), extras.get(plan.id, {}))
        summary.computed_changes = summary.changes or 0
        if plan.id not in existing:
            session.add(summary)
    session.flush()
    return len(plans)


def stale_plan_ids(session: Session) -> list[int]:
    """Plans without a summary, with one computed by an older FORMULA, or changed since it was computed."""
    query = (sa.select(Plan.id).outerjoin(PlanSummary, PlanSummary.plan_id == Plan.id)
             .where(sa.or_(PlanSummary.plan_id.is_(None), PlanSummary.formula != FORMULA,
                           PlanSummary.computed_changes < PlanSummary.changes)).order_by(Plan.id))
    return list(session.scalars(query))


def refresh_stale(session: Session, batch: int = 50) -> int:
    """Computes the summaries that are missing or behind (flushes; the caller commits). Returns how many."""
    ids = stale_plan_ids(session)
    for start in range(0, len(ids), batch):
        refresh(session, ids[start:start + batch])
    return len(ids)


def refresh_all(session: Session, batch: int = 50) -> int:
    """Every plan's summary recomputed (flushes; the caller commits)."""
    ids = list(session.scalars(sa.select(Plan.id).order_by(Plan.id)))
    for start in range(0, len(ids), batch):
        refresh(session, ids[start:start + batch])
    return len(ids)


# --- the session hook: the saves that change a plan count the change before their commit ------------------------

def mark(session: Session, plan_id: int) -> None:
    """Notes a plan whose change the next commit counts (the hook does it for ORM writes)."""
    session.info.setdefault(_PLANS, set()).add(plan_id)


def _note(session: Session, objects: Iterable[object]) -> None:
    info = session.info
    for obj in objects:
        table = getattr(obj, "__tablename__", None)
        if table is None or table in _INERT_TABLES:
            continue
        if isinstance(obj, Plan):
            info.setdefault(_PLANS, set()).add(obj.id)
        elif isinstance(obj, PlanOwner):
            info.setdefault(_OWNERS, set()).add(obj.id)
        elif isinstance(obj, (GroupingMember, DiasporaAssociation)):  # an association serves its owner's plans
            info.setdefault(_OWNERS, set()).add(obj.owner_id)
        elif getattr(obj, "plan_id", None) is not None:
            info.setdefault(_PLANS, set()).add(obj.plan_id)
        elif getattr(obj, "action_id", None) is not None:
            info.setdefault(_ACTIONS, set()).add(obj.action_id)
        elif getattr(obj, "axis_id", None) is not None:
            info.setdefault(_AXES, set()).add(obj.axis_id)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    # After the flush, new rows have their keys and foreign keys; new, dirty and deleted still list what was flushed.
    _note(session, chain(session.new, session.dirty, session.deleted))


def _pending_plan_ids(session: Session) -> set[int]:
    info = session.info
    ids = set(info.pop(_PLANS, ()))
    actions, axes, owners = info.pop(_ACTIONS, ()), info.pop(_AXES, ()), info.pop(_OWNERS, ())
    if actions:  # the action is usually in the session with its plan_id loaded (its form was saved): no query
        known = {i: plan_id for i in actions
                 if (a := session.identity_map.get(session.identity_key(Action, i))) is not None
                 and (plan_id := sa.inspect(a).dict.get("plan_id")) is not None}  # never loads an expired one
        ids.update(known.values())
        if unknown := sorted(set(actions) - set(known)):
            ids.update(session.scalars(sa.select(Action.plan_id).where(Action.id.in_(unknown))))
    if axes:
        ids.update(session.scalars(sa.select(Axis.plan_id).where(Axis.id.in_(sorted(axes)))))
    if owners:
        ids.update(session.scalars(sa.select(Plan.id).where(Plan.owner_id.in_(sorted(owners)))))
    return ids


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # before_commit runs before the commit's own flush: flush first, so that what is pending is noted too.
    if not any(session.info.get(k) for k in (_PLANS, _ACTIONS, _AXES, _OWNERS)) and not session.new \
            and not session.dirty and not session.deleted:
        return
    session.flush()
    ids = _pending_plan_ids(session)
    if ids:
        session.execute(sa.update(PlanSummary).where(PlanSummary.plan_id.in_(sorted(ids)))
                        .values(changes=PlanSummary.changes + 1).execution_options(synchronize_session=False))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the session's outermost transaction ended (committed or rolled back)
        for key in (_PLANS, _ACTIONS, _AXES, _OWNERS):
            session.info.pop(key, None)
