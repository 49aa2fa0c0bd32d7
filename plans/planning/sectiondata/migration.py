"""Section 3 — Diagnostic migratoire: the migration profile, destinations, past co-development projects and
the key migration findings; plus the owner's diaspora associations (shared by every plan of the owner, so they
are kept out of the section's snapshot and history).

`dump(plan)` is JSON-friendly (percentages as strings "12.5", amounts as integers); `apply` accepts what `dump`
gives and what people type ("1 500 000", "12,5"): amounts and shares are read through plans/core/money.py.
Error keys are the form's field names ("emigrants_total", "destinations-0-count", "codev_projects-1-title").
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.core import formatting, limits
from plans.core.errors import ValidationError
from plans.core.money import AmountError, parse_fcfa, parse_share
from plans.core.vocab import CODEV_STATES, RELIABILITY, SECTORS, TRENDS
from plans.owners.models import PlanOwner
from plans.planning.models import (
    CodevProject,
    DestinationStock,
    DiasporaAssociation,
    Finding,
    FundingLine,
    MigrationProfile,
    Plan,
)
from plans.planning.sectiondata.common import MAX_COUNT, MSG_COUNT_TOO_LARGE, describe_count_change, summary
from plans.planning.sections import sync_rows

THEME = "migration"
YEAR_MIN, YEAR_MAX = 1950, 2100

COUNT_FIELDS = ("emigrants_total", "emigrants_internal", "emigrants_international", "returnees_voluntary",
                "returnees_forced", "returnee_graduates", "displaced_hosted", "displaced_returned")
SHARE_FIELDS = ("households_with_emigrant_pct", "households_receiving_remittances_pct")
TEXT_FIELDS = ("source", "remittance_uses", "returnee_skills_needs", "transit_seasonal")
PROFILE_FIELDS = (COUNT_FIELDS + SHARE_FIELDS
                  + ("data_year", "reliability", "remittances_fcfa_per_year") + TEXT_FIELDS)
DESTINATION_FIELDS = ("country", "city", "count", "trend")
CODEV_FIELDS = ("title", "locality", "sector", "year", "cost_fcfa", "funders", "state")

PROFILE_LABELS = {
    "emigrants_total": "émigrés (total)", "emigrants_internal": "émigrés internes",
    "emigrants_international": "émigrés internationaux", "data_year": "année des données", "source": "source",
    "reliability": "fiabilité", "households_with_emigrant_pct": "ménages avec un émigré",
    "households_receiving_remittances_pct": "ménages recevant des transferts",
    "remittances_fcfa_per_year": "transferts annuels", "remittance_uses": "usages des transferts",
    "returnees_voluntary": "retours volontaires", "returnees_forced": "retours forcés",
    "returnee_graduates": "diplômés formés à l'étranger", "returnee_skills_needs": "compétences et besoins",
    "displaced_hosted": "déplacés accueillis", "displaced_returned": "déplacés retournés",
    "transit_seasonal": "transit et mobilité saisonnière",
}

MSG_CONSENT = ("Cochez la case de consentement de l'association pour enregistrer un contact, "
               "ou effacez le nom et les coordonnées du contact.")


def _n(value: int) -> str:
    return formatting.number(value, plain=True)


def _share_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


# ----- Section data -----

def dump(plan: Plan) -> dict:
    p = plan.migration_profile
    profile: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        value = getattr(p, name) if p is not None else None
        if name in SHARE_FIELDS:
            value = _share_text(value)
        elif name in TEXT_FIELDS and value is None:
            value = ""
        profile[name] = value
    return {
        **profile,
        "destinations": [{"id": d.id, **{n: getattr(d, n) for n in DESTINATION_FIELDS}} for d in plan.destinations],
        "codev_projects": [{"id": c.id, **{n: getattr(c, n) for n in CODEV_FIELDS}} for c in plan.codev_projects],
        "findings": [{"id": f.id, "text": f.text} for f in plan.findings if f.theme == THEME],
    }


def _int(value, key: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors[key] = ["Saisissez un nombre entier."]
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).replace("\u202f", "").replace("\xa0", "").replace(" ", ""))
    except ValueError:
        errors[key] = ["Saisissez un nombre entier."]
        return None


def _count(value, key: str, errors: dict) -> int | None:
    n = _int(value, key, errors)
    if n is not None and n < 0:
        errors[key] = ["Un effectif ne peut pas être négatif."]
    elif n is not None and n > MAX_COUNT:
        errors[key] = [MSG_COUNT_TOO_LARGE]
    return n


def _year(value, key: str, errors: dict) -> int | None:
    n = _int(value, key, errors)
    if n is not None and not YEAR_MIN <= n <= YEAR_MAX:
        errors[key] = [f"L'année doit être comprise entre {YEAR_MIN} et {YEAR_MAX}."]
    return n


def _fcfa(value, key: str, errors: dict) -> int | None:
    try:
        return parse_fcfa(value, required=False)
    except AmountError as error:
        errors[key] = [error.message]
        return None


def _share(value, key: str, errors: dict) -> Decimal | None:
    try:
        return parse_share(value, required=False)
    except AmountError as error:
        errors[key] = [error.message]
        return None


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


def _blank(row: dict, fields, ignore=()) -> bool:
    """A row left empty in the form (its default selects aside) is skipped: the form offers blank rows."""
    return all(row.get(n) in (None, "") or (isinstance(row.get(n), str) and not row[n].strip())
               for n in fields if n not in ignore)


def clean(data: dict) -> dict:
    """The section's data checked and typed (ints, Decimals, stripped texts), or ValidationError in French.
    Blank rows of the lists are skipped; error keys keep the row's index as given."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name in COUNT_FIELDS:
        out[name] = _count(data.get(name), name, errors)
    for name in SHARE_FIELDS:
        out[name] = _share(data.get(name), name, errors)
    out["data_year"] = _year(data.get("data_year"), "data_year", errors)
    out["remittances_fcfa_per_year"] = _fcfa(data.get("remittances_fcfa_per_year"), "remittances_fcfa_per_year",
                                             errors)
    for name in TEXT_FIELDS:
        out[name] = _text(data.get(name))
    if len(out["source"]) > 300:
        errors["source"] = ["La source tient en 300 caractères au plus."]
    for name in TEXT_FIELDS[1:]:
        message = limits.too_long(out[name], limits.TEXT_LONG)
        if message:
            errors[name] = [message]
    for key, fields, ignore in (("destinations", DESTINATION_FIELDS, ("trend",)),
                                ("codev_projects", CODEV_FIELDS, ("state",)), ("findings", ("text",), ())):
        message = limits.too_many(key, sum(1 for row in data.get(key) or [] if not _blank(row, fields, ignore)))
        if message:
            errors[key] = [message]
    reliability = data.get("reliability") or None
    if reliability is not None and reliability not in RELIABILITY:
        errors["reliability"] = ["Fiabilité inconnue : mesuré, estimé ou déclaratif."]
    out["reliability"] = reliability

    total, internal, international = (out["emigrants_total"], out["emigrants_internal"],
                                      out["emigrants_international"])
    if total is not None and internal is not None and international is not None and not errors.get("emigrants_total"):
        if internal + international > total:
            errors.setdefault("emigrants_total", []).append(
                f"Les émigrés internes et internationaux ({_n(internal + international)}) "
                f"dépassent le total ({_n(total)}).")
    for part in ("emigrants_internal", "emigrants_international"):
        if total is not None and out[part] is not None and out[part] > total and part not in errors:
            errors[part] = [f"Ce nombre dépasse le total des émigrés ({_n(total)})."]

    graduates = out["returnee_graduates"]
    if graduates and "returnee_graduates" not in errors:
        voluntary, forced = out["returnees_voluntary"], out["returnees_forced"]
        if voluntary is None and forced is None:
            pass  # the returnees are not known yet: a warning (`warnings`), not an impossibility
        elif graduates > (voluntary or 0) + (forced or 0):
            errors["returnee_graduates"] = [
                f"Les diplômés ({_n(graduates)}) ne peuvent dépasser les migrants de retour "
                f"({_n((voluntary or 0) + (forced or 0))})."]

    countries = dict(formatting.countries())
    destinations = []
    for i, row in enumerate(data.get("destinations") or []):
        if _blank(row, DESTINATION_FIELDS, ignore=("trend",)):
            continue
        country = (row.get("country") or "").strip().upper()
        if not country:
            errors[f"destinations-{i}-country"] = ["Choisissez le pays de destination."]
        elif country not in countries:
            errors[f"destinations-{i}-country"] = [f"Pays inconnu : « {country} »."]
        trend = row.get("trend") or "inconnue"
        if trend not in TRENDS:
            errors[f"destinations-{i}-trend"] = ["Tendance inconnue."]
        city = _text(row.get("city"))
        if len(city) > 200:
            errors[f"destinations-{i}-city"] = ["La ville tient en 200 caractères au plus."]
        destinations.append({"id": row.get("id"), "country": country, "city": city,
                             "count": _count(row.get("count"), f"destinations-{i}-count", errors), "trend": trend})
    if not any(k.startswith("destinations-") and k.endswith("-count") for k in errors):
        abroad, in_mali = destination_sums(destinations)
        if abroad is not None and international is not None and abroad > international:
            errors.setdefault("emigrants_international", []).append(
                f"La somme des émigrés par destination ({_n(abroad)}) dépasse le nombre d'émigrés "
                f"internationaux ({_n(international)}) : corrigez l'un ou l'autre.")
        elif abroad is not None and international is None and total is not None and abroad > total \
                and "emigrants_total" not in errors:
            errors["emigrants_total"] = [
                f"La somme des émigrés par destination ({_n(abroad)}) dépasse le total des émigrés "
                f"({_n(total)}) : corrigez l'un ou l'autre."]
        if in_mali is not None and internal is not None and in_mali > internal:
            errors.setdefault("emigrants_internal", []).append(
                f"La somme des émigrés vers des destinations au Mali ({_n(in_mali)}) dépasse le nombre de "
                f"migrants internes ({_n(internal)}) : corrigez l'un ou l'autre.")

    projects = []
    for i, row in enumerate(data.get("codev_projects") or []):
        if _blank(row, CODEV_FIELDS, ignore=("state",)):
            continue
        title = _text(row.get("title"))
        if not title:
            errors[f"codev_projects-{i}-title"] = ["Donnez un intitulé au projet."]
        elif len(title) > 300:
            errors[f"codev_projects-{i}-title"] = ["L'intitulé tient en 300 caractères au plus."]
        sector = row.get("sector") or ""
        if not sector:
            errors[f"codev_projects-{i}-sector"] = ["Choisissez le secteur du projet."]
        elif sector not in SECTORS:
            errors[f"codev_projects-{i}-sector"] = ["Secteur inconnu."]
        state = row.get("state") or "fonctionnel"
        if state not in CODEV_STATES:
            errors[f"codev_projects-{i}-state"] = ["État inconnu : fonctionnel, en panne ou abandonné."]
        projects.append({"id": row.get("id"), "title": title, "locality": _text(row.get("locality")),
                         "sector": sector, "year": _year(row.get("year"), f"codev_projects-{i}-year", errors),
                         "cost_fcfa": _fcfa(row.get("cost_fcfa"), f"codev_projects-{i}-cost_fcfa", errors),
                         "funders": _text(row.get("funders")), "state": state})

    findings = []
    for i, row in enumerate(data.get("findings") or []):
        text = _text(row.get("text"))
        if text:
            findings.append({"id": row.get("id"), "text": text})
            if limits.too_long(text, limits.TEXT_CELL):
                errors[f"findings-{i}-text"] = [limits.too_long(text, limits.TEXT_CELL)]

    if errors:
        raise ValidationError(errors)
    return {**out, "destinations": destinations, "codev_projects": projects, "findings": findings}


