"""Section 1 — Identification et démarche, with the review of the previous plan (« bilan du plan précédent »,
`previous_review`: pre-filled by plans/execution/nextplan.py, edited here like any text)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from plans.core import limits
from plans.core.errors import ValidationError
from plans.core.vocab import GUIDE_VERSIONS, PROCESS_STEPS
from plans.planning import service as plan_service
from plans.planning.models import Plan, ProcessStep
from plans.planning.sectiondata.common import (
    MAX_COUNT,
    MSG_COUNT_TOO_LARGE,
    describe_count_change,
    from_iso,
    iso,
    summary,
)
from plans.planning.sections import sync_rows

PLAN_FIELDS = ("title", "period_start", "period_end", "guide_version", "facilitators", "process_funders", "summary",
               "previous_review")
STEP_FIELDS = ("step", "date", "place", "place_country", "men", "women", "youth", "diaspora")
LONG_TEXTS = ("facilitators", "process_funders", "summary", "previous_review")
FIELD_LABELS = {"title": "titre", "period_start": "année de début", "period_end": "année de fin",
                "guide_version": "version du guide", "facilitators": "facilitateurs",
                "process_funders": "financeurs de la démarche", "summary": "résumé",
                "previous_review": "bilan du plan précédent"}


def dump(plan: Plan) -> dict:
    return {
        **{name: getattr(plan, name) for name in PLAN_FIELDS},
        "process_steps": [
            {"id": s.id, **{n: getattr(s, n) for n in STEP_FIELDS}, "date": iso(s.date)} for s in plan.process_steps
        ],
    }


def validate(data: dict) -> None:
    errors = plan_service.period_problems(data.get("period_start"), data.get("period_end"))
    if not (data.get("title") or "").strip():
        errors["title"] = ["Donnez un titre au plan."]
    if data.get("guide_version") not in GUIDE_VERSIONS:
        errors["guide_version"] = ["Version du guide inconnue."]
    for name in LONG_TEXTS:
        value = data.get(name)
        message = limits.too_long(value, limits.TEXT_LONG) if isinstance(value, str) else None
        if message:
            errors[name] = [message]
    message = limits.too_many("process_steps", len(data.get("process_steps") or []))
    if message:
        errors["process_steps"] = [message]
    for i, step in enumerate(data.get("process_steps", [])):
        if step.get("step") not in PROCESS_STEPS:
            errors[f"process_steps-{i}-step"] = ["Choisissez l'étape de la démarche."]
        for field in ("men", "women", "youth", "diaspora"):
            value = step.get(field)
            if value is not None and value < 0:
                errors[f"process_steps-{i}-{field}"] = ["Un nombre de participants ne peut pas être négatif."]
            elif value is not None and value > MAX_COUNT:
                errors[f"process_steps-{i}-{field}"] = [MSG_COUNT_TOO_LARGE]
    if errors:
        raise ValidationError(errors)


def apply(session: Session, plan: Plan, data: dict) -> str:
    validate(data)
    changed = [FIELD_LABELS[n] for n in PLAN_FIELDS if n in data and getattr(plan, n) != data[n]]
    for name in PLAN_FIELDS:
        if name in data:
            setattr(plan, name, data[name].strip() if isinstance(data[name], str) else data[name])
    before = len(plan.process_steps)
    rows = [{**s, "date": from_iso(s.get("date")), "place_country": s.get("place_country") or "ML",
             **{n: s.get(n) or 0 for n in ("men", "women", "youth", "diaspora")}}
            for s in data.get("process_steps", [])]
    sync_rows(session, plan.process_steps, rows, ProcessStep, STEP_FIELDS)
    return summary([("Modifié : " + ", ".join(changed)) if changed else None,
                    describe_count_change("Étapes de la démarche", before, len(rows))],
                   "Section enregistrée sans changement")
