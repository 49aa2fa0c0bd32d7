"""Figures by territory: totals by région (the country) or by cercle (one région), from the plan summaries.

    totals = territory_totals(session, regions=access.review_regions(user), region_code="ML01")
    totals.rows        # one per cercle of Kayes (or per région without region_code), then totals.total

What a row adds up (each plan's figures are its summary's, plans/planning/summary.py; the ratios go through
plans.planning.indicators and plans.planning.finance, never divided here):
- plans by status: every plan whose owner lies in the territory (as the dashboard's région/cercle filter: a
  grouping with members in two régions counts in both; the country's total counts it once);
- the money — investment (cost of the PIPs), diaspora amount and share, funding by source: each owner's current
  plan only (the national map's rule: greatest period_start, then revision, then id), so that a revision or an
  older period does not count the same collectivité twice;
- population, émigrés, investment per inhabitant and émigrés per 1 000: the communes' current plans only (a
  grouping's or a cercle council's population overlaps its communes'); per inhabitant = Σ cost ÷ Σ population of
  the commune plans that have a population (indicators.per_inhabitant), per 1 000 likewise with the émigrés
  (indicators.per_thousand);
- communes with strong emigration and no diaspora-funded action: commune plans (current) whose gap flag is set;
- the execution: the current plans that have one (the summary's exec_* columns: plans/execution/figures.py at the
  end of each plan's latest year recorded, cumulated); their planned cost, mobilised, paid, Σ cost × progress and
  the diaspora's promised and mobilised are added up and read through figures' rates (`totals`: financial = Σ paid
  ÷ Σ cost, physical = Σ cost × progress ÷ Σ cost; `diaspora_rate`: Σ mobilised ÷ Σ promised). A plan without
  execution counts in neither term (its « — » is not a 0 %); a territory without any: « — ».
Each row links to the next level (région → its cercles) and to the dashboard filtered on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.core.vocab import FUNDING_SOURCES
from plans.execution import figures as execution_figures
from plans.owners.models import OwnerKind
from plans.planning import finance, indicators
from plans.planning.models import PlanStatus
from plans.planning.summary import PlanSummary, PlanSummaryPlace
from plans.territory.models import MALI, AdminUnit, TerritoryEdition

STATUSES = [s.value for s in PlanStatus]


@dataclass
class TerritoryRow:
    code: str  # P-code ("" for the total)
    name: str
    plans: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})
    investment: int = 0  # Σ cost of the current plans
    diaspora_amount: int = 0
    by_source: dict[str, int] = field(default_factory=dict)  # FUNDING_SOURCES order
    commune_plans: int = 0  # current commune plans
    commune_cost: int = 0  # Σ cost of the current commune plans that have a population
    population: int = 0  # Σ population of those
    emigrants: int = 0  # Σ émigrés of the current commune plans that have both émigrés and a population
    emigrants_population: int = 0  # Σ population of those
    gap_communes: int = 0
    exec_plans: int = 0  # current plans with an execution recorded
    exec_planned: int = 0  # Σ their cost
    exec_mobilised: int = 0
    exec_paid: int = 0
    exec_weighted_progress: int = 0  # Σ cost × progress %
    exec_diaspora_promised: int = 0
    exec_diaspora_mobilised: int = 0

    @property
    def execution(self) -> Optional[execution_figures.Group]:
        """The execution's rates over the plans that have one (figures.totals), None without any."""
        if not self.exec_plans:
            return None
        return execution_figures.totals(self.exec_planned, self.exec_mobilised, self.exec_paid,
                                        self.exec_weighted_progress)

    @property
    def diaspora_mobilised_rate(self) -> Optional[Decimal]:
        return execution_figures.diaspora_rate(self.exec_diaspora_mobilised, self.exec_diaspora_promised) \
            if self.exec_plans else None

    @property
    def per_inhabitant(self) -> Optional[int]:
        return indicators.per_inhabitant(self.commune_cost, self.population)

    @property
    def diaspora_share(self) -> Optional[Decimal]:
        return finance.share_of(self.diaspora_amount, self.investment) if self.investment else None

    @property
    def emigrants_per_mille(self) -> Optional[Decimal]:
        return indicators.per_thousand(self.emigrants, self.emigrants_population) if self.emigrants_population \
            else None


@dataclass
class TerritoryTotals:
    level: str  # "region" (rows are régions) or "cercle" (rows are one région's cercles)
    region_code: str
    region_name: str
    rows: list[TerritoryRow]
    total: TerritoryRow  # every plan of the territory (a plan in two rows counts once)


