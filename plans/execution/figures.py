"""Every figure of a plan's execution, computed once, here: the pages, the exports and whatever reports on
execution later (the annual review, the national map, the partner API) call `plan_execution`.

The planned figures are plans/planning/finance.py's (`plan_finance`: the cost of each action, the amount of each
funding line, the totals by sector, axis, source and year) and are never recomputed here; the funding states
once money arrives are plans/planning/indicators.py's (`split_with_receipts`). This module adds up what the
execution records hold (plans/execution/models.py) and divides.

Rules (docs/DOMAIN.md §15; money in whole FCFA, rates in % with 2 decimals, halves up, `finance.share_of`, 0 when
the planned figure is 0):
- A record's amounts are the year's flows; « à fin de l'année N » (through N) adds the records of N and before.
- An action's state and progress in year N are those of its latest record up to N (its state « prévu » and 0 %
  without one): progress is the physical progress reached, not the year's increment.
- Physical rate: the actions' progress weighted by their planned cost, Σ(cost × progress) ÷ Σ cost.
- Financial rate: paid through N ÷ planned cost. Mobilised rate: mobilised through N ÷ planned cost.
  By source the planned figure is that source's funding lines (`PlanFinance.by_source`), by sector and by axis the
  cost of their actions (`by_sector`, `by_axis`).
- The year's PIA realised: paid in year N against the cost programmed in N (`PlanFinance.by_year`).
- The diaspora: per association (the lines of DIASPORA_SOURCES), promised = the lines' amounts, mobilised and paid
  through N.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Optional

from plans.core.vocab import DIASPORA_SOURCES, EXECUTION_STATUSES, FUNDING_SOURCES, SECTORS
from plans.planning import finance, indicators
from plans.planning.finance import share_of

DEFAULT_STATUS = "prevu"


@dataclass
class LineExecution:
    line: Any  # planning.models.FundingLine
    amount: int  # planned (finance)
    mobilised_year: int
    paid_year: int
    mobilised: int  # through the year
    paid: int  # through the year

    @property
    def state(self) -> str:
        return indicators.state_with_receipts(self.line.status, self.amount, self.mobilised)

    @property
    def to_receive(self) -> int:
        return max(self.amount - self.mobilised, 0)

    @property
    def unspent(self) -> int:
        """Received and not paid out (paid ≤ mobilised is plans/execution/service.py's rule; floored at 0)."""
        return max(self.mobilised - self.paid, 0)

    @property
    def to_pay(self) -> int:
        """The line's amount still to pay: amount − paid, floored at 0 (= unspent + to_receive)."""
        return max(self.amount - self.paid, 0)

    @property
    def mobilised_before(self) -> int:
        """Mobilised in the years before the year."""
        return self.mobilised - self.mobilised_year

    @property
    def paid_before(self) -> int:
        return self.paid - self.paid_year


@dataclass
class ActionExecution:
    action: Any
    figures: Any  # finance.ActionFigures
    year: int
    record: Any  # the record of the year, or None
    status: str
    progress: int
    lines: list[LineExecution]
    planned_year: int  # the cost programmed in the year
    latest: Any = None  # its latest record up to the year (its state, progress, observations), or None

    @property
    def remaining(self) -> int:
        """Its cost − paid through the year, floored at 0 (`Slip.remaining`): what is still to pay."""
        return max(self.cost - self.paid, 0)

    @property
    def observations(self) -> str:
        return (self.latest.observations or "").strip() if self.latest is not None else ""

    @property
    def cost(self) -> int:
        return self.figures.total

    @property
    def mobilised(self) -> int:
        return sum(x.mobilised for x in self.lines)

    @property
    def paid(self) -> int:
        return sum(x.paid for x in self.lines)

    @property
    def mobilised_year(self) -> int:
        return sum(x.mobilised_year for x in self.lines)

    @property
    def paid_year(self) -> int:
        return sum(x.paid_year for x in self.lines)

    @property
    def financial_rate(self) -> Decimal:
        return share_of(self.paid, self.cost)

    @property
    def mobilised_rate(self) -> Decimal:
        return share_of(self.mobilised, self.cost)

    @property
    def status_label(self) -> str:
        return EXECUTION_STATUSES.get(self.status, self.status)


@dataclass
class Group:
    """A sector, an axis or a source: planned (finance), mobilised and paid through the year, and the rates."""
    key: str
    label: str
    planned: int
    mobilised: int = 0
    paid: int = 0
    weighted_progress: int = 0  # Σ cost × progress (sectors, axes)
    count: int = 0

    @property
    def financial_rate(self) -> Decimal:
        return share_of(self.paid, self.planned)

    @property
    def mobilised_rate(self) -> Decimal:
        return share_of(self.mobilised, self.planned)

    @property
    def physical_rate(self) -> Decimal:
        return _ratio(self.weighted_progress, self.planned)


@dataclass
class DiasporaRow:
    key: str
    name: str  # the association's name, or the lines' funder name without one
    promised: int
    mobilised: int
    paid: int

    @property
    def mobilised_rate(self) -> Decimal:
        return share_of(self.mobilised, self.promised)

    @property
    def paid_rate(self) -> Decimal:
        return share_of(self.paid, self.promised)


@dataclass
class PlanExecution:
    plan: Any
    year: int
    finance: Any  # finance.PlanFinance
    actions: list[ActionExecution]
    by_sector: list[Group]
    by_axis: list[Group]
    by_source: list[Group]
    diaspora: list[DiasporaRow]
    funding_states: dict[str, int]  # indicators' state key → FCFA, once money arrived (non couvert included)
    status_counts: dict[str, int] = field(default_factory=dict)  # EXECUTION_STATUSES order

    @property
    def planned(self) -> int:
        return self.finance.total

    @property
    def mobilised(self) -> int:
        return sum(a.mobilised for a in self.actions)

    @property
    def paid(self) -> int:
        return sum(a.paid for a in self.actions)

    @property
    def weighted_progress(self) -> int:
        """Σ cost × progress % of the actions: the physical rate's numerator (summed by the desk's totals)."""
        return sum(a.cost * a.progress for a in self.actions)

    @property
    def physical_rate(self) -> Decimal:
        return _ratio(self.weighted_progress, self.planned)

    @property
    def financial_rate(self) -> Decimal:
        return share_of(self.paid, self.planned)

    @property
    def mobilised_rate(self) -> Decimal:
        return share_of(self.mobilised, self.planned)

    @property
    def pia_planned(self) -> int:
        """The cost programmed in the year (finance's `by_year`)."""
        return self.finance.by_year.get(self.year, 0)

    @property
    def pia_paid(self) -> int:
        """What was paid in the year itself."""
        return sum(a.paid_year for a in self.actions)

    @property
    def pia_rate(self) -> Decimal:
        return share_of(self.pia_paid, self.pia_planned)

    @property
    def diaspora_promised(self) -> int:
        return sum(r.promised for r in self.diaspora)

    @property
    def diaspora_mobilised(self) -> int:
        return sum(r.mobilised for r in self.diaspora)

    @property
    def diaspora_paid(self) -> int:
        return sum(r.paid for r in self.diaspora)

    @property
    def diaspora_mobilised_rate(self) -> Optional[Decimal]:
        """The diaspora's mobilised share: mobilised through the year ÷ promised (its lines' amounts), as each
        association's DiasporaRow.mobilised_rate; None when the plan programs no diaspora money."""
        return diaspora_rate(self.diaspora_mobilised, self.diaspora_promised)

    def for_action(self, action) -> ActionExecution:
        return next(a for a in self.actions if a.action is action)


def diaspora_rate(mobilised: int, promised: int) -> Optional[Decimal]:
    """Mobilised ÷ promised (the rule of DiasporaRow.mobilised_rate), None without a promise: a plan or a
    territory's total (plans/reporting/territory_totals.py) shows « — », not 0 %."""
    return share_of(mobilised, promised) if promised else None


def latest_year(records: Iterable[Any]) -> Optional[int]:
    """The year the desk shows (national map, dashboard, partner API's summary): the latest with a record."""
    return max((r.year for r in records), default=None)


def totals(planned: int, mobilised: int, paid: int, weighted_progress: int) -> Group:
    """Sums over many plans (a région's, the country's) read through the rates of a Group: financial = paid ÷
    planned, mobilised ÷ planned, physical = Σ cost × progress ÷ Σ cost."""
    return Group("", "", planned, mobilised, paid, weighted_progress)


def _ratio(weighted: int, whole: int) -> Decimal:
    """Σ(cost × progress %) ÷ Σ cost: a % with 2 decimals (share_of divides by 100 more, hence the × 1/100)."""
    if not whole:
        return Decimal("0.00")
    return share_of(weighted, whole * 100)


def _flows(records: Iterable[Any]) -> dict[int, dict[int, Any]]:
    """action id → {year → record}."""
    out: dict[int, dict[int, Any]] = {}
    for record in records:
        out.setdefault(record.action_id, {})[record.year] = record
    return out


def action_execution(action, figures, year: int, by_year: dict[int, Any]) -> ActionExecution:
    """One action in `year`, from its finance figures and its records by year (rules: module docstring)."""
    up_to = [y for y in sorted(by_year) if y <= year]
    latest = by_year[up_to[-1]] if up_to else None
    lines = []
    for line, amount in zip(action.funding_lines, figures.line_amounts):
        mobilised = paid = mobilised_year = paid_year = 0
        for y in up_to:
            row = next((f for f in by_year[y].funding if f.funding_line_id == line.id), None)
            if row is None:
                continue
            mobilised += row.mobilised
            paid += row.paid
            if y == year:
                mobilised_year, paid_year = row.mobilised, row.paid
        lines.append(LineExecution(line, amount, mobilised_year, paid_year, mobilised, paid))
    return ActionExecution(
        action=action, figures=figures, year=year, record=by_year.get(year),
        status=latest.status if latest is not None else DEFAULT_STATUS,
        progress=latest.progress if latest is not None else 0, lines=lines,
        planned_year=figures.schedule_by_year.get(year, 0), latest=latest)


def plan_execution(plan, records: Iterable[Any], year: int, pf: Optional[finance.PlanFinance] = None
                   ) -> PlanExecution:
    """The plan's execution at the end of `year`. `plan`: loaded with finance.load_options(); `records`: its
    ExecutionRecord rows with their funding (plans/execution/service.py, `records`); `pf`: its plan_finance when
    the caller has it."""
    pf = pf if pf is not None else finance.plan_finance(plan)
    flows = _flows(records)
    actions = [action_execution(f.action, f, year, flows.get(f.action.id, {})) for f in pf.figures]

    sectors = {key: Group(key, SECTORS.get(key, key), planned) for key, planned in pf.by_sector.items()}
    axes = {id(t.axis) if t.axis is not None else None: Group(str(t.axis.id) if t.axis is not None else "",
                                                              t.title, t.total) for t in pf.by_axis}
    sources = {key: Group(key, FUNDING_SOURCES.get(key, key), planned) for key, planned in pf.by_source.items()}
    diaspora: dict[str, DiasporaRow] = {}
    states: dict[str, int] = {indicators.SECURED: 0, indicators.PROMISED: 0, indicators.TO_FIND: 0}
    counts = {key: 0 for key in EXECUTION_STATUSES}
    for a in actions:
        counts[a.status] = counts.get(a.status, 0) + 1
        axis = getattr(getattr(a.action, "objective", None), "axis", None)
        for group in (sectors.get(a.action.sector or ""), axes.get(id(axis) if axis is not None else None)):
            if group is not None:
                group.mobilised += a.mobilised
                group.paid += a.paid
                group.weighted_progress += a.cost * a.progress
                group.count += 1
        for x in a.lines:
            source = sources.get(x.line.source_type or "")
            if source is not None:
                source.mobilised += x.mobilised
                source.paid += x.paid
                source.count += 1
            for state, amount in indicators.split_with_receipts(x.line.status, x.amount, x.mobilised).items():
                states[state] = states.get(state, 0) + amount
            if x.line.source_type in DIASPORA_SOURCES:
                association = x.line.association
                key = f"a{association.id}" if association is not None else f"n{x.line.source_name or ''}"
                name = association.name if association is not None else (x.line.source_name or "Diaspora")
                row = diaspora.setdefault(key, DiasporaRow(key, name, 0, 0, 0))
                row.promised += x.amount
                row.mobilised += x.mobilised
                row.paid += x.paid
    states[indicators.NOT_COVERED] = pf.gap
    return PlanExecution(plan=plan, year=year, finance=pf, actions=actions, by_sector=list(sectors.values()),
                         by_axis=list(axes.values()), by_source=list(sources.values()),
                         diaspora=list(diaspora.values()), funding_states=states, status_counts=counts)



@dataclass
class Slip:
    """An action that goes on into year N + 1 (the annual review's « ce qui est reporté »), in whole FCFA (integers:
    no rounding): `programmed` = its cost programmed in the years up to N (finance's schedule); `late` = what of it
    was not paid by the end of N, floored at 0 (the delay on the programme); `remaining` = its cost − paid through
    N, floored at 0 (what is still to pay from N + 1 on)."""
    execution: ActionExecution
    programmed: int
    late: int
    remaining: int

    @property
    def action(self) -> Any:
        return self.execution.action


def slipping(ex: PlanExecution) -> list[Slip]:
    """What slips to year N + 1 (plans/documents/execution_report.py): every action neither « réalisé » nor
    « abandonné » at the end of N that was due to start by N (cost programmed in N or before) or has started
    (progress, money paid, « en cours » or « suspendu »), in the plan's order. An action programmed only later is
    not late and is not listed; an abandoned action slips nowhere (the review lists it with its state)."""
    out = []
    for a in ex.actions:
        if a.status in ("realise", "abandonne"):
            continue
        programmed = sum(amount for y, amount in a.figures.schedule_by_year.items() if y <= ex.year)
        if programmed or a.progress or a.paid or a.status in ("en_cours", "suspendu"):
            out.append(Slip(a, programmed, max(programmed - a.paid, 0), a.remaining))
    return out


UNREALISED = ("prevu", "en_cours", "suspendu")  # what the next plan may carry over (plans/execution/nextplan.py)


@dataclass
class CarriedLine:
    """A funding line's part still to pay, as the next plan carries it: `unspent` (received, not paid: now
    « acquis ») and `to_receive` (not received yet: the line keeps its status). unspent + to_receive = to_pay."""
    execution: LineExecution
    unspent: int
    to_receive: int


def carried_lines(a: ActionExecution) -> list[CarriedLine]:
    """The lines of an unrealised action with something still to pay, in the action's order."""
    return [CarriedLine(x, x.unspent, min(x.to_receive, x.to_pay)) for x in a.lines if x.to_pay]


def unrealised(ex: PlanExecution) -> list[ActionExecution]:
    """The actions neither « réalisé » nor « abandonné » at the end of the year (prévu, en cours, suspendu), in the
    plan's order: unlike `slipping`, also those programmed only later (the plan is over for the next one)."""
    return [a for a in ex.actions if a.status in UNREALISED]
