"""Section 7 — Suivi-évaluation: the indicators, their baseline and one target per year of the plan.

Baselines and targets are typed the French way ("12,5") and read with plans.core.money.parse_decimal (Oui/Non,
stored 1/0, for an indicator whose unit is « oui/non »); targets are stored as {"2025": "12.5"}. Rows without
any content are ignored, so a form's empty rows keep their index (error keys are the form's field names,
"indicators-0-baseline_year", "indicators-0-targets-2" for the third plan year).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from plans.core import limits
from plans.core.errors import ValidationError
from plans.core.money import AmountError, parse_decimal
from plans.core.text import search_key
from plans.core.vocab import INDICATOR_CATEGORIES
from plans.planning.models import Indicator, Plan
from plans.planning.sectiondata.common import describe_count_change, summary, text
from plans.planning.sections import sync_rows

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


# An indicator whose unit is « oui/non » (the suggested « Point focal migration désigné ») takes Oui or Non, in
# any case; the numeric columns store 1 (oui) or 0 (non) and the unit says how to read them.
YES_NO_UNITS = frozenset({"oui/non", "non/oui"})
YES_WORDS, NO_WORDS = frozenset({"oui", "o", "1"}), frozenset({"non", "n", "0"})
MSG_YES_NO = "Pour un indicateur « oui/non », saisissez Oui ou Non."


def is_yes_no(unit) -> bool:
    return isinstance(unit, str) and "".join(unit.split()).casefold() in YES_NO_UNITS


def _yes_no(value) -> Decimal | None:
    """1 for « Oui », 0 for « Non » (also 1/0 as stored); None when blank; ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return Decimal(int(value))
    word = str(value).strip().casefold()
    if word in YES_WORDS:
        return Decimal(1)
    if word in NO_WORDS:
        return Decimal(0)
    try:
        number = Decimal(word.replace(",", "."))
    except ArithmeticError:
        raise ValueError(value) from None
    if number in (0, 1):
        return Decimal(int(number))
    raise ValueError(value)


def display_value(unit, value):
    """A stored figure as people read it: « Oui »/« Non » for a oui/non indicator, else unchanged."""
    if value is None or not is_yes_no(unit):
        return value
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return value
    return "Oui" if number == 1 else "Non" if number == 0 else value


# Which suggested indicator follows an action carrying which migration tag (plans.planning.indicators.migration_tags,
# « diaspora » derived from the funding lines): the fiche action of the council document names them. Indicators
# and actions have no typed link; these follow by their meaning, and MIGRATION_ACTIONS counts every tagged action.
TAG_INDICATORS = {
    "diaspora": ("Montant mobilisé auprès de la diaspora", "Part du PIP cofinancée par la diaspora"),
    "retour": ("Migrants de retour réinsérés (hommes / femmes)",),
    "deplacement": ("Personnes déplacées accueillies",),
}
MIGRATION_ACTIONS = "Actions marquées migration réalisées"


def indicators_served(plan_indicators, tags) -> list:
    """The plan's indicators that follow an action with these migration tags, in the plan's order: those named in
    TAG_INDICATORS for one of its tags and, for any tagged action, MIGRATION_ACTIONS (names compared without case
    or accents, so a planner's « montant mobilisé auprès de la diaspora » still counts)."""
    tags = list(tags or ())
    wanted = {search_key(name) for tag in tags for name in TAG_INDICATORS.get(tag, ())}
    if tags:
        wanted.add(search_key(MIGRATION_ACTIONS))
    return [i for i in plan_indicators if search_key(i.name) in wanted]


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
    message = limits.too_many("indicators", len(_rows(data)))
    if message:
        errors["indicators"] = [message]
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
        yes_no = is_yes_no(row.get("unit"))
        baseline = None
        try:
            baseline = _value(row.get("baseline_value"), yes_no, required=False)
        except AmountError as error:
            errors[prefix + "baseline_value"] = [error.message]
        year = row.get("baseline_year")
        if year in (None, ""):
            year = None
        elif isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            errors[prefix + "baseline_year"] = [
                f"L'année de référence doit être comprise entre {MIN_YEAR} et {MAX_YEAR}."]
        elif years and year > years[-1]:
            errors[prefix + "baseline_year"] = [
                f"L'année de référence ({year}) est après la fin du plan ({years[-1]}) : la référence décrit la "
                f"situation de départ, au plus tard en {years[0]}."]
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
                value = _value(raw, yes_no)
            except AmountError as error:
                errors[f"{prefix}targets-{years.index(target_year)}"] = [error.message]
                continue
            targets[str(target_year)] = decimal_text(value)
        clean.append({"id": row.get("id"), "category": row.get("category"), "name": name,
                      "unit": text(row.get("unit")), "baseline_value": baseline, "baseline_year": year,
                      "targets": {str(y): targets[str(y)] for y in years if str(y) in targets},
                      "source": text(row.get("source"))})
    return clean, errors


def _value(raw, yes_no: bool, required: bool = True) -> Decimal | None:
    """A baseline or target: a decimal ("12,5"), or Oui/Non (1/0) for a oui/non indicator; AmountError in
    French otherwise."""
    if not yes_no:
        return parse_decimal(raw, required=required, max_decimals=2)
    try:
        return _yes_no(raw)
    except ValueError:
        raise AmountError(MSG_YES_NO) from None


def warnings(data: dict, years: list[int]) -> dict[str, list[str]]:
    """Possible but doubtful figures, shown next to the field and in the checklist, never refusing the save:
    a baseline measured after the start of the plan. `data` is what `dump` gives."""
    out: dict[str, list[str]] = {}
    if not years:
        return out
    for i, row in _rows(data):
        year = row.get("baseline_year")
        if isinstance(year, int) and not isinstance(year, bool) and years[0] < year <= years[-1]:
            name = text(row.get("name")) or str(i + 1)
            out[f"indicators-{i}-baseline_year"] = [
                f"Indicateur « {name} » : l'année de référence ({year}) est postérieure au début du plan "
                f"({years[0]}) ; la référence se mesure normalement avant ou au début du plan."]
    return out


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
