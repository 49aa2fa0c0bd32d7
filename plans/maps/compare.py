"""Plans side by side, for the DGCT's review of plans from communes of very different sizes: indicators
normalised per inhabitant and per migrant household, computed from plans.planning.finance (never re-adding money
here) and the plan's situation and migration data.

    rows = comparison_rows(indicators)   # [(label, [cell per plan], note)] for the table
    groups = comparison_table(indicators, open_threads)   # the page's table: [RowGroup(title, rows)]

    indicators = [plan_indicators(p, plan_finance(p)) for p in plans]
    open_threads = plans.review.comments.unresolved_counts(session, [p.id for p in plans])

Every figure and ratio comes from plans.planning.indicators (latest population and its tie-break, per inhabitant,
per migrant household with HOUSEHOLD_SIZE, per 1 000 inhabitants, the funding states), the sector totals from the
plan's PlanFinance and shares from plans.planning.finance.share_of; this module only lays them out, beside the
plan's status and its open comment threads (plans/review/comments.py). A ratio is None ("non disponible") when the
plan lacks what it needs; nothing is guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plans.core.formatting import fcfa, number, percent
from plans.core.text import search_key
from plans.core.vocab import SECTORS
from plans.planning.finance import share_of
from plans.planning.indicators import (
    FUNDING_STATES,
    HOUSEHOLD_NOTE,
    HOUSEHOLD_SIZE,
    IDENTIFIED,
    NOT_COVERED,
    PROMISED,
    SECURED,
    TO_FIND,
    PlanIndicators,
    plan_indicators,
)

__all__ = ["HOUSEHOLD_NOTE", "HOUSEHOLD_SIZE", "MAX_PLANS", "MIN_PLANS", "NOT_AVAILABLE", "PlanIndicators",
           "BarPart", "Choice", "RowGroup", "choices", "comparison_rows", "comparison_table", "funding_bar",
           "plan_indicators"]

MIN_PLANS, MAX_PLANS = 2, 4
NOT_AVAILABLE = "non disponible"


def _or_na(value, fmt) -> str:
    return NOT_AVAILABLE if value is None else fmt(value)


def comparison_rows(indicators: list[PlanIndicators]) -> list[tuple[str, list[str], str]]:
    """The comparison table: (indicator label, one formatted cell per plan, note), in reading order."""
    def row(label, getter, fmt, note=""):
        return label, [_or_na(getter(i), fmt) for i in indicators], note

    def population(i):
        if i.population is None:
            return None
        return f"{number(i.population)} ({i.population_year})" if i.population_year else number(i.population)

    def state(key):
        return row(FUNDING_STATES[key].label, lambda i: i.funding.by_key()[key], fcfa)

    return [
        row("Population (dernier chiffre)", population, str),
        row("Coût total du PIP", lambda i: i.total, fcfa),
        row("Coût par habitant", lambda i: i.cost_per_inhabitant, fcfa),
        row("Apport de la diaspora", lambda i: i.diaspora_amount, fcfa),
        row("Part de la diaspora dans le coût", lambda i: i.diaspora_share, lambda v: percent(v, 1)),
        row("Ménages ayant un émigré (estimation)", lambda i: i.migrant_households, number, HOUSEHOLD_NOTE),
        row("Coût par ménage de migrant", lambda i: i.cost_per_migrant_household, fcfa, HOUSEHOLD_NOTE),
        row("Nombre d'actions", lambda i: i.actions, number),
        row("Actions liées à la migration", lambda i: i.migration_actions, number),
        *(state(key) for key in (IDENTIFIED, SECURED, PROMISED, TO_FIND, NOT_COVERED)),
        row("Émigrés pour 1 000 habitants", lambda i: i.emigrants_per_thousand, lambda v: number(v, 1)),
    ]


# The parts of a plan's cost by funding state that add up to it (acquis + promis + à rechercher + non couvert).
COST_PARTS = (SECURED, PROMISED, TO_FIND, NOT_COVERED)
STATE_ROWS = (IDENTIFIED, *COST_PARTS)


@dataclass(frozen=True)
class RowGroup:
    title: str
    rows: list[tuple[str, list[str], str]]


def _amount_and_share(amount: int, total: int) -> str:
    return f"{fcfa(amount)} ({percent(share_of(amount, total), 1)})"


@dataclass(frozen=True)
class BarPart:
    key: str  # the funding state
    label: str
    amount: int  # FCFA
    share: Decimal  # of the plan's cost, 0–100 (finance.share_of)

    @property
    def text(self) -> str:
        return f"{self.label} : {fcfa(self.amount)} ({percent(self.share, 1)})"


def funding_bar(indicator: PlanIndicators) -> list[BarPart]:
    """The parts that make the plan's cost (acquis, promis, à rechercher, non couvert), for the bar drawn above
    each plan's map; parts of 0 are left out."""
    values = indicator.funding.by_key()
    return [BarPart(key, FUNDING_STATES[key].label, values[key], share_of(values[key], indicator.total))
            for key in COST_PARTS if values[key]]


def comparison_table(indicators: list[PlanIndicators],
                     open_threads: dict[int, int] | None = None) -> list[RowGroup]:
    """The comparison page's table, by group: where the plan stands in the review (status, open comment threads),
    the key figures, the funding by state (amount and share of the cost) and the sector mix (each sector of any
    of the plans: its cost and share of the plan's cost)."""
    open_threads = open_threads or {}
    by_label = {label: (label, cells, note) for label, cells, note in comparison_rows(indicators)}
    state_labels = {FUNDING_STATES[key].label for key in STATE_ROWS}
    figures = [row for label, row in by_label.items() if label not in state_labels]
    review = [("Statut", [i.plan.status.label for i in indicators], ""),
              ("Commentaires non résolus", [number(open_threads.get(i.plan.id, 0)) for i in indicators],
               "fils de commentaires de la revue encore ouverts")]
    states = [(FUNDING_STATES[key].label,
               [_amount_and_share(i.funding.by_key()[key], i.total) for i in indicators], "")
              for key in STATE_ROWS]
    present = [key for key in SECTORS if any(i.finance.by_sector.get(key) for i in indicators)]
    sectors = [(SECTORS[key], [_amount_and_share(i.finance.by_sector[key], i.total) if i.finance.by_sector.get(key)
                               else "—" for i in indicators], "") for key in present]
    return [RowGroup("Revue", review), RowGroup("Chiffres clés", figures),
            RowGroup("Financement par état (part du coût total)", states),
            RowGroup("Répartition par secteur (part du coût total)", sectors)]


# ----- The picker -----

@dataclass(frozen=True)
class Choice:
    plan_id: int
    label: str  # "title — owner (period) · status"
    key: str  # what a search compares (plans/core/text.py search_key: accents and case folded)


def choices(plans, query: str = "", keep: tuple[int, ...] = ()) -> list[Choice]:
    """The plans a picker offers: those whose title or owner has a word starting with each word of `query`
    (accents and case ignored: « kon seg » finds « Koniakary … Ségou »), and always the plans already chosen
    (`keep`), in the order given."""
    words = search_key(query).split()
    found = []
    for plan in plans:
        key = search_key(plan.title, plan.owner.name)
        starts = key.split()
        if plan.id in keep or all(any(k.startswith(w) for k in starts) for w in words):
            found.append(Choice(plan.id, f"{plan.title} — {plan.owner.name} ({plan.period_start}–{plan.period_end})"
                                         f" · {plan.status.label}", key))
    return found
