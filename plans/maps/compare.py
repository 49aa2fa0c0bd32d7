"""Plans side by side, for the DGCT's review of plans from communes of very different sizes: indicators
normalised per inhabitant and per migrant household, computed from plans.planning.finance (never re-adding money
here) and the plan's situation and migration data.

    rows = comparison_rows(indicators)   # [(label, [cell per plan], note)] for the table

    indicators = [plan_indicators(p, plan_finance(p)) for p in plans]

Every figure and ratio comes from plans.planning.indicators (latest population and its tie-break, per inhabitant,
per migrant household with HOUSEHOLD_SIZE, per 1 000 inhabitants, the funding states); this module only lays
them out. A ratio is None ("non disponible") when the plan lacks what it needs; nothing is guessed.
"""
from __future__ import annotations

from plans.core.formatting import fcfa, number, percent
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
           "comparison_rows", "plan_indicators"]

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
