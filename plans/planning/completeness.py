"""What a plan still lacks, section by section: the checklist on screen, the gate before submission."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy.orm import selectinload

from plans.planning import finance
from plans.planning.finance import action_figures
from plans.planning.models import Axis, Plan
from plans.planning.sectiondata import migration, suivi
from plans.planning.sections import SECTIONS

COMPLETE, INCOMPLETE, ERROR = "complet", "incomplet", "erreur"
STATUS_LABELS = {COMPLETE: "Complète", INCOMPLETE: "Incomplète", ERROR: "En erreur"}


@dataclass
class SectionCheck:
    key: str
    title: str
    number: int
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # figures that look wrong but stay possible: not blocking

    @property
    def status(self) -> str:
        return ERROR if self.errors else INCOMPLETE if self.missing else COMPLETE

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Completeness:
    sections: list[SectionCheck]

    @property
    def percent(self) -> int:
        done = sum(1 for s in self.sections if s.status == COMPLETE)
        return round(100 * done / len(self.sections)) if self.sections else 0

    @property
    def is_complete(self) -> bool:
        return all(s.status == COMPLETE for s in self.sections)

    def by_key(self, key: str) -> SectionCheck:
        return next(s for s in self.sections if s.key == key)


def _identification(plan: Plan, check: SectionCheck) -> None:
    if not plan.process_steps:
        check.missing.append("Décrivez au moins une étape de la démarche d'élaboration.")
    elif not any(s.step == "diagnostic_migratoire" or s.diaspora for s in plan.process_steps):
        check.missing.append("Indiquez la participation de la diaspora à au moins une étape de la démarche.")
    if not plan.facilitators.strip():
        check.missing.append("Indiquez qui a facilité la démarche.")


def _situation(plan: Plan, check: SectionCheck) -> None:
    if not plan.population_records:
        check.missing.append("Ajoutez au moins un chiffre de population (année, valeur, source).")
    if not plan.sector_diagnostics:
        check.missing.append("Ajoutez au moins un diagnostic sectoriel.")


def _migration(plan: Plan, check: SectionCheck) -> None:
    profile = plan.migration_profile
    if profile is None or profile.emigrants_total is None:
        check.missing.append("Indiquez le nombre d'émigrés (total).")
    elif not (profile.data_year and profile.source and profile.reliability):
        check.missing.append("Précisez l'année, la source et la fiabilité des données migratoires.")
    if not plan.destinations:
        check.missing.append("Ajoutez au moins une destination des émigrés.")
    if not any(f.theme == "migration" for f in plan.findings):
        check.missing.append("Formulez au moins un constat clé sur la migration.")
    check.warnings.extend(m for ms in migration.warnings(migration.dump(plan)).values() for m in ms)


def _orientations(plan: Plan, check: SectionCheck) -> None:
    if not plan.axes:
        check.missing.append("Définissez au moins un axe stratégique.")
    elif not any(a.objectives for a in plan.axes):
        check.missing.append("Définissez au moins un objectif par axe.")
    if not plan.priorities:
        check.missing.append("Classez les priorités avec la grille de notation.")


def _actions(plan: Plan, check: SectionCheck, fin: Optional[finance.PlanFinance] = None) -> None:
    if not plan.actions:
        check.missing.append("Ajoutez au moins une action au PIP.")
        return
    for action in plan.actions:
        figures = fin.figures_for(action) if fin is not None else action_figures(action, plan.years)
        for _, message in figures.errors:  # every one: a scheme names each share out of its range
            check.errors.append(f"Action « {action.title} » : {message}")


def _financement(plan: Plan, check: SectionCheck) -> None:
    if not plan.actions:
        check.missing.append("Le financement se calcule à partir des actions.")


def _suivi(plan: Plan, check: SectionCheck) -> None:
    if not plan.indicators:
        check.missing.append("Ajoutez au moins un indicateur de suivi.")
    elif any(i.baseline_value is None for i in plan.indicators):
        check.missing.append("Donnez une valeur de référence à chaque indicateur.")
    check.warnings.extend(m for ms in suivi.warnings(suivi.dump(plan), plan.years).values() for m in ms)


def _adoption(plan: Plan, check: SectionCheck) -> None:
    if not plan.deliberation_number or not plan.deliberation_date:
        check.missing.append("Le numéro et la date de la délibération seront saisis après le vote du conseil.")


CHECKS = {"identification": _identification, "situation": _situation, "migration": _migration,
          "orientations": _orientations, "actions": _actions, "financement": _financement, "suivi": _suivi,
          "adoption": _adoption}


def load_options():
    """SQLAlchemy loader options for a Plan about to be checked (every section's rows, finance's options): a plan
    page shows the checklist, and a 150-action plan loaded lazily issued one query per action and per line."""
    return (*finance.load_options(), selectinload(Plan.population_records), selectinload(Plan.migration_profile),
            selectinload(Plan.process_steps), selectinload(Plan.sector_diagnostics), selectinload(Plan.findings),
            selectinload(Plan.destinations), selectinload(Plan.axes).selectinload(Axis.objectives),
            selectinload(Plan.priorities), selectinload(Plan.indicators))


def check_plan(plan: Plan, fin: Optional[finance.PlanFinance] = None) -> Completeness:
    """`fin`: the plan's finance.plan_finance when the page has it already; its figures of each action are then
    read rather than computed a second time (the same finance.action_figures, on the same plan)."""
    result = []
    for s in SECTIONS:
        check = SectionCheck(s.key, s.title, s.number)
        if s.key == "actions":
            _actions(plan, check, fin)
        else:
            CHECKS[s.key](plan, check)
        result.append(check)
    return Completeness(result)
