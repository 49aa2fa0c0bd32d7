"""Loads the boundary files of geodata/ into AdminUnit rows, idempotently.

Each file is an edition: the Mali layers (OCHA COD-AB 2015) and the neighbours' layers (geoBoundaries 2.0). A unit
is keyed by (edition, code): a second run compares and writes nothing; a corrected file of the same edition
updates the units that differ. Mali's layers take the path of any edition imported from published files
(`plans/territory/edition_files.py` reads, checks and simplifies them with geopandas, `plans/territory/editions.py`
stores them): the full-resolution files are read, and the maps' simplified outlines are computed from them.

Names: geodata/name_corrections.csv gives the right spelling of Malian names the source writes wrongly (without
their accents); the loader puts it in `name_fr`, for the unit whose source name is still the one the file corrects.
An official name set by an administrator (`AdminUnit.official_name`) is not a field the loader compares: a load
keeps it, and the search key it writes still holds it.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.territory import editions
from plans.territory.edition_files import Source, read_edition
from plans.territory.models import MALI, AdminUnit, TerritoryEdition
from plans.territory.upsert import NAME_CORRECTIONS_FILE, LoadReport, Upserter

__all__ = ["NAME_CORRECTIONS_FILE", "LoadReport", "load_geodata", "read_name_corrections", "territory_is_loaded"]

MALI_EDITION = {
    "key": "ocha-cod-ab-2015",
    "name": "OCHA COD-AB 2015",
    "attribution": "Source : DNCT (Mali), UN OCHA / ITOS, via HDX COD-AB ; redistribué par geoBoundaries (CC BY 4.0).",
    "licence": "CC BY 4.0",
    "valid_on": "2015-04-08",
}
MALI_FILES = {1: "mali_regions.geojson", 2: "mali_cercles.geojson", 3: "mali_communes.geojson"}
# The shipped communes have no French-name column: their geoBoundaries spelling (the full name of those the OCHA
# layer cuts at 20 characters) is the one shown. The other columns are found by their default names.
MALI_COLUMNS: dict[int | None, dict[str, str]] = {3: {"name_fr": "commune_name_alt"}}
# The 2023 reform's régions as a list without boundaries (geodata/SOURCES.md, Source 4): no boundary file of the
# new units was found, so only the names the sources give are listed, never current (the pickers keep the 2015
# units until an edition with boundaries is imported).
REFORM_LIST_EDITION = {
    "key": "reforme-2023-regions",
    "name": "Réforme de 2023 : régions (liste, sans limites)",
    "attribution": "Lois n° 2023-006 et 2023-007 du 13 mars 2023 ; noms : voir geodata/SOURCES.md (source 4).",
    "licence": "",
    "valid_on": "2024-09-24",
}
REFORM_LIST_FILE = "mali_reforme_2023_regions.csv"
NEIGHBOURS_EDITION = {
    "key": "geoboundaries-2.0-voisins",
    "name": "geoBoundaries 2.0 (pays voisins)",
    "country_iso3": None,
    "attribution": "Runfola, D. et al. (2020) geoBoundaries, PLoS ONE 15(4): e0231866 ; licences par unité.",
    "licence": "voir chaque unité",
    "valid_on": "2020-01-16",
}
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


def _edition(session: Session, spec: dict) -> TerritoryEdition:
    edition = session.scalar(sa.select(TerritoryEdition).where(TerritoryEdition.key == spec["key"]))
    if edition is None:
        edition = TerritoryEdition(**spec, is_current=True)
        session.add(edition)
        session.flush()
    return edition


def _load_mali(session: Session, directory: Path, report: LoadReport) -> None:
    """The shipped edition, through the path of every edition (read_edition, store_edition), then the communes the
    layer lacks (mali_communes_sans_geometrie.csv) and the name corrections."""
    read = read_edition({level: Source(directory / name) for level, name in MALI_FILES.items()}, MALI_COLUMNS)
    names = _Names(directory, report)
    edition = editions.mali_edition(session, MALI_EDITION, current=False)
    up = editions.store_edition(session, edition, read, report, name_fr=names.name_fr)
    extra = directory / "mali_communes_sans_geometrie.csv"
    if extra.exists():
        with extra.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                up.put(row["code"], country_iso3=MALI, level=3, name=row["name"],
                       name_fr=names.name_fr(row["code"], row["name"], None), alt_names=None,
                       parent_id=up.existing[row["cercle_pcode"]].id,
                       area_km2=None, label_lon=None, label_lat=None, geometry=None, geometry_simplified=None,
                       licence=None)
    up.flush()
    names.report_unknown_codes()


def _load_reform_list(session: Session, directory: Path, report: LoadReport) -> None:
    """The 2023 reform's régions and District, names only: level-1 units without geometry, never current."""
    path = directory / REFORM_LIST_FILE
    if not path.exists():
        return
    up = Upserter(session, editions.mali_edition(session, REFORM_LIST_EDITION, current=False), report)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["name"].strip()
            up.put(row["code"].strip(), country_iso3=MALI, level=1,
                   name=f"District de {name}" if row["kind"].strip() == "district" else name, name_fr=None,
                   alt_names=None, parent_id=None, area_km2=None, label_lon=None, label_lat=None, geometry=None,
                   geometry_simplified=None, licence=None)
    up.flush()


NEIGHBOUR_FILES = (("neighbors_adm1.geojson", 1), ("neighbors_adm2.geojson", 2),
                   ("neighbors_adm3_borderzone.geojson", 3))


def _load_neighbours(session: Session, directory: Path, report: LoadReport) -> None:
    up = Upserter(session, _edition(session, NEIGHBOURS_EDITION), report)
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
    _load_reform_list(session, directory, report)
    _load_neighbours(session, directory, report)
    report.counts = count_units(session)
    return report


def territory_is_loaded(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(AdminUnit).where(AdminUnit.is_manual.is_(False))) > 0
