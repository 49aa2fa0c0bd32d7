"""Plans side by side (DGCT review, peers.md §3 point 6): indicators normalised per inhabitant and per migrant
household, computed from plans.planning.finance (never re-adding money here) and the plan's situation and migration data.

    indicators = [plan_indicators(p) for p in plans]
    rows = comparison_rows(indicators)   # [(label, [cell per plan], note)] for the table

Every ratio is None ("non disponible") when the plan lacks what it needs; nothing is guessed:
- population: the LATEST population record (highest year) of the plan's situation;
- cost per inhabitant: total cost ÷ population;
- migrant households: households with an émigré (% of the migration profile) × population ÷ HOUSEHOLD_SIZE.
  The plans have no household size field, so HOUSEHOLD_SIZE is a stated calculation hypothesis (shown on the
  page), not a measured figure: the ratio is for comparing plans with each other, all computed the same way;
- émigrés per 1 000 inhabitants: the migration profile's total ÷ population × 1 000.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plans.planning.finance import PlanFinance, plan_finance
from plans.core.formatting import fcfa, number, percent

MIN_PLANS, MAX_PLANS = 2, 4
# Persons per household assumed to count migrant households (no plan records a household size; see above).
HOUSEHOLD_SIZE = 8
NOT_AVAILABLE = "non disponible"
HOUSEHOLD_NOTE = (f"Ménages estimés : population × part des ménages ayant un émigré ÷ {HOUSEHOLD_SIZE} personnes "
                  "par ménage (hypothèse de calcul commune à tous les plans comparés).")


@dataclass
class PlanIndicators:
    plan: Any
    finance: PlanFinance
    population: int | None
    population_year: int | None
    emigrants: int | None
    emigrants_year: int | None
    households_with_emigrant_pct: Decimal | None

    @property
    def total(self) -> int:
        return self.finance.total

    @property
    def diaspora_amount(self) -> int:
        return self.finance.diaspora_amount

    @property
    def diaspora_share(self) -> Decimal:
        return self.finance.diaspora_share

    @property
    def actions(self) -> int:
        return len(self.finance.figures)

    @property
    def migration_actions(self) -> int:
        return self.finance.migration_actions

    @property
    def to_seek(self) -> int:
        return self.finance.to_seek

    @property
    def cost_per_inhabitant(self) -> int | None:
        if not self.population:
            return None
        return _round(Decimal(self.total) / self.population)

    @property
    def migrant_households(self) -> int | None:
        if not self.population or self.households_with_emigrant_pct is None:
            return None
        return _round(Decimal(self.population) * self.households_with_emigrant_pct / 100 / HOUSEHOLD_SIZE)

    @property
    def cost_per_migrant_household(self) -> int | None:
        households = self.migrant_households
        if not households:
            return None
        return _round(Decimal(self.total) / households)

    @property
    def emigrants_per_thousand(self) -> Decimal | None:
        if not self.population or self.emigrants is None:
            return None
        return (Decimal(self.emigrants) * 1000 / self.population).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def latest_population(plan) -> tuple[int | None, int | None]:
    """(value, year) of the plan's most recent population record, (None, None) without one."""
    records = [r for r in plan.population_records or () if r.value is not None and r.value > 0]
    if not records:
        return None, None
    latest = max(records, key=lambda r: (r.year or 0))
    return int(latest.value), latest.year


def plan_indicators(plan, finance: PlanFinance | None = None) -> PlanIndicators:
    population, year = latest_population(plan)
    profile = plan.migration_profile
    pct = profile.households_with_emigrant_pct if profile is not None else None
    return PlanIndicators(
        plan=plan, finance=finance or plan_finance(plan), population=population, population_year=year,
        emigrants=profile.emigrants_total if profile is not None else None,
        emigrants_year=profile.data_year if profile is not None else None,
        households_with_emigrant_pct=Decimal(pct) if pct is not None else None)


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
        row("Reste à rechercher", lambda i: i.to_seek, fcfa),
        row("Émigrés pour 1 000 habitants", lambda i: i.emigrants_per_thousand, lambda v: number(v, 1)),
    ]
