"""Reads an edition of Mali's boundaries from the files as they are published, with geopandas (pyogrio).

Each level (régions, cercles, communes) comes from one file: a zipped shapefile, a GeoPackage (`FILE.gpkg:layer`), a
GeoJSON or a file geodatabase (`FILE.gdb:layer`), in any projection and with any column names (`Columns`). The
layers are reprojected to WGS 84, repaired (shapely's make_valid), checked together (codes present and unique, each
parent found, each commune inside its cercle and each cercle inside its région within `OUTSIDE_TOLERANCE`), their
areas computed on the EPSG:6933 equal-area grid, then simplified for the maps as one coverage
(`shapely.coverage_simplify`: each border shared by two communes is simplified once, so neighbours keep neither gap
nor overlap); a cercle's and a région's simplified outlines are the dissolves of their simplified communes, so the
levels' borders coincide. Nothing here touches the database: `plans/territory/editions.py` stores what
`read_edition` returns. A file that cannot be used raises `EditionFileError`, whose French messages say what to fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from plans.core import geo
from plans.core.formatting import percent

WGS84 = "EPSG:4326"
EQUAL_AREA = "EPSG:6933"  # the equal-area grid geodata/SOURCES.md computes `area_km2` on
# Douglas-Peucker's 0.001° of the former pre-simplified files made 32 146 commune vertices; coverage_simplify's
# Visvalingam-Whyatt at this tolerance (degrees, the square root of the area removed) makes 30 474 from the same
# full-resolution communes, with about the same change of area (tests/plans/test_territory_editions.py).
SIMPLIFY_TOLERANCE = 0.0035
OUTSIDE_TOLERANCE = 0.01  # the share of a unit's area that may lie outside its parent (edges of other producers)
AREA_DECIMALS = 1  # km², as the shipped files write it
LABEL_DECIMALS = 5
MAX_MESSAGES = 12  # of one kind: beyond, « … et N autres »

LEVELS = {1: "régions", 2: "cercles", 3: "communes"}
LEVEL_WORDS = {1: "region", 2: "cercle", 3: "commune"}
SINGULAR = {1: "région", 2: "cercle", 3: "commune"}
FIELDS = ("code", "name", "parent", "name_fr", "alt_name")
FIELD_LABELS = {"code": "le code", "name": "le nom", "parent": "le code du parent", "name_fr": "le nom français",
                "alt_name": "l'autre graphie"}
REQUIRED = {1: ("code", "name"), 2: ("code", "name", "parent"), 3: ("code", "name", "parent")}
LAYER_ALIASES = {"regions": 1, "régions": 1, "region": 1, "cercles": 2, "cercle": 2, "communes": 3, "commune": 3}


def default_columns(level: int) -> dict[str, tuple[str, ...]]:
    """The column names tried for each field when the command line names none: the shipped files' names and
    OCHA COD-AB's (ADM3_PCODE, ADM3_FR…). Compared without regard to case."""
    word, n = LEVEL_WORDS[level], level
    names = {
        "code": (f"{word}_pcode", f"ADM{n}_PCODE", "pcode", "code"),
        "name": (f"{word}_name", f"ADM{n}_FR", f"ADM{n}_NAME", f"ADM{n}_EN", "name", "nom"),
        "name_fr": (f"{word}_name_fr",),
        "alt_name": (f"{word}_name_alt",),
    }
    if level > 1:
        names["parent"] = (f"{LEVEL_WORDS[level - 1]}_pcode", f"ADM{n - 1}_PCODE", "parent_code", "parent")
    return names


class EditionFileError(ValueError):
    """The files cannot make an edition; `messages` (French) say each thing to fix. Nothing was stored."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Source:
    """One level's file, and its layer when the file holds several (GeoPackage, file geodatabase)."""

    path: Path
    layer: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Source":
        """`FILE` or `FILE:layer` (a path that exists as typed is never split)."""
        if not Path(text).exists() and ":" in text:
            path, layer = text.rsplit(":", 1)
            if path and layer:
                return cls(Path(path), layer)
        return cls(Path(text))

    def __str__(self) -> str:
        return f"{self.path.name}:{self.layer}" if self.layer else self.path.name