def validate(data: dict) -> None:
    clean(data)


def destination_sums(destinations: list[dict]) -> tuple[int | None, int | None]:
    """The émigrés counted by destination abroad and in Mali (None when no row of that kind has a count)."""
    abroad = [d["count"] for d in destinations if d.get("count") is not None and d.get("country") != "ML"]
    in_mali = [d["count"] for d in destinations if d.get("count") is not None and d.get("country") == "ML"]
    return (sum(abroad) if abroad else None), (sum(in_mali) if in_mali else None)


def warnings(data: dict) -> dict[str, list[str]]:
    """What looks wrong in figures that are still possible (a planner often has estimates from several
    sources): shown next to the field and in the section's checklist, never refusing the save. `data` is what
    `clean` or `dump` gives (whole numbers); keys are the form's field names."""
    out: dict[str, list[str]] = {}
    total, internal, international = (data.get("emigrants_total"), data.get("emigrants_internal"),
                                      data.get("emigrants_international"))
    if total is not None and internal is not None and international is not None \
            and internal + international < total:
        out["emigrants_total"] = [
            f"Les émigrés internes et internationaux ({_n(internal + international)}) ne font pas le total "
            f"({_n(total)}) : il en manque {_n(total - internal - international)}. Vérifiez les chiffres, ou "
            "précisez dans la source qu'il s'agit d'estimations."]
    abroad, in_mali = destination_sums(data.get("destinations") or [])
    if abroad is not None and international is None:
        out["emigrants_international"] = [
            f"Les destinations à l'étranger comptent {_n(abroad)} émigrés : indiquez aussi le nombre d'émigrés "
            "internationaux."]
    if in_mali is not None and internal is None:
        out["emigrants_internal"] = [
            f"Les destinations au Mali comptent {_n(in_mali)} émigrés : indiquez aussi le nombre de migrants "
            "internes."]
    if data.get("returnee_graduates") and data.get("returnees_voluntary") is None \
            and data.get("returnees_forced") is None:
        out["returnee_graduates"] = [
            "Indiquez aussi le nombre de migrants de retour (volontaires ou forcés) : les diplômés formés à "
            "l'étranger en font partie."]
    return out


