"""The optional basemap's tiles (docs/ARCHITECTURE.md, pitfall 7; plans/maps/basemap.py).

    GET /tuiles/<z>/<x>/<y>.<ext>   one raster tile of the MBTiles file of PDLM_MBTILES (XYZ in the URL, TMS rows
                                    in the file: y is flipped), its mimetype from the metadata's format, an ETag
                                    (304 on If-None-Match) and a day of private caching. 404 for a missing tile, an
                                    unknown extension, or when no MBTiles is configured (the default).
Any logged-in user (the maps of every role use it). The URL is national, not under /plans.

`basemap_spec()` is the one place the app decides which basemap its maps draw (None: none). The folium pages pass
it to the builders; it is also offered to every template (national map, location picker) as `basemap_spec()` and
`basemap_attributes()` (data-* attributes read by their JS).
"""
from __future__ import annotations

import logging

from flask import Response, abort, current_app, request
from flask_login import login_required
from markupsafe import Markup, escape

from app.maps import bp
from plans.maps.basemap import EXTENSIONS, MBTiles, MBTilesError, MBTilesInfo, tile_data_attributes, tile_layer_spec

log = logging.getLogger(__name__)
_INFO: dict[tuple, MBTilesInfo | None] = {}  # (path, mtime) → metadata, read once per version of the file


def _mbtiles() -> tuple[MBTiles, MBTilesInfo] | None:
    path = current_app.config.get("MBTILES_PATH")
    if not path:
        return None
    tiles = MBTiles(path)
    try:
        key = (str(tiles.path), tiles.path.stat().st_mtime_ns)
    except OSError:
        key = (str(tiles.path), None)
    if key not in _INFO:
        try:
            _INFO[key] = tiles.info()
        except MBTilesError as error:
            log.warning("fond de carte désactivé : %s", error)
            _INFO[key] = None
    info = _INFO[key]
    return (tiles, info) if info is not None else None


def basemap_spec() -> dict | None:
    """{url, attribution, max_zoom, max_native_zoom} of the basemap, or None (no PDLM_MBTILES nor PDLM_TILE_URL,
    or an unreadable MBTiles file and no URL)."""
    local = _mbtiles()
    local_url = f"{request.script_root}/tuiles/{{z}}/{{x}}/{{y}}.{local[1].extension}" if local else None
    config = current_app.config if local else {**current_app.config, "MBTILES_PATH": None}
    return tile_layer_spec(config, local_url, local[1] if local else None)


def basemap_attributes() -> Markup:
    """The basemap as data-* attributes for a Leaflet box (empty without a basemap)."""
    return Markup("".join(f' {name}="{escape(value)}"' for name, value in tile_data_attributes(basemap_spec()).items()))


@bp.get("/tuiles/<int:z>/<int:x>/<int:y>.<ext>")
@login_required
def tile(z: int, x: int, y: int, ext: str):
    local = _mbtiles()
    if local is None or ext.lower() not in EXTENSIONS:
        abort(404)
    tiles, info = local
    try:
        data = tiles.tile(z, x, y)
    except MBTilesError as error:
        log.warning("tuile %s/%s/%s illisible : %s", z, x, y, error)
        data = None
    if data is None:
        abort(404)
    response = Response(data, mimetype=info.mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.add_etag()
    return response.make_conditional(request)


@bp.app_context_processor
def _basemap_helpers() -> dict:
    return {"basemap_spec": basemap_spec, "basemap_attributes": basemap_attributes}
