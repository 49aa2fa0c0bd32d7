"""Finding and describing territorial units: search, hierarchy, breadcrumbs and the JSON summary pickers use.

Search ignores accents, case and punctuation (it compares `search_key`s): "segou" finds the région and the cercle
of Ségou and the commune "Ségou Commune"; "koniak" finds Koniakary. Only the current editions are searched.

An administrator sets a Malian unit's official name here (`set_official_name`); the caller then renames the
collectivité that owns plans on it (plans.owners.service.sync_collectivite_names), commits, and drops the map caches
(plans.maps.national.clear_caches).
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Iterable, Sequence

import shapely
import sqlalchemy as sa
from babel import Locale
from babel.numbers import format_decimal
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.core import audit, geo
from plans.core.audit import Actor
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.text import search_key, without_control_characters
from plans.territory.models import (
    BOUNDARY_ATTRIBUTION,
    MALI,
    MALI_LEVEL_LABELS,
    NEIGHBOUR_ISO2,
    OFFICIAL_NAME_MAX,
    AdminUnit,
    TerritoryEdition,
    unit_search_key,
)

MIN_QUERY_LENGTH = 2
MAX_LIMIT = 50
PATH_SEPARATOR = " › "

# Parents two levels up, loaded in one query each: a commune's cercle and région (or a foreign ADM3's ADM2 and ADM1).
_WITH_PARENTS = orm.selectinload(AdminUnit.parent).selectinload(AdminUnit.parent)


@lru_cache(maxsize=1)
def _french_territories() -> dict[str, str]:
    return dict(Locale("fr").territories)


def country_name(iso3: str | None) -> str:
    """The French name of a country from its ISO 3166 alpha-3 code ("BFA" → "Burkina Faso")."""
    if not iso3:
        return ""
    iso2 = NEIGHBOUR_ISO2.get(iso3.upper())
    return _french_territories().get(iso2, iso3.upper()) if iso2 else iso3.upper()


def neighbour_countries() -> list[tuple[str, str]]:
    """(ISO3, French name) of the neighbouring countries whose units ship with the app, sorted by name."""
    return sorted(((iso3, country_name(iso3)) for iso3 in NEIGHBOUR_ISO2 if iso3 != MALI),
                  key=lambda c: search_key(c[1]))


def _current() -> sa.ColumnElement[bool]:
    return AdminUnit.edition_id.in_(sa.select(TerritoryEdition.id).where(TerritoryEdition.is_current))


def unit_by_code(session: Session, code: str) -> AdminUnit | None:
    """A Malian or foreign unit by its code, preferring the current edition."""
    return session.scalar(
        sa.select(AdminUnit).join(TerritoryEdition).where(AdminUnit.code == (code or "").strip().upper())
        .options(_WITH_PARENTS)
        .order_by(TerritoryEdition.is_current.desc(), TerritoryEdition.id.desc()).limit(1))


def search_units(session: Session, query: str | None, *, levels: Iterable[int] | None = None,
                 country: str | None = None, foreign: bool | None = None, limit: int = 20) -> list[AdminUnit]:
    """Units whose name (or P-code) matches `query`, best first, with their parents loaded.

    Every word of the query must appear in the unit's search key. Ranking: the exact name, then names starting with
    the query, then names with a word starting with it, then names where every word of the query starts a word,
    then any substring; within a rank, Malian units first, then by level (région, cercle, commune) and name.
    `country` is an ISO3 code; `foreign=True` keeps only foreign units, `foreign=False` only Malian ones.
    A query shorter than two characters finds nothing.
    """
    key = search_key(query)
    if len(key) < MIN_QUERY_LENGTH:
        return []
    tokens = key.split()
    column = AdminUnit.search_key
    name_match = sa.and_(*(column.like(f"%{t}%") for t in tokens))
    conditions = [name_match]
    compact = (query or "").strip().lower()
    code_match = None
    if " " not in compact and any(ch.isdigit() for ch in compact):  # looks like a P-code: "ML0107", "ml010706"
        escaped = compact.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        code_match = sa.func.lower(AdminUnit.code).like(escaped + "%", escape="\\")
        conditions.append(code_match)

    word_prefix = sa.and_(*(sa.or_(column.like(f"{t}%"), column.like(f"% {t}%")) for t in tokens))
    whens = [(column == key, 0)]
    if code_match is not None:
        whens.append((code_match, 0))
    whens += [(column.like(f"{key}%"), 1), (column.like(f"% {key}%"), 2), (word_prefix, 3)]
    rank = sa.case(*whens, else_=4)

    stmt = (sa.select(AdminUnit).where(_current(), sa.or_(*conditions)).options(_WITH_PARENTS)
            .order_by(rank, (AdminUnit.country_iso3 != MALI), AdminUnit.level, column, AdminUnit.code)
            .limit(max(1, min(int(limit), MAX_LIMIT))))
    if levels:
        stmt = stmt.where(AdminUnit.level.in_(list(levels)))
    if country:
        stmt = stmt.where(AdminUnit.country_iso3 == country.strip().upper())
    if foreign is True:
        stmt = stmt.where(AdminUnit.country_iso3 != MALI)
    elif foreign is False:
        stmt = stmt.where(AdminUnit.country_iso3 == MALI)
    return list(session.scalars(stmt))


def regions(session: Session) -> list[AdminUnit]:
    """The régions of Mali (and the District of Bamako) of the current edition, by name."""
    return top_units(session, MALI)


def top_units(session: Session, country: str) -> list[AdminUnit]:
    """The first-level units of a country in the current editions, by name."""
    return list(session.scalars(
        sa.select(AdminUnit).where(_current(), AdminUnit.country_iso3 == country.upper(), AdminUnit.level == 1)
        .order_by(AdminUnit.search_key, AdminUnit.code)))


def children(session: Session, unit: AdminUnit) -> list[AdminUnit]:
    """The units directly under `unit` (the cercles of a région, the communes of a cercle), by name."""
    return list(session.scalars(
        sa.select(AdminUnit).where(AdminUnit.parent_id == unit.id).order_by(AdminUnit.search_key, AdminUnit.code)))


def breadcrumbs(unit: AdminUnit) -> list[AdminUnit]:
    """From the top down to the unit itself: [région, cercle, commune]."""
    return unit.ancestors() + [unit]


def children_label(unit: AdminUnit, count: int) -> str:
    """"7 cercles", "1 commune", "12 unités de niveau 2": how many units lie directly under `unit`."""
    level = unit.level + 1
    if unit.is_foreign:
        noun = f"unité{'s' if count > 1 else ''} de niveau {level}"
    else:
        noun = MALI_LEVEL_LABELS.get(level, f"niveau {level}") + ("s" if count > 1 else "")
    return f"{count} {noun}"


def unit_path(unit: AdminUnit) -> str:
    """The unit's parents as text, "Kayes › Kayes" for a commune of the cercle de Kayes; "" for a région."""
    return PATH_SEPARATOR.join(a.display_name for a in unit.ancestors())