def apply(session: Session, plan: Plan, data: dict) -> str:
    data = clean(data)
    profile = plan.migration_profile
    if profile is None:
        profile = MigrationProfile()
        plan.migration_profile = profile
    changed = []
    for name in PROFILE_FIELDS:
        before = getattr(profile, name)
        after = data[name]
        if name in SHARE_FIELDS:
            same = (before is None and after is None) or (before is not None and after is not None
                                                           and Decimal(before) == after)
        else:
            same = ((before or "") if name in TEXT_FIELDS else before) == after
        if not same:
            changed.append(PROFILE_LABELS[name])
            setattr(profile, name, after)

    before_dest, before_codev = len(plan.destinations), len(plan.codev_projects)
    sync_rows(session, plan.destinations, data["destinations"], DestinationStock, DESTINATION_FIELDS)
    sync_rows(session, plan.codev_projects, data["codev_projects"], CodevProject, CODEV_FIELDS)

    # Findings of other themes belong to other sections: keep them as they are, sync only ours.
    others = [f for f in plan.findings if f.theme != THEME]
    ours = [f for f in plan.findings if f.theme == THEME]
    before_findings = len(ours)
    sync_rows(session, ours, data["findings"], lambda: Finding(theme=THEME), ("text",))
    offset = max((f.position for f in others), default=-1) + 1
    for i, finding in enumerate(ours):
        finding.theme = THEME
        finding.position = offset + i
    plan.findings[:] = others + ours

    return summary([("Modifié : " + ", ".join(changed)) if changed else None,
                    describe_count_change("Destinations", before_dest, len(data["destinations"])),
                    describe_count_change("Projets de codéveloppement", before_codev, len(data["codev_projects"])),
                    describe_count_change("Constats migratoires", before_findings, len(data["findings"]))],
                   "Section enregistrée sans changement")


