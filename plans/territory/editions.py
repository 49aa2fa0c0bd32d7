"""Stores an edition of Mali's boundaries read by `plans/territory/edition_files.py`, and lists the editions loaded.

The shipped 2015 edition (`plans/territory/loader.py`, `flask geodata load`) and an edition imported from the files
the State publishes (`flask geodata import-edition`) take this one path. An edition's units are keyed by their code
within it: importing the same files again writes nothing, corrected files update the units that differ. A newer
Mali edition becomes the current one (the one pickers, the national map and the dashboard show by default); the
older ones stay, with the plans made on them. The caller commits: a refused file has written nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.territory.crosswalk import check_crosswalk, read_crosswalk, store_crosswalk
from plans.territory.edition_files import LEVELS, Edition, EditionFileError, Source, read_edition
from plans.territory.models import MALI, AdminUnit, TerritoryEdition
from plans.territory.upsert import LoadReport, Upserter

# (code, source name, name_fr of the file) → the name_fr to store (the shipped name corrections)
NameFixer = Callable[[str, str, "str | None"], "str | None"]


def find_edition(session: Session, key: str) -> TerritoryEdition | None:
    return session.scalar(sa.select(TerritoryEdition).where(TerritoryEdition.key == key))


def mali_edition(session: Session, spec: dict, *, current: bool = True) -> TerritoryEdition:
    """The edition row of `spec` (key, name, attribution, licence, valid_on), created if new. A new one made current
    takes the place of the Mali edition current before it; a new one not made current is current only when no other
    Mali edition is."""
    edition = find_edition(session, spec["key"])
    others = sa.select(TerritoryEdition).where(TerritoryEdition.country_iso3 == MALI, TerritoryEdition.is_current)
    if edition is None:
        edition = TerritoryEdition(**{**spec, "country_iso3": MALI},
                                   is_current=current or session.scalar(others.limit(1)) is None)
        session.add(edition)
        session.flush()
    elif current and not edition.is_current:
        edition.is_current = True
    if edition.is_current:
        for other in session.scalars(others.where(TerritoryEdition.id != edition.id)):
            other.is_current = False
    return edition


def _value(v):
    """pandas' missing values as None."""
    return None if v is None or v != v else v


def store_edition(session: Session, edition_row: TerritoryEdition, edition: Edition, report: LoadReport,
                  name_fr: NameFixer | None = None) -> Upserter:
    """Creates or updates the units of `edition` in `edition_row`, parents first."""
    up = Upserter(session, edition_row, report)
    licence = edition_row.licence or None
    for level in sorted(edition.layers):
        frame = edition.layers[level].frame
        full = shapely.to_wkb(frame.geometry.values)
        simple = shapely.to_wkb(frame["simplified"].values)
        for i, row in enumerate(frame.itertuples(index=False)):
            parent = up.existing.get(row.parent) if level > 1 else None
            source_fr = _value(row.name_fr)
            up.put(row.code, country_iso3=MALI, level=level, name=row.name,
                   name_fr=name_fr(row.code, row.name, source_fr) if name_fr else source_fr,
                   alt_names=_value(row.alt_name), parent_id=parent.id if parent is not None else None,
                   area_km2=float(row.area_km2), label_lon=float(row.label_lon), label_lat=float(row.label_lat),
                   geometry=full[i], geometry_simplified=simple[i], licence=licence)
        up.flush()
    return up


@dataclass(frozen=True)
class EditionSummary:
    key: str
    name: str
    valid_on: str | None
    is_current: bool
    counts: dict[str, int]  # "régions", "cercles", "communes", and "communes sans géométrie" when there are

    def line(self) -> str:
        counts = ", ".join(f"{n} {label}" for label, n in self.counts.items())
        mark = " (courante)" if self.is_current else ""
        return f"{self.key}{mark} — {self.name}, {self.valid_on or 'date inconnue'} : {counts}"


