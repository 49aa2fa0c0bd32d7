"""Writes units of one edition, comparing before writing, so that loading the same files again changes nothing.

Used by `plans/territory/loader.py` (the neighbours' layers) and `plans/territory/editions.py` (Mali's editions).
An official name set by an administrator (`AdminUnit.official_name`) is not a field compared here: a load keeps
it, and the search key written still holds it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.territory.models import AdminUnit, TerritoryEdition, unit_search_key

NAME_CORRECTIONS_FILE = "name_corrections.csv"
# What a load compares and updates. Never official_name / official_name_set_at: those are the administrators'.
COMPARED_FIELDS = ("country_iso3", "level", "name", "name_fr", "alt_names", "search_key", "parent_id", "area_km2",
                   "label_lon", "label_lat", "geometry", "geometry_simplified", "has_geometry", "licence")


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)  # label → units present after the load
    created: int = 0
    updated: int = 0
    corrections: int = 0  # names of name_corrections.csv applied
    # P-codes of the file not applied: the source's name is no longer the one corrected, or no unit has the code.
    stale_corrections: list[str] = field(default_factory=list)
    successions: int = 0  # crosswalk lines added (plans/territory/crosswalk.py)

    def summary(self) -> str:
        parts = [f"{n} {label}" for label, n in self.counts.items()]
        text = ", ".join(parts) + f" ({self.created} créées, {self.updated} mises à jour)"
        if self.successions:
            text += f" ; {self.successions} correspondances avec l'édition précédente"
        if self.corrections:
            text += f" ; {self.corrections} noms corrigés selon {NAME_CORRECTIONS_FILE}"
        if self.stale_corrections:
            text += (f" ; corrections non appliquées (nom de la source changé ou code inconnu) : "
                     f"{', '.join(self.stale_corrections)}")
        return text


class Upserter:
    """Creates or updates the units of one edition, comparing before writing so a re-run is a no-op."""

    def __init__(self, session: Session, edition: TerritoryEdition, report: LoadReport):
        self.session, self.edition, self.report = session, edition, report
        rows = session.scalars(sa.select(AdminUnit).where(AdminUnit.edition_id == edition.id)
                               .options(sa.orm.undefer(AdminUnit.geometry),
                                        sa.orm.undefer(AdminUnit.geometry_simplified)))
        self.existing = {u.code: u for u in rows}

    def put(self, code: str, *, search_extra: tuple[str | None, ...] = (), **values: Any) -> AdminUnit:
        values["has_geometry"] = values.get("geometry") is not None
        unit = self.existing.get(code)
        values["search_key"] = unit_search_key(unit.official_name if unit is not None else None,
                                               values.get("name_fr"), values["name"], values.get("alt_names"),
                                               *search_extra)
        if unit is None:
            unit = AdminUnit(edition=self.edition, code=code, **values)
            self.session.add(unit)
            self.existing[code] = unit
            self.report.created += 1
        else:
            changed = False
            for name in COMPARED_FIELDS:
                if name in values and getattr(unit, name) != values[name]:
                    setattr(unit, name, values[name])
                    changed = True
            self.report.updated += changed
        return unit

    def flush(self) -> None:
        self.session.flush()