# ----- Diaspora associations (owner-level) -----

ASSOCIATION_TEXTS = ("name", "host_city", "sections", "contact_name", "contact_details")


def associations_of(session: Session, owner: PlanOwner) -> list[DiasporaAssociation]:
    return list(session.scalars(sa.select(DiasporaAssociation).where(DiasporaAssociation.owner_id == owner.id)
                                .order_by(DiasporaAssociation.name, DiasporaAssociation.id)))


def clean_association(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    name = _text(data.get("name"))
    if not name:
        errors["name"] = ["Donnez le nom de l'association."]
    elif len(name) > 300:
        errors["name"] = ["Le nom tient en 300 caractères au plus."]
    country = (data.get("host_country") or "").strip().upper()
    if not country:
        errors["host_country"] = ["Choisissez le pays où siège l'association."]
    elif country not in dict(formatting.countries()):
        errors["host_country"] = [f"Pays inconnu : « {country} »."]
    sectors = data.get("sectors") or []
    if isinstance(sectors, str):
        sectors = [s for s in sectors.split(",") if s]
    unknown = [s for s in sectors if s not in SECTORS]
    if unknown:
        errors["sectors"] = ["Secteur inconnu : " + ", ".join(unknown) + "."]
    sections = "\n".join(line.strip() for line in (data.get("sections") or "").splitlines() if line.strip())
    consent = bool(data.get("contact_consent"))
    contact_name, contact_details = _text(data.get("contact_name")), _text(data.get("contact_details"))
    if (contact_name or contact_details) and not consent:
        errors["contact_consent"] = [MSG_CONSENT]
    for key, value, limit in (("host_city", _text(data.get("host_city")), 200), ("contact_name", contact_name, 200),
                              ("contact_details", contact_details, 300)):
        if len(value) > limit:
            errors[key] = [f"Ce champ tient en {limit} caractères au plus."]
    if limits.too_long(sections, limits.TEXT_CELL):
        errors["sections"] = [limits.too_long(sections, limits.TEXT_CELL)]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "host_country": country, "host_city": _text(data.get("host_city")), "sections": sections,
            "sectors": ",".join(s for s in SECTORS if s in sectors), "contact_name": contact_name,
            "contact_details": contact_details, "contact_consent": consent}