def parse_columns(specs: list[str] | tuple[str, ...]) -> dict[int | None, dict[str, str]]:
    """`--column` values: `field=COLUMN` for every level, `communes.field=COLUMN` for one (field: code, name,
    parent, name_fr, alt_name). Key None: every level."""
    out: dict[int | None, dict[str, str]] = {}
    errors = []
    for spec in specs:
        key, sep, column = spec.partition("=")
        level_name, dot, name = key.strip().rpartition(".")
        level = LAYER_ALIASES.get(level_name.lower()) if dot else None
        if not sep or not column.strip() or name not in FIELDS or (dot and level is None):
            errors.append(f"--column « {spec} » illisible : écrivez champ=COLONNE ou communes.champ=COLONNE, "
                          f"champ parmi {', '.join(FIELDS)} (couches : régions, cercles, communes).")
            continue
        out.setdefault(level, {})[name] = column.strip()
    if errors:
        raise EditionFileError(errors)
    return out


@dataclass
class Layer:
    """One level read and checked: columns code, name, parent, name_fr, alt_name, area_km2, label_lon, label_lat,
    geometry (WGS 84, valid) and simplified (the coverage-simplified outline)."""

    level: int
    source: Source
    frame: gpd.GeoDataFrame
    crs_read: str = ""  # the projection the file was in


@dataclass
class Edition:
    layers: dict[int, Layer] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {LEVELS[level]: len(layer.frame) for level, layer in sorted(self.layers.items())}


