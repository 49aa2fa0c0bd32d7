"""The crosswalk between two editions of Mali's boundaries: where each unit of the older one went.

The CSV file given to `flask geodata import-edition … --crosswalk FILE.csv` has one line per (old code, new code):
a unit split in two has two lines, two units merged have one line each pointing at the same new code. Its header
names the two columns `ancien_code` and `nouveau_code` (or `old_code`, `new_code`); `,` or `;` separates them.
A unit of the older edition that the file does not list and whose code the newer edition still has, at the same
level, is its own successor (a commune kept as it was). The lines are stored as `UnitSuccession` rows, between
units, so that `successors` follows them (over several editions when there are).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.territory.edition_files import EditionFileError
from plans.territory.models import AdminUnit, TerritoryEdition, UnitSuccession

OLD_COLUMNS = ("ancien_code", "old_code")
NEW_COLUMNS = ("nouveau_code", "new_code")
MAX_HOPS = 10  # editions followed from a unit to the current one
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Crosswalk:
    pairs: tuple[tuple[str, str], ...]  # (old code, new code), in the file's order, each once
    name: str


def read_crosswalk(path: str | Path) -> Crosswalk:
    """The file's (old, new) pairs; EditionFileError (French) when it cannot be read."""
    path = Path(path)
    label = f"{path.name} (table de correspondance)"
    if not path.is_file():
        raise EditionFileError([f"{label} : fichier introuvable ; vérifiez le chemin."])
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise EditionFileError([f"{label} : fichier trop grand (plus de 5 Mo)."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EditionFileError([f"{label} : le fichier n'est pas en UTF-8 ; enregistrez-le en CSV UTF-8."]) from None
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    old = next((fields[c] for c in OLD_COLUMNS if c in fields), None)
    new = next((fields[c] for c in NEW_COLUMNS if c in fields), None)
    if old is None or new is None:
        raise EditionFileError([f"{label} : la première ligne doit nommer les colonnes ancien_code et nouveau_code "
                                f"(trouvé : {', '.join(reader.fieldnames or []) or 'rien'})."])
    pairs, errors = [], []
    for number, row in enumerate(reader, start=2):
        a, b = (row.get(old) or "").strip(), (row.get(new) or "").strip()
        if not a and not b:
            continue
        if not a or not b:
            errors.append(f"{label}, ligne {number} : il faut un ancien et un nouveau code.")
        elif (a, b) not in pairs:
            pairs.append((a, b))
    if errors:
        raise EditionFileError(errors[:12])
    if not pairs:
        raise EditionFileError([f"{label} : aucune ligne de correspondance."])
    return Crosswalk(tuple(pairs), path.name)


def _units(session: Session, edition: TerritoryEdition) -> dict[str, AdminUnit]:
    return {u.code: u for u in session.scalars(sa.select(AdminUnit).where(AdminUnit.edition_id == edition.id))}


def check_crosswalk(session: Session, crosswalk: Crosswalk, old: TerritoryEdition,
                    new_codes: dict[str, int]) -> list[str]:
    """What the file names that the editions lack: each old code in `old`, each new code in the new edition's
    `new_codes` (code → level), at the same level."""
    label = f"{crosswalk.name} (table de correspondance)"
    old_units = _units(session, old)
    errors = []
    for a, b in crosswalk.pairs:
        if a not in old_units:
            errors.append(f"{label} : l'ancien code {a} n'est pas une unité de l'édition {old.key}.")
        elif b not in new_codes:
            errors.append(f"{label} : le nouveau code {b} n'est dans aucun des fichiers de la nouvelle édition.")
        elif old_units[a].level != new_codes[b]:
            errors.append(f"{label} : {a} et {b} ne sont pas du même niveau (commune, cercle, région).")
    return errors[:12] + ([f"… et {len(errors) - 12} autres."] if len(errors) > 12 else [])


def store_crosswalk(session: Session, crosswalk: Crosswalk | None, old: TerritoryEdition,
                    new: TerritoryEdition) -> int:
    """Writes the successions from `old` to `new` (the file's, then the units kept under their code); returns
    how many were added. Lines already stored are kept, so importing the same files again writes nothing."""
    old_units, new_units = _units(session, old), _units(session, new)
    listed = {a for a, _ in crosswalk.pairs} if crosswalk else set()
    wanted = [(old_units[a], new_units[b], True) for a, b in (crosswalk.pairs if crosswalk else ())]
    wanted += [(unit, new_units[code], False) for code, unit in old_units.items()
               if code not in listed and code in new_units and new_units[code].level == unit.level]
    stored = set(session.execute(
        sa.select(UnitSuccession.old_unit_id, UnitSuccession.new_unit_id)
        .where(UnitSuccession.old_unit_id.in_([u.id for u in old_units.values()]))).all())
    added = 0
    for a, b, from_file in wanted:
        if (a.id, b.id) not in stored:
            session.add(UnitSuccession(old_unit_id=a.id, new_unit_id=b.id, from_file=from_file))
            stored.add((a.id, b.id))
            added += 1
    session.flush()
    return added


def successors(session: Session, unit: AdminUnit, target: TerritoryEdition | None = None) -> list[AdminUnit]:
    """The units of `target` (default: the current Mali edition) that `unit` became, following the crosswalks
    edition after edition; [unit] when it is in `target`, [] when no crosswalk leads there. Sorted by code."""
    if target is None:
        target = session.scalar(sa.select(TerritoryEdition).where(
            TerritoryEdition.country_iso3 == unit.country_iso3, TerritoryEdition.is_current))
    if target is None or unit.edition_id == target.id:
        return [unit]
    frontier, found, seen = {unit.id}, {}, {unit.id}
    for _ in range(MAX_HOPS):
        rows = session.scalars(sa.select(AdminUnit).join(UnitSuccession, UnitSuccession.new_unit_id == AdminUnit.id)
                               .where(UnitSuccession.old_unit_id.in_(frontier))).all()
        frontier = set()
        for row in rows:
            if row.edition_id == target.id:
                found[row.id] = row
            elif row.id not in seen:
                frontier.add(row.id)
            seen.add(row.id)
        if not frontier:
            break
    return sorted(found.values(), key=lambda u: u.code)


def predecessors(session: Session, unit: AdminUnit) -> list[AdminUnit]:
    """The units of older editions that became `unit` directly (the other side of a merge, say)."""
    return list(session.scalars(
        sa.select(AdminUnit).join(UnitSuccession, UnitSuccession.old_unit_id == AdminUnit.id)
        .where(UnitSuccession.new_unit_id == unit.id).order_by(AdminUnit.code)))