def check_association_room(session: Session, owner: PlanOwner) -> None:
    """ValidationError when the owner already has as many diaspora associations as plans/core/limits.py allows."""
    count = session.scalar(sa.select(sa.func.count()).select_from(DiasporaAssociation)
                           .where(DiasporaAssociation.owner_id == owner.id)) or 0
    bound = limits.ROWS["diaspora_associations"]
    if count >= bound.limit:
        raise ValidationError({"": [bound.full(count, "Cette collectivité ou ce groupement")]})


def create_association(session: Session, owner: PlanOwner, data: dict) -> DiasporaAssociation:
    values = clean_association(data)
    check_association_room(session, owner)
    association = DiasporaAssociation(owner_id=owner.id, **values)
    session.add(association)
    session.flush()
    return association


def update_association(session: Session, association: DiasporaAssociation, data: dict) -> DiasporaAssociation:
    values = clean_association(data)
    for name, value in values.items():
        setattr(association, name, value)
    session.flush()
    return association


def delete_association(session: Session, association: DiasporaAssociation) -> None:
    used = session.scalar(sa.select(sa.func.count()).select_from(FundingLine)
                          .where(FundingLine.association_id == association.id))
    if used:
        raise ValidationError({"": [f"L'association « {association.name} » finance {used} ligne(s) du PIP : "
                                    "retirez-la de ces financements avant de la supprimer."]})
    session.delete(association)
    session.flush()


def association_data(association: DiasporaAssociation) -> dict:
    return {"name": association.name, "host_country": association.host_country, "host_city": association.host_city,
            "sections": association.sections, "sectors": [s for s in association.sectors.split(",") if s],
            "contact_name": association.contact_name, "contact_details": association.contact_details,
            "contact_consent": association.contact_consent}
