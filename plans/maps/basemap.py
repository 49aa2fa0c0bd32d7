"""The optional basemap (docs/ARCHITECTURE.md, pitfall 7): off by default, every map stays tile-less and offline.

Two ways for a deployer to turn it on (app/config.py, README's configuration table):
- `PDLM_MBTILES`: a local .mbtiles file of raster PNG/JPEG tiles, served by the app itself (app/maps/tiles.py,
  GET /tuiles/<z>/<x>/<y>.<ext>). Nothing leaves the server: this is the offline way.
- `PDLM_TILE_URL`: a tile URL template (`https://tuiles.exemple.ml/{z}/{x}/{y}.png`) of a server on the deployer's
  own network. The deployer's explicit choice: the offline checks allow THIS template and nothing else.
MBTiles wins when both are set. `PDLM_TILE_ATTRIBUTION` is shown in the map's attribution.

Pure: no Flask. The app gives `tile_layer_spec` its config and the URL template of its own /tuiles route.
- `tile_layer_spec(config, local_url)` → {url, attribution, max_zoom, max_native_zoom} or None (no basemap);
- `add_tile_layer(m, spec)` adds it to a folium map (plan map, comparison maps, diaspora map) and allows its
  template in plans.maps.offline's check; the Leaflet pages (national map, location picker) get the same spec
  as data attributes (`tile_data_attributes`) read by their JS.
- `MBTiles`: read-only access to one tile (TMS rows: y is flipped) and to the metadata table.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import folium

from plans.maps.offline import DEFAULT_MAX_ZOOM, js_safe_text

DEFAULT_ATTRIBUTION = "© contributeurs OpenStreetMap"
MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}  # metadata format → URL extension
MAX_TILE_ZOOM = 24


class MBTilesError(RuntimeError):
    """The configured file is missing or is not an MBTiles database."""


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class MBTilesInfo:
    format: str  # png, jpg or webp
    min_zoom: int | None
    max_zoom: int | None
    attribution: str | None

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


class MBTiles:
    """One .mbtiles file, opened read-only for each access (sqlite3 URI `mode=ro`: the app never writes it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise MBTilesError(f"fichier MBTiles introuvable : {self.path}")
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)

    def info(self) -> MBTilesInfo:
        try:
            with self._connect() as db:
                meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
                fmt = str(meta.get("format") or "").strip().lower()
                if fmt not in MIMETYPES:
                    row = db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
                    fmt = (_sniff(bytes(row[0])) if row and row[0] else None) or "png"
        except sqlite3.Error as error:
            raise MBTilesError(f"{self.path} n'est pas un fichier MBTiles lisible : {error}") from error
        return MBTilesInfo(format=EXTENSIONS[fmt], min_zoom=_int(meta.get("minzoom")),
                           max_zoom=_int(meta.get("maxzoom")), attribution=meta.get("attribution") or None)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (z, x, y) — the URL's order, y down from the north — or None. MBTiles rows are TMS
        (y up from the south): row = 2^z − 1 − y."""
        if not (0 <= z <= MAX_TILE_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
            return None
        try:
            with self._connect() as db:
                row = db.execute("SELECT tile_data FROM tiles "
                                 "WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                                 (z, x, (2 ** z - 1) - y)).fetchone()
        except sqlite3.Error as error:
            raise MBTilesError(f"{self.path} : {error}") from error
        return bytes(row[0]) if row and row[0] is not None else None


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def tile_layer_spec(config: Mapping[str, Any], local_url: str | None = None,
                    info: MBTilesInfo | None = None) -> dict | None:
    """The basemap to draw, or None (the default: no basemap).

    `config`: the app's config (MBTILES_PATH, TILE_URL, TILE_ATTRIBUTION). `local_url`: the template of the app's
    own /tuiles route (used when MBTILES_PATH is set; None → MBTiles ignored). `info`: the MBTiles' metadata if the
    caller has read it (its maxzoom becomes Leaflet's maxNativeZoom: deeper zooms enlarge the last tiles)."""
    attribution = config.get("TILE_ATTRIBUTION") or DEFAULT_ATTRIBUTION
    if config.get("MBTILES_PATH") and local_url:
        return {"url": local_url, "attribution": attribution, "max_zoom": DEFAULT_MAX_ZOOM,
                "max_native_zoom": info.max_zoom if info and info.max_zoom is not None else None}
    url = (config.get("TILE_URL") or "").strip()
    if url:
        return {"url": url, "attribution": attribution, "max_zoom": DEFAULT_MAX_ZOOM, "max_native_zoom": None}
    return None


def add_tile_layer(m: folium.Map, spec: dict | None) -> folium.Map:
    """Adds the basemap of `spec` (tile_layer_spec) to a folium map; nothing when `spec` is None. The template is
    recorded on the map (`allowed_tile_templates`) so that plans.maps.offline accepts this one, and only it."""
    if not spec:
        return m
    options = {"max_native_zoom": spec["max_native_zoom"]} if spec.get("max_native_zoom") is not None else {}
    folium.TileLayer(tiles=spec["url"], attr=js_safe_text(spec["attribution"]), max_zoom=spec["max_zoom"],
                     name="Fond de carte", control=False, **options).add_to(m)
    m.allowed_tile_templates = (*getattr(m, "allowed_tile_templates", ()), spec["url"])
    return m


def tile_data_attributes(spec: dict | None) -> dict[str, str]:
    """The spec as data-* attributes for a plain Leaflet page (national map, location picker); {} without one."""
    if not spec:
        return {}
    attributes = {"data-tile-url": spec["url"], "data-tile-attribution": spec["attribution"],
                  "data-tile-max-zoom": str(spec["max_zoom"])}
    if spec.get("max_native_zoom") is not None:
        attributes["data-tile-max-native-zoom"] = str(spec["max_native_zoom"])
    return attributes