def area_label(area_km2: float | None) -> str:
    """"1 077,7 km²" (French number format); "" when unknown."""
    if area_km2 is None:
        return ""
    return f"{format_decimal(round(area_km2, 1), format='#,##0.#', locale='fr')} km²"


def unit_summary(unit: AdminUnit) -> dict:
    """What a picker or an API shows of a unit, JSON-ready."""
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.display_name,
        "level": unit.level,
        "level_label": unit.level_label,
        "country_iso3": unit.country_iso3,
        "country_name": country_name(unit.country_iso3),
        "path": unit_path(unit),
        "has_geometry": bool(unit.has_geometry),
    }


def summaries(units: Sequence[AdminUnit]) -> list[dict]:
    return [unit_summary(u) for u in units]


def unit_geojson(unit: AdminUnit) -> dict:
    """The unit's territory for its page's map: a FeatureCollection of at most one Feature (the simplified polygon,
    simplified again to ~50 m and rounded to 1e-5°), with its name and the boundaries' attribution."""
    features = []
    geometry = geo.from_wkb(unit.geometry_simplified or unit.geometry) if unit.has_geometry else None
    if geometry is not None and not geometry.is_empty:
        shown = geometry.simplify(0.0005, preserve_topology=True)
        shown = shapely.set_precision(shown, 1e-5) if shown.is_valid else shown
        features.append({"type": "Feature", "properties": {"name": unit.display_name},
                         "geometry": json.loads(shapely.to_geojson(shown))})
    return {"type": "FeatureCollection", "features": features, "name": unit.display_name,
            "attribution": BOUNDARY_ATTRIBUTION if features else ""}


# ---------------------------------------------------------------------------------------------------------------
# The official name


def can_have_official_name(unit: AdminUnit) -> bool:
    """Malian units of the boundary files: a foreign unit keeps its country's spelling, a unit typed by hand (a
    "saisie manuelle") already has the name its administrator gave it."""
    return unit.country_iso3 == MALI and not unit.is_manual


def set_official_name(session: Session, unit: AdminUnit, name: str | None, seen: str | None, *,
                      acting_user: Actor | None = None, ip: str = "") -> bool:
    """Sets (or, with an empty `name`, clears) the unit's official name, which then shows everywhere in place of
    the source's; recorded in the audit log (before → after). Returns False when nothing changed.

    `seen` is the official name the form showed ("" for none): another value stored meanwhile raises ConflictError,
    as does a form that sent none. Whitespace runs become one space; control characters are dropped. Refusals are
    ValidationErrors keyed "official_name". The caller commits.
    """
    if not can_have_official_name(unit):
        raise ValidationError({"official_name": ["Seules les unités maliennes des fichiers de limites reçoivent un "
                                                 "nom officiel."]})
    if seen is None or seen.strip() != (unit.official_name or ""):
        raise ConflictError("Le nom officiel de cette unité a été modifié par quelqu'un d'autre depuis l'ouverture "
                            "de la page.")
    cleaned = " ".join(without_control_characters(name or "").split())
    if len(cleaned) > OFFICIAL_NAME_MAX:
        raise ValidationError({"official_name": [f"Le nom officiel compte au plus {OFFICIAL_NAME_MAX} caractères "
                                                 f"({len(cleaned)} saisis)."]})
    if cleaned and not any(c.isalpha() for c in cleaned):
        raise ValidationError({"official_name": ["Le nom officiel doit contenir au moins une lettre."]})
    before, after = unit.official_name, cleaned or None
    if after == before:
        return False
    unit.official_name = after
    unit.official_name_set_at = utcnow()
    unit.search_key = unit_search_key(after, unit.name_fr, unit.name, unit.alt_names)
    audit.record(session, acting_user, "territory.official_name", unit.code,
                 {"official_name": {"before": before, "after": after}, "source_name": unit.name_fr or unit.name},
                 ip)
    return True