def _units(session: Session, level: int, parent_code: str = "") -> list[tuple[int, str, str, Optional[int]]]:
    query = (sa.select(AdminUnit.id, AdminUnit.code, AdminUnit.display_name, AdminUnit.parent_id)
             .join(TerritoryEdition, TerritoryEdition.id == AdminUnit.edition_id)
             .where(AdminUnit.country_iso3 == MALI, AdminUnit.level == level, TerritoryEdition.is_current)
             .order_by(AdminUnit.search_key))
    if parent_code:
        parent = sa.select(AdminUnit.id).where(AdminUnit.code == parent_code, AdminUnit.level == 1)
        query = query.where(AdminUnit.parent_id.in_(parent))
    return [tuple(r) for r in session.execute(query)]


def _add(row: TerritoryRow, s, current: bool) -> None:
    row.plans += 1
    row.by_status[s.status] = row.by_status.get(s.status, 0) + 1
    if not current:
        return
    row.investment += s.total_cost
    row.diaspora_amount += s.diaspora_amount
    for source, amount in (s.by_source or {}).items():
        row.by_source[source] = row.by_source.get(source, 0) + amount
    if s.exec_year is not None:
        row.exec_plans += 1
        row.exec_planned += s.total_cost
        row.exec_mobilised += s.exec_mobilised or 0
        row.exec_paid += s.exec_paid or 0
        row.exec_weighted_progress += s.exec_weighted_progress or 0
        row.exec_diaspora_promised += s.exec_diaspora_promised or 0
        row.exec_diaspora_mobilised += s.exec_diaspora_mobilised or 0
    if s.owner_kind != OwnerKind.COMMUNE.value:
        return
    row.commune_plans += 1
    if s.population:
        row.commune_cost += s.total_cost
        row.population += s.population
        if s.emigrants is not None:
            row.emigrants += s.emigrants
            row.emigrants_population += s.population
    if s.gap:
        row.gap_communes += 1


def _ordered_sources(row: TerritoryRow) -> None:
    row.by_source = {k: row.by_source[k] for k in FUNDING_SOURCES if row.by_source.get(k)}


def territory_totals(session: Session, regions: Optional[set[int]] = None, region_code: str = "") -> TerritoryTotals:
    """By région, or by cercle of `region_code` (an unknown code: by région). `regions`: the régions the reader is
    limited to (plans.accounts.access.review_regions), None for all."""
    region_units = _units(session, 1)
    if regions is not None:
        region_units = [u for u in region_units if u[0] in regions]
    chosen = next((u for u in region_units if u[1] == region_code), None)
    if chosen is not None:
        level, units = "cercle", _units(session, 2, chosen[1])
    else:
        level, units = "region", region_units
    S = PlanSummary
    summaries = {s.plan_id: s for s in session.execute(
        sa.select(S.plan_id, S.owner_id, S.owner_kind, S.status, S.period_start, S.revision, S.total_cost,
                  S.diaspora_amount, S.population, S.emigrants, S.gap, S.by_source, S.exec_year, S.exec_mobilised,
                  S.exec_paid, S.exec_weighted_progress, S.exec_diaspora_promised, S.exec_diaspora_mobilised))}
    places = session.execute(sa.select(PlanSummaryPlace.plan_id, PlanSummaryPlace.region_id,
                                       PlanSummaryPlace.cercle_id)).all()
    allowed = {u[0] for u in region_units}
    in_scope = {p.plan_id for p in places if p.region_id in allowed and p.plan_id in summaries}
    if chosen is not None:
        in_scope = {p.plan_id for p in places if p.region_id == chosen[0] and p.plan_id in in_scope}
    elif regions is None:
        in_scope = set(summaries)  # the country: a grouping with foreign members only counts in the total too

    latest: dict[int, tuple] = {}  # owner → the key of its current plan (the national map's rule)
    for s in summaries.values():
        key = (s.period_start, s.revision or 1, s.plan_id)
        if s.owner_id not in latest or key > latest[s.owner_id]:
            latest[s.owner_id] = key
    current = {key[2] for key in latest.values()}

    rows = {u[0]: TerritoryRow(u[1], u[2]) for u in units}
    counted: dict[int, set[int]] = {uid: set() for uid in rows}
    for p in places:
        if p.plan_id not in in_scope:
            continue
        uid = p.cercle_id if level == "cercle" else p.region_id
        if uid in rows and p.plan_id not in counted[uid]:
            counted[uid].add(p.plan_id)
            _add(rows[uid], summaries[p.plan_id], p.plan_id in current)
    total = TerritoryRow("", chosen[2] if chosen is not None else "Mali")
    for plan_id in sorted(in_scope):
        _add(total, summaries[plan_id], plan_id in current)
    for row in (*rows.values(), total):
        _ordered_sources(row)
    return TerritoryTotals(level, chosen[1] if chosen else "", chosen[2] if chosen else "", list(rows.values()),
                           total)
