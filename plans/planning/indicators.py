"""Every figure derived from a plan's money and its population, and the plan's funding states: defined once, here.

plans/planning/finance.py adds up the money (`action_figures`, `plan_finance`); this module owns the rules that
read those sums together with the plan's situation and migration data, and the words used for them. The national
map, the comparison, the plan map (and its table twin), the dashboard and its CSV/XLSX, the partner API, the
financing page and the Word document all call these functions; none of them picks a population, divides by it,
decides which action the diaspora finances or names a funding state on its own.

It reads plain objects (model instances, in memory or loaded, or `finance.ActionFigures` / `finance.PlanFinance`)
and issues no query. It imports nothing from finance: finance calls `migration_tags` for its count of migration
actions, so the dependency goes finance → indicators (a consumer passes the PlanFinance it already has).

Rules and units (docs/DOMAIN.md §8, §9, §13):
- Money is an integer number of FCFA; a ratio giving FCFA is rounded half up to the franc (`round_half_up`).
- Latest population: among the plan's population records with a value > 0, the one of the greatest year; two
  records of the same year → the one entered last (greatest id; a record not saved yet counts as entered after
  every saved one, then list order). A record without a year counts as older than any dated one. None without one.
- Per inhabitant: amount ÷ latest population, half up to the franc; None without a population.
- Per 1 000 inhabitants: count × 1 000 ÷ population, 1 decimal, halves up (536,1 ‰); None without either.
- Migrant households: population × (% of households with an émigré) ÷ HOUSEHOLD_SIZE, half up to a whole
  household. HOUSEHOLD_SIZE is a stated calculation hypothesis, not a measured figure (no plan records a household
  size): it makes plans comparable with each other. Per migrant household: amount ÷ households, half up.
- Diaspora-funded action: at least one of its funding lines has a DIASPORA_SOURCES source (plans/core/vocab.py)
  and is worth more than 0 FCFA, whatever the line's status (acquis, promis or à rechercher) — i.e. exactly the
  actions whose finance `diaspora_amount` is > 0. The migration tag « Financé par la diaspora » (DIASPORA_TAG) is
  DERIVED from that rule (`migration_tags`), never typed: a typed or stored "diaspora" tag is ignored, a
  diaspora line without the tag still counts. The diaspora share is finance's (`PlanFinance.diaspora_share`:
  % of the total cost, 2 decimals, halves up: 15 500 000 / 160 000 000 → 9,69 %).
- Strong emigration without diaspora funding (the national map's « écart »): emigrants per 1 000 inhabitants
  ≥ STRONG_EMIGRATION_PER_MILLE and no diaspora-funded action among the actions counted; None (unknown) when the
  emigrants or the population are missing.
- Funding states (FUNDING_STATES, each with its French label and meaning), per action and summed over the plan:
    identifié    Σ of the funding lines, whatever their status (= acquis + promis + à rechercher);
    acquis       Σ of the lines with status « acquis »;
    promis       Σ of the lines with status « promis » (a line without status is « promis »);
    à rechercher Σ of the lines with status « à rechercher » (a source is named, not yet obtained);
    non couvert  the part of the cost no line covers: cost − identifié per action, never below 0, summed over the
                 actions (an over-funded action does not cover another's gap).
  Nothing else is called « à rechercher »: the part of the cost without any line is « non couvert ».
- Funding states once money arrives (the plan's execution, plans/execution/): the plan's lines keep the status
  they were adopted with (the content is frozen); what a line's funder has handed over (« mobilisé ») is secured.
  Per line: the part received, up to the line's amount, is « acquis »; the rest keeps the line's status (a line
  adopted « acquis » stays wholly « acquis »). The line reads « acquis » once its whole amount is received, or was
  adopted so (`state_with_receipts`, `split_with_receipts`). This is the one place the rule lives.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Optional

from plans.core.money import round_half_up
from plans.core.vocab import DIASPORA_SOURCES, MIGRATION_TAGS

HOUSEHOLD_SIZE = 8  # persons per household assumed to count migrant households (a hypothesis, see above)
STRONG_EMIGRATION_PER_MILLE = 100  # "strong emigration": ≥ 100 emigrants per 1 000 inhabitants
DIASPORA_TAG = "diaspora"  # MIGRATION_TAGS key « Financé par la diaspora »: derived from the lines, never typed
# The migration tags a planner chooses (the action form's checkboxes): every tag but the derived one.
TYPED_MIGRATION_TAGS = {k: v for k, v in MIGRATION_TAGS.items() if k != DIASPORA_TAG}
HOUSEHOLD_NOTE = (f"Ménages estimés : population × part des ménages ayant un émigré ÷ {HOUSEHOLD_SIZE} personnes "
                  "par ménage (hypothèse de calcul commune à tous les plans comparés).")


# --- population ---------------------------------------------------------------------------------------------

def latest_record(records: Iterable[Any]) -> tuple[Optional[int], Optional[int]]:
    """(value, year) of the latest population record (rule in the module's docstring), (None, None) without one.
    `records`: objects with `value`, `year` and `id` (PopulationRecord, or any look-alike)."""
    best_key, best = None, None
    for index, record in enumerate(records or ()):
        value = getattr(record, "value", None)
        if value is None or value <= 0:
            continue
        year = getattr(record, "year", None)
        record_id = getattr(record, "id", None)
        key = (year is not None, year or 0, record_id is None, record_id or 0, index)
        if best_key is None or key > best_key:
            best_key, best = key, record
    if best is None:
        return None, None
    return int(best.value), best.year


def latest_population(plan) -> tuple[Optional[int], Optional[int]]:
    """(value, year) of the plan's latest population record, (None, None) without one."""
    return latest_record(plan.population_records)


def per_inhabitant(amount: int, population: Optional[int]) -> Optional[int]:
    """FCFA per inhabitant, rounded half up to the franc; None without a population."""
    if not population or population <= 0:
        return None
    return round_half_up(Decimal(amount) / Decimal(population))


def per_thousand(count: Optional[int], population: Optional[int]) -> Optional[Decimal]:
    """count per 1 000 inhabitants, 1 decimal, halves up; None without the count or the population."""
    if count is None or not population or population <= 0:
        return None
    return (Decimal(count) * 1000 / Decimal(population)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def migrant_households(population: Optional[int], households_with_emigrant_pct) -> Optional[int]:
    """Estimated households with an émigré: population × pct / 100 ÷ HOUSEHOLD_SIZE, half up; None without both."""
    if not population or population <= 0 or households_with_emigrant_pct is None:
        return None
    return round_half_up(Decimal(population) * Decimal(str(households_with_emigrant_pct)) / 100 / HOUSEHOLD_SIZE)


def per_household(amount: int, households: Optional[int]) -> Optional[int]:
    """FCFA per (migrant) household, half up to the franc; None without households."""
    if not households:
        return None
    return round_half_up(Decimal(amount) / Decimal(households))


# --- the diaspora -------------------------------------------------------------------------------------------

def diaspora_lines(figures) -> list[tuple[Any, int]]:
    """(funding line, FCFA) of an action's lines that make it diaspora-funded: a DIASPORA_SOURCES source, > 0."""
    return [(line, amount) for line, amount in zip(figures.action.funding_lines or (), figures.line_amounts)
            if line.source_type in DIASPORA_SOURCES and amount > 0]


def is_diaspora_funded(figures) -> bool:
    """Whether the diaspora finances the action (`figures`: its finance.ActionFigures). Rule: module docstring."""
    return bool(diaspora_lines(figures))


def has_diaspora_funding(diaspora_amount: int) -> bool:
    """The same rule read on an amount already summed by finance (`diaspora_amount` of actions): > 0 FCFA."""
    return diaspora_amount > 0


def diaspora_funded_actions(pf) -> list[Any]:
    """The plan's diaspora-funded actions, in the PIP's order (`pf`: its finance.PlanFinance)."""
    return [f.action for f in pf.figures if is_diaspora_funded(f)]


def typed_tags(tags) -> list[str]:
    """The tags a planner may choose, from a stored "a,b" string or a list: known, not the derived one, in
    MIGRATION_TAGS order."""
    if isinstance(tags, str) or tags is None:
        tags = (tags or "").split(",")
    chosen = {t.strip() for t in tags if isinstance(t, str)}
    return [t for t in TYPED_MIGRATION_TAGS if t in chosen]


def migration_tags(figures) -> list[str]:
    """The action's migration tags, in MIGRATION_TAGS order: those typed (except DIASPORA_TAG, ignored) plus
    DIASPORA_TAG when the action is diaspora-funded. `figures`: the action's finance.ActionFigures."""
    chosen = set(typed_tags(figures.action.tags))
    if is_diaspora_funded(figures):
        chosen.add(DIASPORA_TAG)
    return [t for t in MIGRATION_TAGS if t in chosen]


def emigration_gap(emigrants_per_mille: Optional[Decimal], any_diaspora_funded: bool) -> Optional[bool]:
    """Strong emigration (≥ STRONG_EMIGRATION_PER_MILLE ‰) and no diaspora-funded action; None when unknown."""
    if emigrants_per_mille is None:
        return None
    return emigrants_per_mille >= STRONG_EMIGRATION_PER_MILLE and not any_diaspora_funded


# --- funding states -----------------------------------------------------------------------------------------

IDENTIFIED, SECURED, PROMISED, TO_FIND, NOT_COVERED = "identifie", "acquis", "promis", "a_rechercher", "non_couvert"


@dataclass(frozen=True)
class FundingState:
    key: str
    label: str  # what a page, a column header or the document calls it
    meaning: str  # one sentence, for notes, column descriptions and the API documentation


FUNDING_STATES: dict[str, FundingState] = {s.key: s for s in (
    FundingState(IDENTIFIED, "Financement identifié",
                 "toutes les lignes de financement inscrites, quel que soit leur statut "
                 "(acquis, promis, à rechercher)"),
    FundingState(SECURED, "Acquis", "les lignes de financement au statut « acquis »"),
    FundingState(PROMISED, "Promis", "les lignes de financement au statut « promis »"),
    FundingState(TO_FIND, "À rechercher",
                 "les lignes de financement au statut « à rechercher » : une source est envisagée, pas encore obtenue"),
    FundingState(NOT_COVERED, "Non couvert",
                 "la part du coût qu'aucune ligne de financement ne couvre (coût − financement identifié, par action)"),
)}


@dataclass(frozen=True)
class FundingStates:
    """The funding states of an action or a plan, in FCFA (definitions: FUNDING_STATES)."""
    identified: int
    secured: int
    promised: int
    to_find: int
    not_covered: int

    def by_key(self) -> dict[str, int]:
        return {IDENTIFIED: self.identified, SECURED: self.secured, PROMISED: self.promised,
                TO_FIND: self.to_find, NOT_COVERED: self.not_covered}

    def rows(self) -> list[tuple[FundingState, int]]:
        """(state, FCFA) in FUNDING_STATES order, for tables and texts."""
        values = self.by_key()
        return [(state, values[key]) for key, state in FUNDING_STATES.items()]

    def to_json(self) -> dict[str, int]:
        return self.by_key()


def funding_states(figures) -> FundingStates:
    """The states of a finance.ActionFigures or a finance.PlanFinance (both carry funded, by_status and gap)."""
    by_status = figures.by_status
    return FundingStates(identified=figures.funded, secured=by_status.get("acquis", 0),
                         promised=by_status.get("promis", 0), to_find=by_status.get("a_rechercher", 0),
                         not_covered=figures.gap)


def state_with_receipts(status: Optional[str], amount: int, mobilised: int) -> str:
    """The state of one funding line once `mobilised` FCFA of its `amount` were received (rule: module docstring):
    « acquis » when adopted so or wholly received, else the status it was adopted with (None: « promis »)."""
    status = status or PROMISED
    if status == SECURED or (amount > 0 and mobilised >= amount):
        return SECURED
    return status


def split_with_receipts(status: Optional[str], amount: int, mobilised: int) -> dict[str, int]:
    """FCFA of one funding line by state once `mobilised` were received: the received part (up to `amount`) is
    « acquis », the rest keeps the line's status. The parts add up to `amount`."""
    status = status or PROMISED
    amount = max(amount, 0)
    if status == SECURED:
        return {SECURED: amount}
    received = min(max(mobilised, 0), amount)
    parts = {SECURED: received}
    parts[status] = parts.get(status, 0) + amount - received
    return parts


# --- a plan's indicators ------------------------------------------------------------------------------------

@dataclass
class PlanIndicators:
    """A plan's figures for the comparison, the dashboard and the API: money from its PlanFinance, ratios here."""
    plan: Any
    finance: Any  # finance.PlanFinance
    population: Optional[int]
    population_year: Optional[int]
    emigrants: Optional[int]
    emigrants_year: Optional[int]
    households_with_emigrant_pct: Optional[Decimal]

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
    def funding(self) -> FundingStates:
        return funding_states(self.finance)

    @property
    def diaspora_funded_actions(self) -> list[Any]:
        return diaspora_funded_actions(self.finance)

    @property
    def cost_per_inhabitant(self) -> Optional[int]:
        return per_inhabitant(self.total, self.population)

    @property
    def migrant_households(self) -> Optional[int]:
        return migrant_households(self.population, self.households_with_emigrant_pct)

    @property
    def cost_per_migrant_household(self) -> Optional[int]:
        return per_household(self.total, self.migrant_households)

    @property
    def emigrants_per_thousand(self) -> Optional[Decimal]:
        return per_thousand(self.emigrants, self.population)

    @property
    def emigration_gap(self) -> Optional[bool]:
        return emigration_gap(self.emigrants_per_thousand, bool(self.diaspora_funded_actions))


def plan_indicators(plan, pf) -> PlanIndicators:
    """The plan's indicators; `pf` is its finance.plan_finance(plan) (computed by the caller, who has it)."""
    population, year = latest_population(plan)
    profile = plan.migration_profile
    pct = profile.households_with_emigrant_pct if profile is not None else None
    return PlanIndicators(
        plan=plan, finance=pf, population=population, population_year=year,
        emigrants=profile.emigrants_total if profile is not None else None,
        emigrants_year=profile.data_year if profile is not None else None,
        households_with_emigrant_pct=Decimal(str(pct)) if pct is not None else None)

