"""The monitoring indicators measured (docs/DOMAIN.md §10, §15): one value per indicator and year, against the
target the plan set for that year, with its source and the date it was measured.

- Disaggregation: an indicator says it by its name, the groups in a closing parenthesis separated by « / »
  (« Migrants de retour réinsérés (hommes / femmes) » → hommes, femmes; plans/planning/sectiondata/suivi.py names
  the suggested ones so). Such an indicator is measured per group, and its value is the groups' sum (a total typed
  as well must equal it). An indicator without such a parenthesis takes one value.
- A « oui/non » indicator takes Oui or Non (stored 1 or 0, suivi.py's rule).
- The rules of who and when are the execution's (plans/execution/service.py: the owner's planners, a validated or
  adopted plan); a save is versioned (`IndicatorMeasure.version`, a stale form is a ConflictError) and journaled
  (« indicator.measure »). A refused save writes nothing: ValidationError keyed "value", "group-<key>", "source",
  "measured_on", "year".
- `against_targets` compares: the target of the year (the indicator's `targets`), the value, their difference, and
  whether the target is reached (value ≥ target).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from plans.accounts.models import User
from plans.core import audit
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.money import AmountError, parse_decimal
from plans.core.text import search_key
from plans.execution import service
from plans.execution.models import IndicatorMeasure
from plans.planning import summary
from plans.planning.models import Indicator, Plan
from plans.planning.sectiondata import suivi
from plans.planning.sections import parse_version

SOURCE_CHARS = 300
_GROUPS = re.compile(r"\(([^()]*/[^()]*)\)\s*$")


def groups(indicator: Indicator) -> list[tuple[str, str]]:
    """(key, label) of the groups the indicator is measured by, from its name (rule: module docstring); []."""
    match = _GROUPS.search(indicator.name or "")
    if not match:
        return []
    labels = [part.strip() for part in match.group(1).split("/") if part.strip()]
    return [(search_key(label).replace(" ", "_"), label) for label in labels] if len(labels) > 1 else []


def _number(indicator: Indicator, raw: Any) -> Optional[Decimal]:
    if suivi.is_yes_no(indicator.unit):
        try:
            return suivi._yes_no(raw)
        except ValueError:
            raise AmountError(suivi.MSG_YES_NO) from None
    return parse_decimal(raw, required=False, max_decimals=2)


def check(plan: Plan, indicator: Indicator, year: int, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if indicator.plan_id != plan.id:
        raise ValidationError({"": "Cet indicateur n'appartient pas à ce plan."})
    if year not in plan.years:
        errors["year"] = [f"L'année {year} est hors de la période du plan ({plan.period_start}–{plan.period_end})."]
    breakdown: dict[str, str] = {}
    total = Decimal(0)
    for key, label in groups(indicator):
        try:
            value = _number(indicator, (data.get("groups") or {}).get(key))
        except AmountError as error:
            errors[f"group-{key}"] = [error.message]
            continue
        if value is None:
            errors[f"group-{key}"] = [f"Indiquez la valeur pour « {label} »."]
            continue
        breakdown[key] = suivi.decimal_text(value)
        total += value
    try:
        value = _number(indicator, data.get("value"))
    except AmountError as error:
        value = None
        errors["value"] = [error.message]
    if breakdown and not errors:
        if value is not None and value != total:
            errors["value"] = [f"Le total saisi ({suivi.decimal_text(value)}) n'est pas la somme des groupes "
                               f"({suivi.decimal_text(total)})."]
        value = total
    elif not groups(indicator) and value is None and "value" not in errors:
        errors["value"] = ["Indiquez la valeur mesurée."]
    source = (data.get("source") or "").strip()
    if not source:
        errors["source"] = ["Indiquez la source de la mesure (enquête, registre, rapport…)."]
    elif len(source) > SOURCE_CHARS:
        errors["source"] = [f"La source ne peut pas dépasser {SOURCE_CHARS} caractères."]
    try:
        measured_on = service.parse_date(data.get("measured_on"))
    except (ValueError, TypeError):
        measured_on = None
        errors["measured_on"] = ["Date de mesure illisible : écrivez-la sous la forme 15/03/2026."]
    else:
        if measured_on is None:
            errors["measured_on"] = ["Indiquez la date de la mesure."]
        elif measured_on > date.today():
            errors["measured_on"] = ["La date de la mesure ne peut pas être dans le futur."]
    if errors:
        raise ValidationError(errors)
    return {"value": value, "breakdown": breakdown, "source": source, "measured_on": measured_on}


def measures(session: Session, plan: Plan) -> list[IndicatorMeasure]:
    """Every measure of the plan's indicators."""
    return list(session.scalars(sa.select(IndicatorMeasure).where(IndicatorMeasure.plan_id == plan.id)))


