"""Section 2 — Situation de référence: population figures, sector diagnostics and the key findings ("constats
clés") that strategic objectives answer.

The findings of theme "migration" belong to section 3 (Diagnostic migratoire): this module neither shows nor
changes them. Rows without any content are ignored, so a form's empty rows keep their index (error keys are the
form's field names, "population_records-2-year").
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from plans.core import limits
from plans.core.errors import ValidationError
from plans.core.vocab import FINDING_THEMES, POPULATION_SOURCES, SECTORS
from plans.planning.models import Finding, Plan, PopulationRecord, SectorDiagnostic
from plans.planning.sectiondata.common import (
    MAX_COUNT,
    MSG_COUNT_TOO_LARGE,
    describe_count_change,
    is_int,
    row_id,
    summary,
    text,
)
from plans.planning.sections import sync_rows

MIN_YEAR, MAX_YEAR = 1950, 2100
MIGRATION_THEME = "migration"
SITUATION_THEMES = {k: v for k, v in FINDING_THEMES.items() if k != MIGRATION_THEME}

POPULATION_FIELDS = ("year", "value", "source", "note")
DIAGNOSTIC_FIELDS = ("sector", "sub_sector", "findings_text", "assets", "constraints", "potentials")
FINDING_FIELDS = ("theme", "text")






def situation_findings(plan: Plan) -> list[Finding]:
    return [f for f in plan.findings if f.theme != MIGRATION_THEME]


def dump(plan: Plan) -> dict:
    return {
        "population_records": [{"id": r.id, **{n: getattr(r, n) for n in POPULATION_FIELDS}}
                               for r in plan.population_records],
        "sector_diagnostics": [{"id": d.id, **{n: getattr(d, n) for n in DIAGNOSTIC_FIELDS}}
                               for d in plan.sector_diagnostics],
        "findings": [{"id": f.id, **{n: getattr(f, n) for n in FINDING_FIELDS}} for f in situation_findings(plan)],
    }


def _population_blank(row: dict) -> bool:
    return row.get("year") in (None, "") and row.get("value") in (None, "") and not row.get("source") \
        and not text(row.get("note"))


def _diagnostic_blank(row: dict) -> bool:
    return not row.get("sector") and not any(text(row.get(n)) for n in DIAGNOSTIC_FIELDS[1:])


def _finding_blank(row: dict) -> bool:
    return not row.get("theme") and not text(row.get("text"))


def _rows(data: dict, key: str, blank) -> list[tuple[int, dict]]:
    """The rows with content, with their index in the list as typed."""
    return [(i, row) for i, row in enumerate(data.get(key) or []) if not blank(row)]


def validate(data: dict) -> None:
    errors: dict[str, list[str]] = {}
    seen: dict[tuple, int] = {}
    for key, blank in (("population_records", _population_blank), ("sector_diagnostics", _diagnostic_blank),
                       ("findings", _finding_blank)):
        message = limits.too_many(key, len(_rows(data, key, blank)))
        if message:
            errors[key] = [message]
    for i, row in _rows(data, "population_records", _population_blank):
        prefix = f"population_records-{i}-"
        year, value, source = row.get("year"), row.get("value"), row.get("source")
        if year in (None, ""):
            errors[prefix + "year"] = ["Indiquez l'année du chiffre de population."]
        elif not is_int(year) or not MIN_YEAR <= year <= MAX_YEAR:
            errors[prefix + "year"] = [f"L'année doit être comprise entre {MIN_YEAR} et {MAX_YEAR}."]
        if value in (None, ""):
            errors[prefix + "value"] = ["Indiquez le nombre d'habitants."]
        elif not is_int(value) or value <= 0:
            errors[prefix + "value"] = ["La population doit être un nombre entier supérieur à zéro."]
        elif value > MAX_COUNT:
            errors[prefix + "value"] = [MSG_COUNT_TOO_LARGE]
        if source not in POPULATION_SOURCES:
            errors[prefix + "source"] = ["Choisissez la source du chiffre (RGPH, estimation…)."]
        if len(text(row.get("note"))) > 300:
            errors[prefix + "note"] = ["La note ne peut pas dépasser 300 caractères."]
        if is_int(year) and source in POPULATION_SOURCES and prefix + "year" not in errors:
            if (year, source) in seen:
                errors.setdefault(prefix + "year", []).append(
                    f"La population de {year} selon la source « {POPULATION_SOURCES[source]} » "
                    f"figure déjà à la ligne {seen[(year, source)] + 1}.")
            else:
                seen[(year, source)] = i
    for i, row in _rows(data, "sector_diagnostics", _diagnostic_blank):
        prefix = f"sector_diagnostics-{i}-"
        if row.get("sector") not in SECTORS:
            errors[prefix + "sector"] = ["Choisissez le secteur de ce diagnostic."]
        if len(text(row.get("sub_sector"))) > 200:
            errors[prefix + "sub_sector"] = ["Le sous-secteur ne peut pas dépasser 200 caractères."]
        for name in DIAGNOSTIC_FIELDS[2:]:
            message = limits.too_long(text(row.get(name)), limits.TEXT_LONG)
            if message:
                errors[prefix + name] = [message]
    for i, row in _rows(data, "findings", _finding_blank):
        prefix = f"findings-{i}-"
        if row.get("theme") == MIGRATION_THEME:
            errors[prefix + "theme"] = ["Les constats sur la migration se saisissent dans le diagnostic migratoire."]
        elif row.get("theme") not in SITUATION_THEMES:
            errors[prefix + "theme"] = ["Choisissez le thème du constat."]
        if not text(row.get("text")):
            errors[prefix + "text"] = ["Formulez le constat."]
        elif limits.too_long(text(row.get("text")), limits.TEXT_CELL):
            errors[prefix + "text"] = [limits.too_long(text(row.get("text")), limits.TEXT_CELL)]
    if errors:
        raise ValidationError(errors)




def apply(session: Session, plan: Plan, data: dict) -> str:
    validate(data)
    before = (len(plan.population_records), len(plan.sector_diagnostics), len(situation_findings(plan)))

    population = [{"id": row_id(r), "year": r["year"], "value": r["value"], "source": r["source"],
                   "note": text(r.get("note"))} for _, r in _rows(data, "population_records", _population_blank)]
    sync_rows(session, plan.population_records, population, PopulationRecord, POPULATION_FIELDS)

    diagnostics = [{"id": row_id(r), "sector": r["sector"], **{n: text(r.get(n)) for n in DIAGNOSTIC_FIELDS[1:]}}
                   for _, r in _rows(data, "sector_diagnostics", _diagnostic_blank)]
    sync_rows(session, plan.sector_diagnostics, diagnostics, SectorDiagnostic, DIAGNOSTIC_FIELDS)

    # Only this section's findings are synced (an id of a migration finding is not found among them, so it
    # cannot be overwritten); the migration findings stay as they are, in place.
    findings = [{"id": row_id(r), "theme": r["theme"], "text": text(r.get("text"))}
                for _, r in _rows(data, "findings", _finding_blank)]
    migration = [f for f in plan.findings if f.theme == MIGRATION_THEME]
    mine = situation_findings(plan)
    sync_rows(session, mine, findings, Finding, FINDING_FIELDS)
    plan.findings[:] = migration + mine

    after = (len(population), len(diagnostics), len(findings))
    return summary([describe_count_change("Chiffres de population", before[0], after[0]),
                    describe_count_change("Diagnostics sectoriels", before[1], after[1]),
                    describe_count_change("Constats clés", before[2], after[2])],
                   "Situation de référence enregistrée")
