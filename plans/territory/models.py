"""Mali's territory (régions, cercles, communes) and the neighbouring countries' units, by edition of the boundaries.

A plan points at AdminUnit rows. A newer edition (the 2023 reform) is loaded beside the old one: units of an old
edition stay, so plans made on them keep their territory; `TerritoryEdition.is_current` says which one pickers offer.

A unit's name has one home, `AdminUnit.display_name` (an attribute on a row, a SQL expression in a query): the
official name an administrator set (`official_name`, which `flask geodata load` never touches), else the corrected
or French name (`name_fr`: the geodata's accented names and geodata/name_corrections.csv), else the source's name.
Its `search_key` holds every name the unit goes by, the display name first (`unit_search_key`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.ext.hybrid import hybrid_property

from plans.core.db import Base, utcnow
from plans.core.text import search_key

MALI = "MLI"
# The attribution of the boundaries shipped in geodata/ (geodata/SOURCES.md), shown on every map of them.
BOUNDARY_ATTRIBUTION = "Limites : DNCT/OCHA (CC BY 4.0)"

# ISO 3166 alpha-3 → alpha-2 for the countries whose units ship in geodata/ (Babel names countries by alpha-2).
NEIGHBOUR_ISO2 = {"MLI": "ML", "SEN": "SN", "MRT": "MR", "GIN": "GN",
                  "CIV": "CI", "BFA": "BF", "NER": "NE", "DZA": "DZ"}

MALI_LEVEL_LABELS = {1: "région", 2: "cercle", 3: "commune"}
OFFICIAL_NAME_MAX = 200
FOREIGN_LEVEL_LABELS = {1: "unité de niveau 1", 2: "unité de niveau 2", 3: "unité de niveau 3"}


class TerritoryEdition(Base):
    """One published set of boundaries, e.g. "OCHA COD-AB 2015" for Mali, geoBoundaries 2.0 for the neighbours."""

    __tablename__ = "territory_edition"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    key: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    country_iso3: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(3))  # None: several countries
    attribution: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    licence: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    valid_on: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(10))
    is_current: orm.Mapped[bool] = orm.mapped_column(default=True)
    loaded_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)

    units: orm.WriteOnlyMapped["AdminUnit"] = orm.relationship(back_populates="edition")


class AdminUnit(Base):
    """A région, cercle or commune of Mali, or a foreign unit (ADM1-3) of a neighbouring country.

    Geometry is optional: a commune missing from the layers, or a foreign commune known only by name, is listed
    but not mapped. Geometries are WKB in WGS 84; `geometry_simplified` is the light version maps use.
    """

    __tablename__ = "admin_unit"
    __table_args__ = (sa.UniqueConstraint("edition_id", "code", name="uq_admin_unit_edition_code"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    edition_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("territory_edition.id"), index=True)
    country_iso3: orm.Mapped[str] = orm.mapped_column(sa.String(3), index=True)
    level: orm.Mapped[int] = orm.mapped_column(index=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(64), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    name_fr: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(200))
    alt_names: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(500))
    search_key: orm.Mapped[str] = orm.mapped_column(sa.String(800), index=True)
    parent_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("admin_unit.id"), index=True)
    kind: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(10))  # "urbaine" | "rurale" when known
    area_km2: orm.Mapped[Optional[float]]
    label_lon: orm.Mapped[Optional[float]]
    label_lat: orm.Mapped[Optional[float]]
    geometry: orm.Mapped[Optional[bytes]] = orm.mapped_column(sa.LargeBinary, deferred=True)
    geometry_simplified: orm.Mapped[Optional[bytes]] = orm.mapped_column(sa.LargeBinary, deferred=True)
    has_geometry: orm.Mapped[bool] = orm.mapped_column(default=False)  # readable without loading the blobs
    licence: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(200))
    is_manual: orm.Mapped[bool] = orm.mapped_column(default=False)  # entered by a user, not from a boundary file
    # Set by an administrator (plans.territory.service.set_official_name); the loader never writes these two.
    official_name: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(OFFICIAL_NAME_MAX))
    official_name_set_at: orm.Mapped[Optional[datetime]]  # when it was last set or cleared (caches compare it)

    edition: orm.Mapped[TerritoryEdition] = orm.relationship(back_populates="units")
    parent: orm.Mapped[Optional["AdminUnit"]] = orm.relationship(remote_side=[id], back_populates="children")
    children: orm.Mapped[list["AdminUnit"]] = orm.relationship(back_populates="parent", order_by="AdminUnit.name")

    @property
    def is_foreign(self) -> bool:
        return self.country_iso3 != MALI

    @hybrid_property
    def display_name(self) -> str:
        """The name every page, map, export and document shows: official, else corrected or French, else source."""
        return self.official_name or self.name_fr or self.name

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls) -> sa.ColumnElement[str]:
        return sa.func.coalesce(sa.func.nullif(cls.official_name, ""), sa.func.nullif(cls.name_fr, ""), cls.name,
                                type_=sa.String)

    @property
    def level_label(self) -> str:
        labels = FOREIGN_LEVEL_LABELS if self.is_foreign else MALI_LEVEL_LABELS
        return labels.get(self.level, f"niveau {self.level}")

    def ancestors(self) -> list["AdminUnit"]:
        """Parents from the top down: [région, cercle] for a commune."""
        chain, unit = [], self.parent
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return list(reversed(chain))

    def __repr__(self) -> str:
        return f"<AdminUnit {self.code} {self.display_name}>"


class UnitSuccession(Base):
    """One line of an edition's crosswalk: a unit of an older edition and one of its successors in a newer one.

    A unit split in two has two lines, two units merged into one have one line each; a unit kept under the same
    code has its line too (`plans/territory/crosswalk.py` writes them when an edition is imported)."""

    __tablename__ = "unit_succession"
    __table_args__ = (sa.UniqueConstraint("old_unit_id", "new_unit_id", name="uq_unit_succession_old_unit_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    old_unit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("admin_unit.id", ondelete="CASCADE"), index=True)
    new_unit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("admin_unit.id", ondelete="CASCADE"), index=True)
    from_file: orm.Mapped[bool] = orm.mapped_column(default=True)  # False: kept under the same code, not listed

    old_unit: orm.Mapped[AdminUnit] = orm.relationship(foreign_keys=[old_unit_id])
    new_unit: orm.Mapped[AdminUnit] = orm.relationship(foreign_keys=[new_unit_id])


def unit_search_key(official_name: str | None, name_fr: str | None, name: str | None, alt_names: str | None,
                    *extra: str | None) -> str:
    """The search key of a unit: its names in the order of `display_name` (official, French or corrected, source),
    then its other spellings and `extra` (a foreign unit's country), each once. Sorting by it sorts by the name
    shown; "Diéma" and "Diema" have the same key, so either spelling finds the unit."""
    keys: list[str] = []
    for text in (official_name, name_fr, name, alt_names, *extra):
        key = search_key(text)
        if key and key not in keys:
            keys.append(key)
    return " ".join(keys)