def list_editions(session: Session) -> list[EditionSummary]:
    """Mali's editions, newest first, with their units by level."""
    rows = session.execute(
        sa.select(AdminUnit.edition_id, AdminUnit.level, AdminUnit.has_geometry, sa.func.count())
        .where(AdminUnit.country_iso3 == MALI)
        .group_by(AdminUnit.edition_id, AdminUnit.level, AdminUnit.has_geometry)).all()
    counts: dict[int, dict[str, int]] = {}
    for edition_id, level, has_geometry, n in rows:
        by_label = counts.setdefault(edition_id, {label: 0 for label in LEVELS.values()})
        label = LEVELS.get(level, f"niveau {level}") if has_geometry or level != 3 else "communes sans géométrie"
        by_label[label] = by_label.get(label, 0) + n
    editions = session.scalars(sa.select(TerritoryEdition).where(TerritoryEdition.country_iso3 == MALI)
                               .order_by(TerritoryEdition.id.desc()))
    return [EditionSummary(e.key, e.name, e.valid_on, e.is_current,
                           counts.get(e.id, {label: 0 for label in LEVELS.values()})) for e in editions]


EDITION_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def import_edition(session: Session, key: str, sources: dict[int, Source],
                   columns: dict[int | None, dict[str, str]] | None = None, *, name: str | None = None,
                   valid_on: str | None = None, licence: str = "", attribution: str = "",
                   current: bool = True, crosswalk: Path | str | None = None,
                   from_edition: str | None = None) -> LoadReport:
    """Reads the three files (`edition_files.read_edition`) and stores them as the Mali edition `key`, with the
    crosswalk from the edition `from_edition` (default: the newest other Mali edition) when there is one; raises
    EditionFileError (French messages) before writing anything when they cannot be used. The caller commits."""
    problems = []
    if not EDITION_KEY.match(key or ""):
        problems.append(f"Nom d'édition « {key} » invalide : lettres minuscules sans accent, chiffres, points, "
                        "tirets (64 caractères au plus), par exemple dnct-2024.")
    existing = find_edition(session, key) if not problems else None
    if existing is not None and existing.country_iso3 != MALI:
        problems.append(f"« {key} » est une édition d'un autre territoire ; choisissez un autre nom.")
    missing = [LEVELS[level] for level in LEVELS if level not in sources]
    if missing:
        problems.append(f"Fichiers manquants : {', '.join(missing)} (--regions, --cercles, --communes).")
    if valid_on is not None and not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", valid_on):
        problems.append(f"Date « {valid_on} » illisible : écrivez AAAA-MM-JJ (ou AAAA).")
    older = _older_edition(session, key, from_edition, problems)
    table = None
    if crosswalk is not None:
        if older is None and not problems:
            problems.append("Table de correspondance sans édition précédente : chargez d'abord l'édition dont elle "
                            "part (ou nommez-la avec --from-edition).")
        table = read_crosswalk(crosswalk) if not problems else None
    if problems:
        raise EditionFileError(problems)
    read = read_edition(sources, columns)
    if table is not None:
        new_codes = {code: level for level, layer in read.layers.items() for code in layer.frame["code"]}
        problems = check_crosswalk(session, table, older, new_codes)
        if problems:
            raise EditionFileError(problems)
    report = LoadReport()
    spec = {"key": key, "name": name or key, "attribution": attribution, "licence": licence, "valid_on": valid_on}
    edition = mali_edition(session, spec, current=current)
    if existing is not None:
        for attr in ("attribution", "licence", "valid_on"):
            if spec[attr]:
                setattr(edition, attr, spec[attr])
        if name:
            edition.name = name
    store_edition(session, edition, read, report)
    if older is not None:
        report.successions = store_crosswalk(session, table, older, edition)
    report.counts = read.counts()
    return report


def _older_edition(session: Session, key: str, from_key: str | None, problems: list[str]) -> TerritoryEdition | None:
    if from_key:
        older = find_edition(session, from_key)
        if older is None or older.country_iso3 != MALI or older.key == key:
            problems.append(f"Édition précédente « {from_key} » inconnue ; `flask geodata editions` les liste.")
            return None
        return older
    # the current edition first, else the newest with communes (a list without boundaries is no crosswalk's source)
    others = [e for e in mali_editions(session, mapped=True) if e.key != key]
    return next((e for e in others if e.is_current), others[0] if others else None)


def mali_editions(session: Session, *, mapped: bool = False) -> list[TerritoryEdition]:
    """Mali's editions, newest first; `mapped`: only those with communes to draw (the national map offers each)."""
    query = sa.select(TerritoryEdition).where(TerritoryEdition.country_iso3 == MALI)
    if mapped:
        query = query.where(sa.exists().where(AdminUnit.edition_id == TerritoryEdition.id, AdminUnit.level == 3,
                                              AdminUnit.has_geometry))
    return list(session.scalars(query.order_by(TerritoryEdition.id.desc())))
