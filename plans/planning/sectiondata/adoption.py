"""Section 8 — Adoption: the council's deliberation and the transmission to the tutelle."""
from __future__ import annotations

from sqlalchemy.orm import Session

from plans.core.errors import ValidationError
from plans.planning.models import Plan
from plans.planning.sectiondata.common import from_iso, iso, summary

FIELDS = ("deliberation_number", "deliberation_date", "council_session", "transmission_date", "transmission_authority")
DATE_FIELDS = ("deliberation_date", "transmission_date")
LABELS = {"deliberation_number": "numéro de délibération", "deliberation_date": "date de délibération",
          "council_session": "session du conseil", "transmission_date": "date de transmission",
          "transmission_authority": "autorité de tutelle"}


def dump(plan: Plan) -> dict:
    return {n: iso(getattr(plan, n)) if n in DATE_FIELDS else getattr(plan, n) for n in FIELDS}


def validate(data: dict) -> None:
    errors = {}
    deliberation, transmission = from_iso(data.get("deliberation_date")), from_iso(data.get("transmission_date"))
    if transmission and not deliberation:
        errors["deliberation_date"] = ["Indiquez la date de la délibération avant celle de la transmission."]
    elif transmission and deliberation and transmission < deliberation:
        errors["transmission_date"] = ["La transmission à la tutelle ne peut précéder la délibération."]
    if (data.get("transmission_date") and not (data.get("transmission_authority") or "").strip()):
        errors["transmission_authority"] = ["Indiquez l'autorité de tutelle destinataire (préfet, sous-préfet…)."]
    if errors:
        raise ValidationError(errors)


def apply(session: Session, plan: Plan, data: dict) -> str:
    validate(data)
    changed = []
    for name in FIELDS:
        value = from_iso(data.get(name)) if name in DATE_FIELDS else ((data.get(name) or "").strip() or None)
        if getattr(plan, name) != value:
            changed.append(LABELS[name])
            setattr(plan, name, value)
    return summary([("Modifié : " + ", ".join(changed)) if changed else None], "Section enregistrée sans changement")
