"""Every figure of a plan's PIP, PIA and financing plan, computed once, here.

The action form, the PIP screen, the maps, the Word export and the JSON document all call `action_figures`
and `plan_finance`; none of them adds up money on its own. Both work on plain model instances (built in
memory or loaded from the database): no session, no query. For a loaded plan, load its actions with
`load_options()` so reading schedules, funding lines and axes does not issue one query per action.

Conventions (docs/DOMAIN.md §8, §13):
- Money is an integer number of FCFA. A share is a Decimal on the 0–100 scale.
- An action's total is its `total_override` when set (a reason is then required), otherwise
  quantity × unit cost rounded half up to the franc.
- A funding line is worth its `amount` when typed, otherwise `share_pct` % of the action's total (rounded
  half up), otherwise 0. A negative result counts as 0 (and is reported), so no figure goes below zero.
- `funded` adds every line whatever its status (acquis, promis, à rechercher): it is the financing plan.
  `gap` is the part of the cost no line covers yet (never negative); it is NOT an error: it is the funding
  state « non couvert ». `by_status["a_rechercher"]` is the state « à rechercher » (lines with that status).
  The funding states, their names and labels are defined in plans/planning/indicators.py (`funding_states`);
  pages and exports show those, never `to_seek`.
  `to_seek` = `gap` + the lines whose status is "à rechercher" (everything neither acquired nor promised): kept in
  the JSON document (`to_json`) for the programs that read it; no page, export or document shows it.
  `excess` is financing above the cost: that IS an error.
- Errors are (field, French message) pairs. Field names follow WTForms' FieldList naming so a form can put
  each message next to its input: "quantity", "unit_cost", "total_override", "override_reason", "schedule",
  "schedule-<year>", "funding_lines", "funding_lines-<i>-amount", "funding_lines-<i>-share_pct",
  "funding_lines-<i>-source_type", "funding_lines-<i>-association_id", "cofinancing_scheme"; <i> is the
  0-based index of the line in `action.funding_lines`. `field_label()` names a field in French for summaries.
- Warnings are pairs too: a share of a co-financing scheme still missing while part of the cost is unfunded
  is a warning (the missing share may be exactly what is still to be sought), an error once fully funded.

An Action built in memory has None where the database would put its column default; None reads as that
default (quantity 1, unit cost 0, no tags, status "promis").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

from sqlalchemy.orm import selectinload

from plans.core.formatting import fcfa
from plans.core.money import MSG_SHARE_RANGE, round_half_up
from plans.core.vocab import DIASPORA_SOURCES, FUNDING_SOURCES, FUNDING_STATUSES, INTERNAL_SOURCES, SECTORS
from plans.planning import indicators
from plans.planning.cofinancing import BELOW, BELOW_MINIMUM, scheme_issues
from plans.planning.models import Action, Axis, Plan

NO_AXIS = "Sans axe"
DEFAULT_STATUS = "promis"

Error = tuple[str, str]


# --- one action ---------------------------------------------------------------------------------------------

def computed_total(action) -> int:
    """quantity × unit cost, rounded half up to the franc (what the total is without an override)."""
    quantity = _quantity(action)
    unit_cost = action.unit_cost if action.unit_cost is not None else 0
    return round_half_up(quantity * Decimal(unit_cost))


def action_total(action) -> int:
    """The action's total cost in FCFA: `total_override` when set, else round_half_up(quantity × unit_cost)."""
    if action.total_override is not None:
        return int(action.total_override)
    return computed_total(action)


def line_amount(line, total: int) -> int:
    """What a funding line is worth in FCFA for an action costing `total`: its `amount` when typed, else
    round_half_up(total × share_pct / 100), else 0. (`action_figures` further counts a negative value as 0.)"""
    if line.amount is not None:
        return int(line.amount)
    if line.share_pct is not None:
        return round_half_up(Decimal(total) * _decimal(line.share_pct) / 100)
    return 0


