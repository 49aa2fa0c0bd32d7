"""Section 7 — Suivi-évaluation: the indicators, their baseline and one target per year of the plan.

Baselines and targets are typed the French way ("12,5") and read with plans.core.money.parse_decimal; targets are
stored as {"2025": "12.5"}. Rows without any content are ignored, so a form's empty rows keep their index (error
keys are the form's field names, "indicators-0-baseline_year", "indicators-0-targets-2" for the third plan year).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from plans.core.errors import ValidationError
from plans.core.money import AmountError, parse_decimal
from plans.planning.models import Indicator, Plan
from plans.planning.sections import sync_rows
from plans.planning.sectiondata.common import describe_count_change, summary, text
from plans.core.vocab import INDICATOR_CATEGORIES

MIN_YEAR, MAX_YEAR = 1950, 2100
FIELDS = ("category", "name", "unit", "baseline_value", "baseline_year", "targets", "source")

# Offered on a plan whose section 7 was never saved: the migration indicators the JMDI guide asks to follow.
# The JSON and Word exports reuse this list.
SUGGESTED_INDICATORS = (
    {"category": "jmdi_institutionnel", "name": "Associations de la diaspora enregistrées", "unit": "nombre"},
    {"category": "jmdi_politique", "name": "Montant mobilisé auprès de la diaspora", "unit": "FCFA"},
    {"category": "jmdi_politique", "name": "Part du PIP cofinancée par la diaspora", "unit": "%"},
    {"category": "jmdi_politique", "name": "Actions marquées migration réalisées", "unit": "nombre"},
    {"category": "jmdi_politique", "name": "Migrants de retour réinsérés (hommes / femmes)", "unit": "nombre"},
    {"category": "jmdi_politique", "name": "Personnes déplacées accueillies", "unit": "nombre"},
    {"category": "jmdi_institutionnel", "name": "Point focal migration désigné", "unit": "oui/non"},
    {"category": "jmdi_institutionnel", "name": "Année des dernières données migratoires", "unit": "année"},
)


def decimal_text(value: Decimal | None) -> str | None:
    """A Decimal as plain text without exponent or trailing zeros: Decimal("12.50") → "12.5"."""
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return text


def suggested_rows() -> list[dict]:
    return [{"id": None, "category": s["category"], "name": s["name"], "unit": s["unit"], "baseline_value": None,
             "baseline_year": None, "targets": {}, "source": ""} for s in SUGGESTED_INDICATORS]


def dump(plan: Plan) -> dict:
    return {"indicators": [
        {"id": i.id, "category": i.category, "name": i.name, "unit": i.unit,
         "baseline_value": decimal_text(i.baseline_value), "baseline_year": i.baseline_year,
         "targets": dict(i.targets or {}), "source": i.source}
        for i in plan.indicators]}




def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _is_blank(row: dict) -> bool:
    """The category alone is not content: a select always says something."""
    targets = row.get("targets") or {}
    return not (text(row.get("name")) or text(row.get("unit")) or _filled(row.get("baseline_value"))
                or _filled(row.get("baseline_year")) or text(row.get("source"))
                or any(_filled(v) for v in targets.values()))


def _rows(data: dict) -> list[tuple[int, dict]]:
    return [(i, row) for i, row in enumerate(data.get("indicators") or []) if not _is_blank(row)]


def _read(data: dict, years: list[int]) -> tuple[list[dict], dict[str, list[str]]]:
    """Checks the rules and reads the figures; returns the clean rows and the errors by field name."""
    errors: dict[str, list[str]] = {}
    clean = []
    for i, row in _rows(data):
        prefix = f"indicators-{i}-"
        if row.get("category") not in INDICATOR_CATEGORIES:
            errors[prefix + "category"] = ["Choisissez la catégorie de l'indicateur."]
        name = text(row.get("name"))
        if not name:
            errors[prefix + "name"] = ["Donnez un nom à l'indicateur."]
        elif len(name) > 300:
            errors[prefix + "name"] = ["Le nom ne peut pas dépasser 300 caractères."]
        if len(text(row.get("unit"))) > 50:
            errors[prefix + "unit"] = ["L'unité ne peut pas dépasser 50 caractères."]
        if len(text(row.get("source"))) > 300:
            errors[prefix + "source"] = ["La source ne peut pas dépasser 300 caractères."]
        baseline = None
        try:
            baseline = parse_decimal(row.get("baseline_value"), required=False, max_decimals=2)
        except AmountError as error:
            errors[prefix + "baseline_value"] = [error.message]
        year = row.get("baseline_year")
        if year in (None, ""):
            year = None
        elif isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            errors[prefix + "baseline_year"] = [f"L'année de référence doit être comprise entre {MIN_YEAR} et {MAX_YEAR}."]
        targets = {}
        for key, raw in (row.get("targets") or {}).items():
            if not _filled(raw):
                continue
            try:
                target_year = int(key)
            except (TypeError, ValueError):
                target_year = None
            if target_year not in years:
                errors.setdefault(prefix + "targets", []).append(
                    f"Indicateur « {name or i + 1} » : l'année cible {key} n'est pas une année du plan "
                    f"({years[0]}–{years[-1]}).")
                continue
            try:
                value = parse_decimal(raw, max_decimals=2)
            except AmountError as error:
                errors[f"{prefix}targets-{years.index(target_year)}"] = [error.message]
                continue
            targets[str(target_year)] = decimal_text(value)
        clean.append({"id": row.get("id"), "category": row.get("category"), "name": name,
                      "unit": text(row.get("unit")), "baseline_value": baseline, "baseline_year": year,
                      "targets": {str(y): targets[str(y)] for y in years if str(y) in targets},
                      "source": text(row.get("source"))})
    return clean, errors


def validate(data: dict, years: list[int]) -> None:
    _, errors = _read(data, years)
    if errors:
        raise ValidationError(errors)


def apply(session: Session, plan: Plan, data: dict) -> str:
    rows, errors = _read(data, plan.years)
    if errors:
        raise ValidationError(errors)
    for row in rows:
        try:
            row["id"] = int(row["id"]) if row["id"] not in (None, "") else None
        except (TypeError, ValueError):
            row["id"] = None
    before = len(plan.indicators)
    sync_rows(session, plan.indicators, rows, Indicator, FIELDS)
    return summary([describe_count_change("Indicateurs", before, len(rows))], "Suivi-évaluation enregistré")
