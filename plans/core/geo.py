"""Geometry helpers: WKB in and out, unions of members, and checking a polygon a user uploads as GeoJSON.

Everything is WGS 84 longitude/latitude (EPSG:4326), as in geodata/.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Iterable

import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from plans.core.errors import ValidationError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_VERTICES = 50_000
GEOJSON_GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                          "GeometryCollection"}
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
_WGS84_CRS_NAMES = ("crs84", "4326")


class GeoJSONError(ValidationError):
    """An uploaded GeoJSON refused. `too_large` tells the web layer to answer 413 rather than 400."""

    def __init__(self, message: str, *, field: str = "polygon", too_large: bool = False):
        super().__init__({field: [message]})
        self.too_large = too_large


def from_wkb(data: bytes | None) -> BaseGeometry | None:
    if not data:
        return None
    return shapely.from_wkb(data)


def to_wkb(geom: BaseGeometry | None) -> bytes | None:
    if geom is None or geom.is_empty:
        return None
    return shapely.to_wkb(geom)


def polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """The polygon parts of a geometry (a repaired geometry may hold stray lines or points), or None if there are
    none."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        found = polygonal(part)
        if found is not None:
            parts.extend(found.geoms if isinstance(found, MultiPolygon) else [found])
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def valid_polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """`geom` made valid, keeping only its polygon parts."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return polygonal(geom)


def union(geometries: Iterable[BaseGeometry | None]) -> Polygon | MultiPolygon | None:
    """The union of the given geometries (None ones skipped), made valid; None when there is nothing to unite."""
    parts = [g for g in geometries if g is not None and not g.is_empty]
    if not parts:
        return None
    return valid_polygonal(shapely.union_all(parts))


@lru_cache(maxsize=1)
def _to_equal_area():
    return pyproj.Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)


def area_km2(geom: BaseGeometry | None) -> float | None:
    """The area in km² on the EPSG:6933 equal-area grid, as geodata/ computes `area_km2`."""
    if geom is None or geom.is_empty:
        return None
    transformer = _to_equal_area()
    projected = shapely.transform(geom, lambda x, y: transformer.transform(x, y), interleaved=False)
    return round(projected.area / 1e6, 1)


def vertex_count(geom: BaseGeometry | None) -> int:
    return 0 if geom is None else int(shapely.get_num_coordinates(geom))


def to_geojson(geom: BaseGeometry | None) -> str:
    """A compact GeoJSON geometry (coordinates rounded to 1e-6°, about 0.1 m); "" for None."""
    if geom is None:
        return ""
    return json.dumps(mapping(shapely.set_precision(geom, 1e-6) if geom.is_valid else geom), separators=(",", ":"))


def _geometries_in(document: dict, depth: int = 0) -> list[dict]:
    """The geometry objects of a GeoJSON document (Feature, FeatureCollection, geometry, GeometryCollection)."""
    if depth > 5 or not isinstance(document, dict):
        raise GeoJSONError("Le fichier n'est pas un GeoJSON valide : un objet GeoJSON est mal formé.")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise GeoJSONError("Le fichier n'est pas un GeoJSON valide : la liste « features » manque.")
        return [g for f in features for g in _geometries_in(f, depth + 1)]
    if kind == "Feature":
        geometry = document.get("geometry")
        return [] if geometry is None else _geometries_in(geometry, depth + 1)
    if kind == "GeometryCollection":
        members = document.get("geometries")
        if not isinstance(members, list):
            raise GeoJSONError("Le fichier n'est pas un GeoJSON valide : la liste « geometries » manque.")
        return [g for m in members for g in _geometries_in(m, depth + 1)]
    if kind in GEOJSON_GEOMETRY_TYPES:
        return [document]
    raise GeoJSONError("Le fichier n'est pas un GeoJSON : il faut une géométrie, un « Feature » ou une "
                       "« FeatureCollection ».")


def _check_crs(document: dict) -> None:
    crs = document.get("crs")
    if not isinstance(crs, dict):
        return
    name = str((crs.get("properties") or {}).get("name", "")).lower()
    if name and not any(ok in name for ok in _WGS84_CRS_NAMES):
        raise GeoJSONError("Le fichier est dans une autre projection que WGS 84 (EPSG:4326). Exportez-le en WGS 84 "
                           "(longitude, latitude en degrés) puis renvoyez-le.")


def _check_coordinates(geom: BaseGeometry) -> None:
    coords = shapely.get_coordinates(geom)
    if len(coords) == 0:
        raise GeoJSONError("Le fichier ne contient aucun polygone (zone fermée) : le polygone est vide.")
    if not all(math.isfinite(v) for v in coords.flat):
        raise GeoJSONError("Le fichier contient des coordonnées qui ne sont pas des nombres.")
    lon, lat = coords[:, 0], coords[:, 1]
    if lon.min() < -180 or lon.max() > 180 or lat.min() < -90 or lat.max() > 90:
        raise GeoJSONError("Les coordonnées sont hors des limites (longitude entre -180 et 180, latitude entre -90 "
                           "et 90) : le fichier est sans doute dans une autre projection que WGS 84 (EPSG:4326).")


def parse_uploaded_polygon(data: bytes | str, *, max_bytes: int = MAX_UPLOAD_BYTES, max_vertices: int = MAX_VERTICES,
                           field: str = "polygon") -> Polygon | MultiPolygon:
    """The (Multi)Polygon of an uploaded GeoJSON file (geometry, Feature or FeatureCollection), in WGS 84.

    Polygons of several features are united. Raises GeoJSONError (a ValidationError, message in French, keyed by
    `field`) when the file is too large, not JSON, not GeoJSON, holds no polygon, has coordinates outside
    longitude/latitude bounds, has too many vertices, or is an invalid shape that cannot be repaired into a polygon.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")
    try:
        if len(raw) > max_bytes:
            raise GeoJSONError(f"Le fichier GeoJSON est trop volumineux ({_megabytes(len(raw))}) : au plus "
                               f"{_megabytes(max_bytes)}. Simplifiez le polygone avant de l'envoyer.", too_large=True)
        if not raw.strip():
            raise GeoJSONError("Le fichier envoyé est vide.")
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise GeoJSONError("Le fichier n'est pas un fichier JSON lisible : envoyez un fichier GeoJSON "
                               "(.geojson ou .json).") from None
        if not isinstance(document, dict) or "type" not in document:
            raise GeoJSONError("Le fichier n'est pas un GeoJSON : il faut une géométrie, un « Feature » ou une "
                               "« FeatureCollection ».")
        _check_crs(document)
        polygons = []
        for geometry in _geometries_in(document):
            if geometry.get("type") not in POLYGON_TYPES:
                continue
            try:
                polygons.append(shape(geometry))
            except Exception:  # shapely raises several types for malformed coordinate arrays
                raise GeoJSONError("Le fichier n'est pas un GeoJSON valide : les coordonnées d'un polygone sont "
                                   "mal formées.") from None
        if not polygons:
            raise GeoJSONError("Le fichier ne contient aucun polygone (zone fermée) : les points et les lignes ne "
                               "suffisent pas à délimiter un territoire.")
        for polygon in polygons:
            _check_coordinates(polygon)
        vertices = sum(vertex_count(p) for p in polygons)
        if vertices > max_vertices:
            raise GeoJSONError(f"Le polygone a trop de sommets ({_int(vertices)}) : au plus {_int(max_vertices)}. "
                               "Simplifiez-le avant de l'envoyer.")
        result = union(valid_polygonal(p) for p in polygons)
    except GeoJSONError as error:
        if field != "polygon":
            error.errors = {field: error.errors.pop("polygon")}
        raise
    except (shapely.errors.ShapelyError, ValueError, TypeError):
        result = None
    if result is None or result.is_empty or result.area == 0:
        raise GeoJSONError("Le polygone est invalide et n'a pas pu être réparé (surface nulle ou contour qui se "
                           "recoupe) : vérifiez-le dans votre logiciel SIG.", field=field)
    return result


def _int(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} Mo".replace(".", ",")
