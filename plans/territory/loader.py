"""Loads the boundary files of geodata/ into AdminUnit rows, idempotently.

Each file is an edition: the Mali layers (OCHA COD-AB 2015) and the neighbours' layers (geoBoundaries 2.0). A unit
is keyed by (edition, code): a second run compares and writes nothing; a corrected file of the same edition
updates the units that differ. A new edition (the 2023 reform) gets a new key and is loaded beside the old one.

Names: geodata/name_corrections.csv gives the right spelling of Malian names the source writes wrongly (without
their accents); the loader puts it in `name_fr`, for the unit whose source name is still the one the file corrects.
An official name set by an administrator (`AdminUnit.official_name`) is not a field the loader compares: a load
keeps it, and the search key it writes still holds it.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.territory.models import MALI, AdminUnit, TerritoryEdition, unit_search_key

MALI_EDITION = {
    "key": "ocha-cod-ab-2015",
    "name": "OCHA COD-AB 2015",
    "country_iso3": MALI,
    "attribution": "Source : DNCT (Mali), UN OCHA / ITOS, via HDX COD-AB ; redistribué par geoBoundaries (CC BY 4.0).",
    "licence": "CC BY 4.0",
    "valid_on": "2015-04-08",
}
NEIGHBOURS_EDITION = {
    "key": "geoboundaries-2.0-voisins",
    "name": "geoBoundaries 2.0 (pays voisins)",
    "country_iso3": None,
    "attribution": "Runfola, D. et al. (2020) geoBoundaries, PLoS ONE 15(4): e0231866 ; licences par unité.",
    "licence": "voir chaque unité",
    "valid_on": "2020-01-16",
}
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

    def summary(self) -> str:
        parts = [f"{n} {label}" for label, n in self.counts.items()]
        text = ", ".join(parts) + f" ({self.created} créées, {self.updated} mises à jour)"
        if self.corrections:
            text += f" ; {self.corrections} noms corrigés selon {NAME_CORRECTIONS_FILE}"
        if self.stale_corrections:
            text += (f" ; corrections non appliquées (nom de la source changé ou code inconnu) : "
                     f"{', '.join(self.stale_corrections)}")
        return text


@dataclass(frozen=True)
class NameCorrection:
    pcode: str
    source_name: str  # the name as the boundary file writes it: the correction applies only while it is so
    corrected_name: str
    source: str  # where the corrected spelling comes from


def read_name_corrections(directory: Path) -> dict[str, NameCorrection]:
    """The corrections of `directory`/name_corrections.csv by P-code; none when the file is absent."""
    path = Path(directory) / NAME_CORRECTIONS_FILE
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [NameCorrection(r["pcode"].strip(), r["source_name"].strip(), r["corrected_name"].strip(),
                               r["source"].strip()) for r in csv.DictReader(fh)]
    return {r.pcode: r for r in rows if r.pcode and r.corrected_name}


class _Names:
    """Applies the corrections to the names read from the boundary files, and reports those that no longer fit."""

    def __init__(self, directory: Path, report: LoadReport):
        self.corrections, self.report = read_name_corrections(directory), report
        self.seen: set[str] = set()

    def name_fr(self, code: str, source_name: str, name_fr: str | None) -> str | None:
        correction = self.corrections.get(code)
        if correction is None:
            return name_fr or None
        self.seen.add(code)
        if correction.source_name != source_name:
            self.report.stale_corrections.append(code)
            return name_fr or None
        self.report.corrections += 1
        return correction.corrected_name

    def report_unknown_codes(self) -> None:
        self.report.stale_corrections.extend(sorted(set(self.corrections) - self.seen))


def _features(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)["features"]


def _wkb(geojson_geometry: dict | None) -> bytes | None:
    if not geojson_geometry:
        return None
    geom = shapely.geometry.shape(geojson_geometry)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return shapely.to_wkb(geom)


def _by_code(features: Iterable[dict], code_field: str) -> dict[str, dict]:
    return {f["properties"][code_field]: f for f in features}


class _Upserter:
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


def _edition(session: Session, spec: dict) -> TerritoryEdition:
    edition = session.scalar(sa.select(TerritoryEdition).where(TerritoryEdition.key == spec["key"]))
    if edition is None:
        edition = TerritoryEdition(**spec, is_current=True)
        session.add(edition)
        session.flush()
    return edition


def _load_mali(session: Session, directory: Path, report: LoadReport) -> None:
    up = _Upserter(session, _edition(session, MALI_EDITION), report)
    regions_simple = _by_code(_features(directory / "mali_regions_simplified.geojson"), "region_pcode")
    cercles_simple = _by_code(_features(directory / "mali_cercles_simplified.geojson"), "cercle_pcode")
    communes_simple = _by_code(_features(directory / "mali_communes_simplified.geojson"), "commune_pcode")
    licence = MALI_EDITION["licence"]
    names = _Names(directory, report)

    regions = {}
    for f in _features(directory / "mali_regions.geojson"):
        p = f["properties"]
        point = shapely.geometry.shape(f["geometry"]).representative_point()
        regions[p["region_pcode"]] = up.put(
            p["region_pcode"], country_iso3=MALI, level=1, name=p["region_name"],
            name_fr=names.name_fr(p["region_pcode"], p["region_name"], p["region_name_fr"]), alt_names=None,
            parent_id=None, area_km2=p["area_km2"], label_lon=round(point.x, 5), label_lat=round(point.y, 5),
            geometry=_wkb(f["geometry"]), geometry_simplified=_wkb(regions_simple[p["region_pcode"]]["geometry"]),
            licence=licence)
    up.flush()

    cercles = {}
    for f in _features(directory / "mali_cercles.geojson"):
        p = f["properties"]
        point = shapely.geometry.shape(f["geometry"]).representative_point()
        cercles[p["cercle_pcode"]] = up.put(
            p["cercle_pcode"], country_iso3=MALI, level=2, name=p["cercle_name"],
            name_fr=names.name_fr(p["cercle_pcode"], p["cercle_name"], p["cercle_name_fr"]), alt_names=None,
            parent_id=regions[p["region_pcode"]].id, area_km2=p["area_km2"],
            label_lon=round(point.x, 5), label_lat=round(point.y, 5), geometry=_wkb(f["geometry"]),
            geometry_simplified=_wkb(cercles_simple[p["cercle_pcode"]]["geometry"]), licence=licence)
    up.flush()

    for f in _features(directory / "mali_communes.geojson"):
        p = f["properties"]
        up.put(p["commune_pcode"], country_iso3=MALI, level=3, name=p["commune_name"],
               name_fr=names.name_fr(p["commune_pcode"], p["commune_name"], p["commune_name_alt"]),
               alt_names=p["commune_name_alt"] or None, parent_id=cercles[p["cercle_pcode"]].id,
               area_km2=p["area_km2"], label_lon=p["label_lon"], label_lat=p["label_lat"], geometry=_wkb(f["geometry"]),
               geometry_simplified=_wkb(communes_simple[p["commune_pcode"]]["geometry"]), licence=licence)

    extra = directory / "mali_communes_sans_geometrie.csv"
    if extra.exists():
        with extra.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                up.put(row["code"], country_iso3=MALI, level=3, name=row["name"],
                       name_fr=names.name_fr(row["code"], row["name"], None), alt_names=None,
                       parent_id=cercles[row["cercle_pcode"]].id,
                       area_km2=None, label_lon=None, label_lat=None, geometry=None, geometry_simplified=None,
                       licence=None)
    up.flush()
    names.report_unknown_codes()


NEIGHBOUR_FILES = (("neighbors_adm1.geojson", 1), ("neighbors_adm2.geojson", 2),
                   ("neighbors_adm3_borderzone.geojson", 3))


def _load_neighbours(session: Session, directory: Path, report: LoadReport) -> None:
    up = _Upserter(session, _edition(session, NEIGHBOURS_EDITION), report)
    for filename, level in NEIGHBOUR_FILES:
        path = directory / filename
        if not path.exists():
            continue
        for f in _features(path):
            p = f["properties"]
            parent_code = p.get("adm2_code") if level == 3 else p.get("adm1_code") if level == 2 else None
            parent = up.existing.get(parent_code) if parent_code else None
            point = shapely.geometry.shape(f["geometry"]).representative_point() if f["geometry"] else None
            up.put(p["unit_code"], country_iso3=p["iso3"], level=level, name=p["unit_name"], name_fr=None,
                   alt_names=None, search_extra=(p.get("country_name_fr"),),
                   parent_id=parent.id if parent else None, area_km2=p.get("area_km2"),
                   label_lon=round(point.x, 5) if point else None, label_lat=round(point.y, 5) if point else None,
                   geometry=_wkb(f["geometry"]), geometry_simplified=None, licence=p.get("license"))
        up.flush()


def count_units(session: Session) -> dict[str, int]:
    """Units of the current editions, by level, in the words of the CLI's report."""
    def n(*conditions) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(AdminUnit).join(TerritoryEdition)
                              .where(TerritoryEdition.is_current, *conditions)) or 0

    mali = AdminUnit.country_iso3 == MALI
    return {
        "régions": n(mali, AdminUnit.level == 1),
        "cercles": n(mali, AdminUnit.level == 2),
        "communes": n(mali, AdminUnit.level == 3, AdminUnit.has_geometry),
        "communes sans géométrie": n(mali, AdminUnit.level == 3, ~AdminUnit.has_geometry),
        "unités étrangères": n(AdminUnit.country_iso3 != MALI, AdminUnit.is_manual.is_(False)),
    }


def load_geodata(session: Session, directory: str | Path) -> LoadReport:
    """Loads (or re-checks) every layer of `directory`; the caller commits."""
    directory = Path(directory)
    report = LoadReport()
    _load_mali(session, directory, report)
    _load_neighbours(session, directory, report)
    report.counts = count_units(session)
    return report


def territory_is_loaded(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(AdminUnit).where(AdminUnit.is_manual.is_(False))) > 0
