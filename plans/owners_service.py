"""Plan owners: collectivités and groupings, their rules and their geometry."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.errors import ValidationError
from plans.owners import COLLECTIVITE_LEVEL, OwnerKind, PlanOwner
from plans.territory import MALI, AdminUnit, TerritoryEdition


def unit_by_code(session: Session, code: str) -> AdminUnit | None:
    """A Malian or foreign unit by its code, preferring the current edition."""
    return session.scalar(
        sa.select(AdminUnit).join(TerritoryEdition).where(AdminUnit.code == (code or "").strip().upper())
        .order_by(TerritoryEdition.is_current.desc(), TerritoryEdition.id.desc()).limit(1))


def collectivite_owner(session: Session, unit: AdminUnit) -> PlanOwner:
    """The owner row of a commune, cercle or région, created the first time it is needed."""
    owner = session.scalar(sa.select(PlanOwner).where(PlanOwner.unit_id == unit.id))
    if owner is None:
        kind = {level: kind for kind, level in COLLECTIVITE_LEVEL.items()}[unit.level]
        owner = PlanOwner(kind=kind, name=unit.display_name, unit=unit)
        session.add(owner)
        session.flush()
    return owner


def commune_owner(session: Session, pcode: str) -> PlanOwner:
    unit = unit_by_code(session, pcode)
    if unit is None or unit.country_iso3 != MALI or unit.level != COLLECTIVITE_LEVEL[OwnerKind.COMMUNE]:
        raise ValidationError({"owner": f"Code de commune inconnu : « {pcode} »."})
    return collectivite_owner(session, unit)