def measure_of(session: Session, indicator: Indicator, year: int) -> Optional[IndicatorMeasure]:
    return session.scalar(sa.select(IndicatorMeasure).where(IndicatorMeasure.indicator_id == indicator.id,
                                                            IndicatorMeasure.year == year))


def save(session: Session, plan: Plan, indicator: Indicator, year: int, data: dict, expected_version: Any,
         user: Optional[User], *, ip: str = "") -> IndicatorMeasure:
    """Checks and writes one indicator's measure in one year. The caller commits."""
    refusal = service.edit_refusal(user, plan)
    if refusal:
        raise PermissionError(refusal)
    return write(session, plan, indicator, year, check(plan, indicator, year, data), parse_version(expected_version),
                 user, ip=ip)


def write(session: Session, plan: Plan, indicator: Indicator, year: int, clean: dict, expected: Optional[int],
          user: Optional[User], *, ip: str = "", journal: Optional[str] = "indicator.measure") -> IndicatorMeasure:
    """Writes a measure `check` returned over the version `expected` (who may: the caller's to ask, as `save` does;
    `journal` None: no entry of its own)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(IndicatorMeasure).values(
        plan_id=plan.id, indicator_id=indicator.id, year=year, breakdown={}, source="", version=0)
        .on_conflict_do_nothing())
    row = session.scalar(sa.select(IndicatorMeasure).where(IndicatorMeasure.indicator_id == indicator.id,
                                                           IndicatorMeasure.year == year)
                         .execution_options(populate_existing=True))
    if expected is None or expected != row.version:
        raise ConflictError("indicator")
    updated = session.execute(
        sa.update(IndicatorMeasure).where(IndicatorMeasure.id == row.id, IndicatorMeasure.version == row.version)
        .values(version=row.version + 1, saved_at=utcnow(), saved_by_id=user.id if user else None)
        .execution_options(synchronize_session=False))
    if updated.rowcount != 1:
        raise ConflictError("indicator")
    session.refresh(row)
    row.value, row.breakdown = clean["value"], clean["breakdown"]
    row.source, row.measured_on = clean["source"], clean["measured_on"]
    session.flush()
    summary.mark(session, plan.id)  # the desk's figures are recomputed by their next reader (plans/planning/summary.py)
    if journal:
        audit.record(session, user, journal, target=f"plan:{plan.id}",
                     details={"indicator": indicator.name[:100], "year": year,
                              "value": suivi.decimal_text(clean["value"]), "version": row.version}, ip=ip)
    return row


def same_as_stored(row: Optional[IndicatorMeasure], clean: dict) -> bool:
    """Whether writing `clean` would leave the stored measure as it is."""
    return (row is not None and row.value is not None and clean["value"] is not None
            and Decimal(row.value) == clean["value"] and (row.breakdown or {}) == clean["breakdown"]
            and row.source == clean["source"] and row.measured_on == clean["measured_on"])


@dataclass
class Against:
    indicator: Indicator
    year: int
    target: Optional[Decimal]
    measure: Optional[IndicatorMeasure]

    @property
    def value(self) -> Optional[Decimal]:
        return Decimal(self.measure.value) if self.measure is not None and self.measure.value is not None else None

    @property
    def difference(self) -> Optional[Decimal]:
        """value − target; None without either."""
        return self.value - self.target if self.value is not None and self.target is not None else None

    @property
    def reached(self) -> Optional[bool]:
        return self.value >= self.target if self.value is not None and self.target is not None else None


def against_targets(plan: Plan, measures: Iterable[IndicatorMeasure], year: int) -> list[Against]:
    """Each indicator of the plan in `year`: its target, its measure (or None), in the plan's order."""
    by_indicator = {m.indicator_id: m for m in measures if m.year == year}
    out = []
    for indicator in plan.indicators:
        raw = (indicator.targets or {}).get(str(year))
        try:
            target = Decimal(str(raw)) if raw not in (None, "") else None
        except ArithmeticError:
            target = None
        out.append(Against(indicator, year, target, by_indicator.get(indicator.id)))
    return out