@dataclass
class ActionFigures:
    action: Any
    total: int
    computed_total: int  # quantity × unit cost, whatever the override
    funded: int
    gap: int  # cost not covered by any line (à rechercher), ≥ 0
    excess: int  # financing above the cost, ≥ 0 (an error when > 0)
    to_seek: int  # gap + lines with status "a_rechercher" (JSON only; the states: indicators.funding_states)
    line_amounts: list[int]  # FCFA of each funding line, in the order of action.funding_lines
    by_source: dict[str, int]  # source_type → FCFA, in FUNDING_SOURCES order
    by_status: dict[str, int]  # acquis / promis / a_rechercher → FCFA (lines only; see to_seek)
    diaspora_amount: int
    in_kind_amount: int
    schedule_total: int
    schedule_by_year: dict[int, int]  # as entered (duplicates added), sorted by year
    errors: list[Error] = field(default_factory=list)
    warnings: list[Error] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def internal(self) -> int:
        return sum(v for k, v in self.by_source.items() if k in INTERNAL_SOURCES)

    @property
    def external(self) -> int:
        return self.funded - self.internal

    @property
    def diaspora_share(self) -> Decimal:
        """Diaspora financing as % of the total cost, 2 decimals, halves up; 0 when the cost is 0."""
        return share_of(self.diaspora_amount, self.total)

    def messages(self, field_name: str | None = None) -> list[str]:
        """Error messages, all or those of one field."""
        return [m for f, m in self.errors if field_name is None or f == field_name]

    def errors_by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for f, m in self.errors:
            out.setdefault(f, []).append(m)
        return out

    def to_json(self) -> dict:
        """The figures as JSON-ready values (ints, str keys, shares as strings like "9.69")."""
        return {
            "total": self.total, "computed_total": self.computed_total, "funded": self.funded, "gap": self.gap,
            "excess": self.excess, "to_seek": self.to_seek, "line_amounts": list(self.line_amounts),
            "by_source": dict(self.by_source), "by_status": dict(self.by_status),
            "diaspora_amount": self.diaspora_amount, "diaspora_share": str(self.diaspora_share),
            "in_kind_amount": self.in_kind_amount, "schedule_total": self.schedule_total,
            "schedule_by_year": {str(y): v for y, v in self.schedule_by_year.items()},
            "errors": [{"field": f, "message": m} for f, m in self.errors],
            "warnings": [{"field": f, "message": m} for f, m in self.warnings],
        }