def _limited(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_MESSAGES:
        return messages
    return [*messages[:MAX_MESSAGES], f"… et {len(messages) - MAX_MESSAGES} autres du même genre."]


def _open(source: Source, level: int) -> gpd.GeoDataFrame:
    label = f"{source} ({LEVELS[level]})"
    if not source.path.exists():
        raise EditionFileError([f"{label} : fichier introuvable ; vérifiez le chemin."])
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(source.path)]
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise EditionFileError([
            f"{label} : fichier illisible ({exc}) ; fournissez un shapefile zippé (.zip avec .shp, .shx, .dbf, "
            "et .prj), un GeoPackage (.gpkg), un GeoJSON ou une géodatabase fichier (.gdb)."]) from exc
    if source.layer is None and len(layers) > 1:
        raise EditionFileError([f"{label} : le fichier contient plusieurs couches ({', '.join(layers)}) ; "
                                f"indiquez laquelle, par exemple {source.path.name}:{layers[0]}."])
    if source.layer is not None and source.layer not in layers:
        raise EditionFileError([f"{label} : la couche « {source.layer} » n'existe pas ; couches du fichier : "
                                f"{', '.join(layers) or 'aucune'}."])
    try:
        frame = gpd.read_file(source.path, layer=source.layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise EditionFileError([f"{label} : lecture impossible ({exc})."]) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.isna().all():
        raise EditionFileError([f"{label} : aucune géométrie ; le fichier doit contenir les polygones des "
                                f"{LEVELS[level]} (une table sans géométrie ne suffit pas)."])
    if frame.crs is None:
        raise EditionFileError([
            f"{label} : projection inconnue (le fichier ne dit pas son système de coordonnées, par exemple un "
            "shapefile sans son .prj) ; ajoutez le .prj ou enregistrez le fichier avec sa projection (EPSG)."])
    return frame


def _column_for(frame: pd.DataFrame, wanted: str) -> str | None:
    by_lower = {str(c).lower(): str(c) for c in frame.columns if c != frame.geometry.name}
    return by_lower.get(wanted.lower())


def _text(values: pd.Series) -> pd.Series:
    """Text cells stripped; empty and missing ones None. A code read as a number (1.0) reads "1"."""
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        return text or None
    return values.map(one).astype(object)


def _standard(source: Source, level: int, columns: dict[int | None, dict[str, str]]) -> tuple[Layer, list[str]]:
    """The file's units in the standard columns, in WGS 84 and repaired; the messages of what is missing."""
    frame = _open(source, level)
    label = f"{source} ({LEVELS[level]})"
    chosen = {**columns.get(None, {}), **columns.get(level, {})}
    errors: list[str] = []
    out = {}
    for name, candidates in default_columns(level).items():
        if name in chosen:
            column = _column_for(frame, chosen[name])
            if column is None:
                errors.append(f"{label} : la colonne « {chosen[name]} » ({FIELD_LABELS[name]}) est absente ; "
                              f"colonnes du fichier : {', '.join(str(c) for c in frame.columns[:40])}.")
                continue
        else:
            column = next((c for c in map(lambda w: _column_for(frame, w), candidates) if c), None)
        if column is None:
            if name in REQUIRED[level]:
                errors.append(f"{label} : aucune colonne pour {FIELD_LABELS[name]} (essayé : {', '.join(candidates)}) ;"
                              f" colonnes du fichier : {', '.join(str(c) for c in frame.columns[:40])} ; indiquez-la "
                              f"avec --column {LEVELS[level]}.{name}=COLONNE.")
            out[name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        else:
            out[name] = _text(frame[column])
    crs_read = frame.crs.to_string()
    geometry = frame.geometry
    if frame.crs != WGS84:
        geometry = geometry.to_crs(WGS84)
    geometry = gpd.GeoSeries(shapely.force_2d(geometry.values), index=frame.index, crs=WGS84)
    # make_valid may leave the lines of a collapsed ring beside the polygons: only the polygons are kept
    geometry = gpd.GeoSeries(geometry.map(geo.valid_polygonal), index=frame.index, crs=WGS84)
    standard = gpd.GeoDataFrame(out, geometry=geometry, crs=WGS84)
    for name in FIELDS:
        if name not in standard:
            standard[name] = None
    return Layer(level, source, standard, crs_read), errors


def _check_codes(layer: Layer) -> list[str]:
    frame, label = layer.frame, f"{layer.source} ({LEVELS[layer.level]})"
    errors = []
    missing_code = frame["code"].isna()
    if missing_code.any():
        errors.append(f"{label} : {int(missing_code.sum())} unité(s) sans code (lignes "
                      f"{', '.join(str(i + 1) for i in list(np.flatnonzero(missing_code))[:10])}).")
    counts = frame.loc[~missing_code, "code"].value_counts()
    for code, n in counts[counts > 1].items():
        errors.append(f"{label} : le code {code} figure {n} fois ; chaque {SINGULAR[layer.level]} doit avoir un "
                      "code unique (corrigez le fichier ou choisissez la bonne colonne avec --column).")
    missing_name = frame["name"].isna() & ~missing_code
    for code in frame.loc[missing_name, "code"]:
        errors.append(f"{label} : {SINGULAR[layer.level]} {code} sans nom.")
    no_geometry = frame.geometry.isna() & ~missing_code
    for code in frame.loc[no_geometry, "code"]:
        errors.append(f"{label} : {SINGULAR[layer.level]} {code} sans polygone (géométrie vide ou non "
                      "surfacique) ; une unité sans limites publiées reste hors du fichier.")
    return _limited(errors)


def _check_parents(child: Layer, parent: Layer) -> list[str]:
    """Each unit's parent is in the parent layer, and the unit lies inside it (at most OUTSIDE_TOLERANCE of its
    area outside), measured on the equal-area grid."""
    frame, label = child.frame, f"{child.source} ({LEVELS[child.level]})"
    parents = parent.frame.dropna(subset=["code"]).drop_duplicates("code").set_index("code")
    errors = []
    unknown = frame["parent"].isna() | ~frame["parent"].isin(parents.index)
    for code, parent_code in frame.loc[unknown, ["code", "parent"]].itertuples(index=False):
        errors.append(f"{label} : {SINGULAR[child.level]} {code} : {SINGULAR[parent.level]} parent "
                      f"« {parent_code or ''} » absent de {parent.source} ; vérifiez la colonne du parent.")
    errors = _limited(errors)
    placed = frame[~unknown & frame.geometry.notna()]
    parent_geometry = parents.geometry.reindex(placed["parent"]).values
    ok = ~shapely.is_missing(parent_geometry)
    placed, parent_geometry = placed[ok], parent_geometry[ok]
    if len(placed):
        own = placed.geometry.to_crs(EQUAL_AREA)
        around = gpd.GeoSeries(parent_geometry, index=placed.index, crs=WGS84).to_crs(EQUAL_AREA)
        outside = own.difference(around).area / own.area
        far = outside[outside > OUTSIDE_TOLERANCE]
        errors += _limited([
            f"{label} : {SINGULAR[child.level]} {placed.at[i, 'code']} ({placed.at[i, 'name']}) : "
            f"{percent(share * 100, 0, plain=True)} de sa surface hors de son {SINGULAR[parent.level]} "
            f"{placed.at[i, 'parent']} (tolérance {percent(OUTSIDE_TOLERANCE * 100, 0, plain=True)}) ; "
            f"vérifiez son code de {SINGULAR[parent.level]} ou ses limites."
            for i, share in far.items()])
    return errors


def _measure(layer: Layer) -> None:
    frame = layer.frame
    areas = frame.geometry.to_crs(EQUAL_AREA).area / 1e6
    frame["area_km2"] = areas.round(AREA_DECIMALS).astype(float)
    points = shapely.point_on_surface(frame.geometry.values)
    frame["label_lon"] = shapely.get_x(points).round(LABEL_DECIMALS)
    frame["label_lat"] = shapely.get_y(points).round(LABEL_DECIMALS)


def _simplify(edition: Edition) -> None:
    """Communes as one coverage; each upper level the dissolve of the level below, by parent code (its own
    coverage simplification for a unit with no child in the files)."""
    lowest = max(edition.layers)
    frame = edition.layers[lowest].frame
    frame["simplified"] = gpd.GeoSeries(shapely.coverage_simplify(frame.geometry.values, SIMPLIFY_TOLERANCE),
                                        index=frame.index, crs=WGS84)
    for level in sorted(edition.layers, reverse=True)[1:]:
        child, frame = edition.layers[level + 1].frame, edition.layers[level].frame
        dissolved = (gpd.GeoDataFrame({"parent": child["parent"]}, geometry=child["simplified"], crs=WGS84)
                     .dissolve(by="parent", method="coverage").geometry)
        simplified = dissolved.reindex(frame["code"]).values
        alone = shapely.is_missing(simplified)
        if alone.any():
            simplified[alone] = shapely.coverage_simplify(frame.geometry.values[alone], SIMPLIFY_TOLERANCE)
        frame["simplified"] = gpd.GeoSeries(simplified, index=frame.index, crs=WGS84)


def read_edition(sources: dict[int, Source], columns: dict[int | None, dict[str, str]] | None = None) -> Edition:
    """The three levels read, repaired, checked, measured and simplified. Raises EditionFileError with every
    problem found (a file that cannot be opened stops the reading at once)."""
    columns = columns or {}
    edition, errors = Edition(), []
    for level in sorted(sources):
        layer, problems = _standard(sources[level], level, columns)
        edition.layers[level] = layer
        errors += problems
    if errors:
        raise EditionFileError(errors)
    for layer in edition.layers.values():
        errors += _check_codes(layer)
    if errors:
        raise EditionFileError(errors)
    for level in sorted(edition.layers):
        if level - 1 in edition.layers:
            errors += _check_parents(edition.layers[level], edition.layers[level - 1])
    if errors:
        raise EditionFileError(errors)
    for layer in edition.layers.values():
        _measure(layer)
    _simplify(edition)
    return edition