def action_figures(action, plan_years: Iterable[int] | None = None) -> ActionFigures:
    """Every figure and every rule of one PIP line. `plan_years` (e.g. plan.years) enables the period check."""
    errors: list[Error] = []
    warnings: list[Error] = []
    years = list(plan_years) if plan_years is not None else None

    computed = computed_total(action)
    total = action_total(action)
    if _quantity(action) <= 0:
        errors.append(("quantity", "La quantité doit être supérieure à zéro."))
    if action.unit_cost is not None and action.unit_cost < 0:
        errors.append(("unit_cost", "Le coût unitaire ne peut pas être négatif."))
    if action.total_override is not None:
        if action.total_override < 0:
            errors.append(("total_override", "Le coût total ne peut pas être négatif."))
        if not (action.override_reason or "").strip():
            detail = "" if total == computed else \
                f" ({fcfa(total)} au lieu de quantité × coût unitaire = {fcfa(computed)})"
            errors.append(("override_reason", f"Indiquez pourquoi le coût total est saisi à la main{detail}."))

    # Schedule
    schedule_by_year: dict[int, int] = {}
    for entry in action.schedule or ():
        year = int(entry.year)
        amount = int(entry.amount or 0)
        if year in schedule_by_year:
            errors.append(("schedule", f"L'année {year} figure deux fois dans la programmation."))
        schedule_by_year[year] = schedule_by_year.get(year, 0) + amount
    schedule_by_year = dict(sorted(schedule_by_year.items()))
    schedule_total = sum(schedule_by_year.values())
    for year, amount in schedule_by_year.items():
        if amount < 0:
            errors.append((f"schedule-{year}", f"Le montant programmé en {year} ne peut pas être négatif."))
        if years is not None and years and year not in years:
            errors.append((f"schedule-{year}",
                           f"L'année {year} est hors de la période du plan ({years[0]}–{years[-1]})."))
    if not schedule_by_year and total > 0:
        errors.append(("schedule", f"Répartissez le coût total ({fcfa(total)}) sur les années du plan."))
    elif schedule_total != total:
        errors.append(("schedule",
                       f"La programmation annuelle ({fcfa(schedule_total)}) ne correspond pas au coût total "
                       f"({fcfa(total)}) : écart de {fcfa(abs(schedule_total - total))}."))

    # Funding lines
    by_source: dict[str, int] = {}
    by_status: dict[str, int] = {key: 0 for key in FUNDING_STATUSES}
    line_amounts: list[int] = []
    diaspora = in_kind = 0
    for i, line in enumerate(action.funding_lines or ()):
        prefix = f"funding_lines-{i}-"
        has_amount, has_share = line.amount is not None, line.share_pct is not None
        if has_amount and has_share:
            errors.append((prefix + "share_pct", "Indiquez soit un montant, soit une part en %, pas les deux."))
        elif not has_amount and not has_share:
            errors.append((prefix + "amount", "Indiquez le montant de cette ligne en FCFA ou sa part en %."))
        if has_amount and line.amount < 0:
            errors.append((prefix + "amount", "Le montant ne peut pas être négatif."))
        if has_share and not has_amount and not (0 <= _decimal(line.share_pct) <= 100):
            errors.append((prefix + "share_pct", MSG_SHARE_RANGE))
        source = line.source_type or ""
        if not source:
            errors.append((prefix + "source_type", "Choisissez la source de financement."))
        if source in DIASPORA_SOURCES and line.association_id is None and line.__dict__.get("association") is None:
            errors.append((prefix + "association_id",
                           "Choisissez l'association de la diaspora enregistrée qui finance cette ligne."))
        amount = max(0, line_amount(line, total))
        line_amounts.append(amount)
        by_source[source] = by_source.get(source, 0) + amount
        status = line.status or DEFAULT_STATUS
        by_status[status] = by_status.get(status, 0) + amount
        if source in DIASPORA_SOURCES:
            diaspora += amount
        if line.in_kind:
            in_kind += amount
    by_source = _ordered_sources(by_source)
    funded = sum(line_amounts)
    gap = max(total - funded, 0)
    excess = max(funded - total, 0)
    if excess:
        errors.append(("funding_lines", f"Les financements ({fcfa(funded)}) dépassent le coût total "
                                        f"({fcfa(total)}) de {fcfa(excess)}."))

    for issue in scheme_issues(action.cofinancing_scheme, total, by_source):
        if gap and issue.kind in (BELOW, BELOW_MINIMUM):
            warnings.append(("cofinancing_scheme", issue.message))
        else:
            errors.append(("cofinancing_scheme", issue.message))

    return ActionFigures(
        action=action, total=total, computed_total=computed, funded=funded, gap=gap, excess=excess,
        to_seek=gap + by_status.get("a_rechercher", 0), line_amounts=line_amounts, by_source=by_source,
        by_status=by_status, diaspora_amount=diaspora, in_kind_amount=in_kind, schedule_total=schedule_total,
        schedule_by_year=schedule_by_year, errors=errors, warnings=warnings)


# --- the whole plan -----------------------------------------------------------------------------------------

@dataclass
class AxisTotal:
    axis: Any  # the Axis, or None for actions without an objective/axis
    title: str  # the axis title, or "Sans axe"
    total: int
    count: int


@dataclass
class PiaRow:
    action: Any
    figures: ActionFigures
    amount: int  # the action's first-year (period_start) programmed amount


@dataclass
class OutOfPeriod:
    figures: ActionFigures
    year: int  # programmed outside the plan's period
    amount: int  # FCFA, as programmed


@dataclass
class PlanFinance:
    years: list[int]  # the plan's years (period_start … period_end)
    total: int  # total cost of the PIP
    funded: int
    gap: int  # Σ of the actions' gaps (an over-funded action does not fill another's gap)
    excess: int  # Σ of the actions' excesses
    to_seek: int
    diaspora_amount: int
    diaspora_share: Decimal  # % of the total COST, 0–100, 2 decimals rounded half up (9.6875 → 9.69)
    by_year: dict[int, int]  # programmed cost per year: every plan year, plus any stray year found, sorted
    by_source: dict[str, int]
    by_status: dict[str, int]
    internal: int  # ressources internes (INTERNAL_SOURCES: budget communal, population)
    external: int  # every other source
    matrix: dict[str, dict[int, int]]  # source_type → {year of table_years → FCFA}; see plan_finance
    matrix_year_totals: dict[int, int]  # over table_years
    by_sector: dict[str, int]  # sector key → total cost, in SECTORS order
    by_axis: list[AxisTotal]
    pia_year: int | None
    pia: list[PiaRow]
    pia_total: int
    pia_by_source: dict[str, int]  # the first-year column of the matrix
    migration_actions: int  # actions with at least one migration tag (indicators.migration_tags: typed + derived)
    actions_in_error: int
    figures: list[ActionFigures]  # in the order of plan.actions
    # Years programmed outside the plan's period (« hors période »), sorted: each keeps its own column, never
    # folded into a year of the period. `table_years` = the plan's years and these, sorted: the columns of every
    # table by year (matrix, by_year).
    out_of_period_years: list[int] = field(default_factory=list)
    out_of_period: list[OutOfPeriod] = field(default_factory=list)  # by action (plan order), then year

    @property
    def table_years(self) -> list[int]:
        return sorted(set(self.years) | set(self.out_of_period_years))

    @property
    def out_of_period_total(self) -> int:
        """FCFA programmed outside the period (counted in the totals, in their own years)."""
        return sum(r.amount for r in self.out_of_period)

    def figures_for(self, action) -> ActionFigures:
        """The figures of one of the plan's actions (KeyError if it is not one of them)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = {id(f.action): f for f in self.figures}
        return index[id(action)]

    def to_json(self) -> dict:
        """The plan's figures as JSON-ready values: ints, str keys (years too), shares as strings ("9.69").
        Per-action figures are left to the caller (ActionFigures.to_json), next to each action."""
        years = lambda d: {str(y): v for y, v in d.items()}  # noqa: E731
        return {
            "years": list(self.years), "total": self.total, "funded": self.funded, "gap": self.gap,
            "excess": self.excess, "to_seek": self.to_seek, "diaspora_amount": self.diaspora_amount,
            "diaspora_share": str(self.diaspora_share), "by_year": years(self.by_year),
            "by_source": dict(self.by_source), "by_status": dict(self.by_status), "internal": self.internal,
            "external": self.external, "matrix": {src: years(row) for src, row in self.matrix.items()},
            "matrix_year_totals": years(self.matrix_year_totals), "by_sector": dict(self.by_sector),
            "by_axis": [{"title": a.title, "total": a.total, "count": a.count} for a in self.by_axis],
            "pia_year": self.pia_year, "pia_total": self.pia_total, "pia_by_source": dict(self.pia_by_source),
            "migration_actions": self.migration_actions, "actions_in_error": self.actions_in_error,
            "out_of_period_years": list(self.out_of_period_years), "out_of_period_total": self.out_of_period_total,
        }

    @property
    def matrix_total(self) -> int:
        return sum(self.matrix_year_totals.values())

    @property
    def internal_share(self) -> Decimal:
        return share_of(self.internal, self.funded)


def plan_finance(plan) -> PlanFinance:
    """The plan's financial picture, from its actions.

    Source × year matrix: each action's financing (every line, `funded`) is spread over the plan years in
    proportion to the action's schedule. First the action's yearly totals are fixed by the largest-remainder
    method (so they add up to its financing exactly, and equal its schedule when financing = cost); then its
    lines are spread one by one, each in proportion to the yearly amounts not yet given to earlier lines, again
    by largest remainder (the last line takes what is left). Every line thus adds up to its amount and every
    year to the action's yearly total, in whole francs: each row of the matrix sums exactly to `by_source`,
    each column to `matrix_year_totals`, and the grand total is `funded`. An action whose schedule is empty,
    sums to 0 or has a negative amount puts its whole financing in the first year.

    An amount programmed outside the period (the period was shortened or moved, docs/DOMAIN.md §8) stays in its
    own year: that year is one of `out_of_period_years`, a column of the matrix and of `by_year` marked « hors
    période » by the pages, and the amount counts in every total; it is never folded into a year of the period.
    """
    years = list(plan.years) if plan.period_start is not None and plan.period_end is not None else []
    figures = [action_figures(a, years) for a in plan.actions]
    if not years:
        years = sorted({y for f in figures for y in f.schedule_by_year})
    first_year = years[0] if years else None
    in_period = set(years)
    out_of_period = [OutOfPeriod(f, y, amount) for f in figures for y, amount in f.schedule_by_year.items()
                     if y not in in_period]
    stray_years = sorted({r.year for r in out_of_period})
    table_years = sorted(in_period | set(stray_years))

    total = funded = gap = excess = to_seek = diaspora = 0
    by_year: dict[int, int] = {y: 0 for y in years}
    by_source: dict[str, int] = {}
    by_status: dict[str, int] = {k: 0 for k in FUNDING_STATUSES}
    matrix: dict[str, dict[int, int]] = {}
    matrix_year_totals: dict[int, int] = {y: 0 for y in table_years}
    by_sector: dict[str, int] = {}
    axes: dict[int, AxisTotal] = {}
    axis_order: dict[int, tuple] = {}
    no_axis = AxisTotal(None, NO_AXIS, 0, 0)
    pia: list[PiaRow] = []
    migration_count = in_error = 0

    for f in figures:
        action = f.action
        total += f.total
        funded += f.funded
        gap += f.gap
        excess += f.excess
        to_seek += f.to_seek
        diaspora += f.diaspora_amount
        for year, amount in f.schedule_by_year.items():
            by_year[year] = by_year.get(year, 0) + amount
        for src, amount in f.by_source.items():
            by_source[src] = by_source.get(src, 0) + amount
        for status, amount in f.by_status.items():
            by_status[status] = by_status.get(status, 0) + amount
        sector = action.sector or ""
        by_sector[sector] = by_sector.get(sector, 0) + f.total

        axis = _axis_of(action)
        if axis is None:
            bucket = no_axis
        else:
            bucket = axes.get(id(axis))
            if bucket is None:
                bucket = axes[id(axis)] = AxisTotal(axis, axis.title or "", 0, 0)
                axis_order[id(axis)] = (axis.position if axis.position is not None else 0, len(axis_order))
        bucket.total += f.total
        bucket.count += 1

        if first_year is not None:
            _spread(f, table_years, first_year, matrix, matrix_year_totals)
            first = f.schedule_by_year.get(first_year, 0)
            if first > 0:
                pia.append(PiaRow(action, f, first))
        if indicators.migration_tags(f):
            migration_count += 1
        if f.errors:
            in_error += 1

    by_year = dict(sorted(by_year.items()))
    by_source = _ordered_sources(by_source)
    matrix = {src: matrix[src] for src in _ordered_sources(matrix)}
    internal = sum(v for k, v in by_source.items() if k in INTERNAL_SOURCES)
    by_axis = [axes[k] for k in sorted(axes, key=lambda k: axis_order[k])]
    if no_axis.count:
        by_axis.append(no_axis)
    pia_by_source = {src: row.get(first_year, 0) for src, row in matrix.items()} if first_year else {}

    return PlanFinance(
        years=years, total=total, funded=funded, gap=gap, excess=excess, to_seek=to_seek,
        diaspora_amount=diaspora, diaspora_share=share_of(diaspora, total), by_year=by_year,
        by_source=by_source, by_status=by_status, internal=internal, external=funded - internal,
        matrix=matrix, matrix_year_totals=matrix_year_totals, by_sector=_ordered_sectors(by_sector),
        by_axis=by_axis, pia_year=first_year, pia=pia, pia_total=sum(r.amount for r in pia),
        pia_by_source=pia_by_source, migration_actions=migration_count, actions_in_error=in_error,
        figures=figures, out_of_period_years=stray_years, out_of_period=out_of_period)


# --- helpers ------------------------------------------------------------------------------------------------

def largest_remainder(total: int, weights: dict[Any, int]) -> dict[Any, int]:
    """Split the integer `total` in proportion to non-negative integer `weights`, in whole units that add up
    exactly to `total` (Hamilton's largest-remainder method): each key gets the floor of its quota, and the
    units left go to the largest remainders; ties go to the key that comes first in `weights`.
    Weights summing to 0 → everything to the first key."""
    keys = list(weights)
    if not keys:
        raise ValueError("largest_remainder needs at least one key")
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        return {k: (total if i == 0 else 0) for i, k in enumerate(keys)}
    out, remainders = {}, []
    for i, k in enumerate(keys):
        q, r = divmod(total * weights[k], weight_sum)
        out[k] = q
        remainders.append((-r, i, k))
    left = total - sum(out.values())
    for _, _, k in sorted(remainders)[:left]:
        out[k] += 1
    return out


def share_of(part: int, whole: int) -> Decimal:
    """part / whole in %, 2 decimals, halves up; 0 when whole is 0."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


FIELD_LABELS = {
    "quantity": "Quantité",
    "unit_cost": "Coût unitaire",
    "total_override": "Coût total saisi",
    "override_reason": "Raison du coût total saisi",
    "schedule": "Programmation annuelle",
    "funding_lines": "Financements",
    "cofinancing_scheme": "Dispositif de cofinancement",
}
_LINE_FIELDS = {"amount": "montant", "share_pct": "part", "source_type": "source",
                "association_id": "association"}


def field_label(field_name: str) -> str:
    """A French name for an error's field, for summaries: "schedule-2026" → "Programmation 2026",
    "funding_lines-1-amount" → "Financement n°2 (montant)"."""
    if field_name in FIELD_LABELS:
        return FIELD_LABELS[field_name]
    parts = field_name.split("-")
    if parts[0] == "schedule" and len(parts) == 2:
        return f"Programmation {parts[1]}"
    if parts[0] == "funding_lines" and len(parts) == 3 and parts[1].isdecimal():
        return f"Financement n°{int(parts[1]) + 1} ({_LINE_FIELDS.get(parts[2], parts[2])})"
    return field_name


def load_options():
    """SQLAlchemy loader options for a Plan whose finance is about to be computed: schedules, funding lines and
    objectives/axes of every action in a handful of queries, e.g.
    `session.get(Plan, plan_id, options=finance.load_options())`. An action's objective and that objective's axis
    are the plan's own, loaded with its axes: SQLAlchemy finds a many-to-one by its key in the session without a
    query (loading them through the actions as well read the same rows twice, two queries per page)."""
    actions = selectinload(Plan.actions)
    return (actions.selectinload(Action.schedule), actions.selectinload(Action.funding_lines),
            selectinload(Plan.axes).selectinload(Axis.objectives))


def _spread(f: ActionFigures, years: list[int], first_year: int, matrix: dict, year_totals: dict) -> None:
    """Add one action's funding lines to the source × year matrix (rule in plan_finance's docstring). `years`: the
    matrix's columns, the plan's years and every year programmed outside the period."""
    if f.funded <= 0:
        return
    sched = f.schedule_by_year
    valid = sched and sum(sched.values()) > 0 and all(v >= 0 for v in sched.values())
    weights = {y: sched.get(y, 0) for y in years} if valid else {first_year: 1}
    capacity = largest_remainder(f.funded, weights)
    left = f.funded
    for line, amount in zip(f.action.funding_lines, f.line_amounts):
        if amount <= 0:
            continue
        share = dict(capacity) if amount == left else largest_remainder(amount, capacity)
        row = matrix.setdefault(line.source_type or "", {y: 0 for y in years})
        for year, value in share.items():
            row[year] += value
            capacity[year] -= value
            year_totals[year] += value
        left -= amount


def _axis_of(action):
    objective = getattr(action, "objective", None)
    return getattr(objective, "axis", None) if objective is not None else None


def _quantity(action) -> Decimal:
    return _decimal(action.quantity) if action.quantity is not None else Decimal(1)


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


_SOURCE_ORDER = {k: i for i, k in enumerate(FUNDING_SOURCES)}
_SECTOR_ORDER = {k: i for i, k in enumerate(SECTORS)}


def _ordered_sources(d: dict) -> dict:
    return {k: d[k] for k in sorted(d, key=lambda k: (_SOURCE_ORDER.get(k, len(_SOURCE_ORDER)), k))}


def _ordered_sectors(d: dict) -> dict:
    return {k: d[k] for k in sorted(d, key=lambda k: (_SECTOR_ORDER.get(k, len(_SECTOR_ORDER)), k))}
