"""The optional basemap (plans/maps/basemap.py, app/maps/tiles.py): off by default, an MBTiles file served by
/tuiles/<z>/<x>/<y>.<ext> (TMS rows flipped), or a configured tile URL; every map draws it when it is set."""
from __future__ import annotations

import io
import sqlite3

import pytest
from PIL import Image

from app import config
from plans.maps.basemap import MBTiles, tile_layer_spec
from tests.offline import assert_no_external_refs, external_refs


def _png(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (10, 120, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


def make_mbtiles(path, tiles: dict[tuple[int, int, int], bytes], fmt: str | None = "png", maxzoom: int = 1):
    """An MBTiles file: `tiles` keyed by (zoom_level, tile_column, tile_row) — TMS rows, as the format stores them."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        meta = [("name", "test"), ("minzoom", "0"), ("maxzoom", str(maxzoom))] + ([("format", fmt)] if fmt else [])
        db.executemany("INSERT INTO metadata VALUES (?, ?)", meta)
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", [(*k, v) for k, v in tiles.items()])
    db.close()
    return path


PNG = _png()


@pytest.fixture
def mbtiles(app, tmp_path):
    # zoom 1, column 1, TMS row 0 (the south) = XYZ y 1
    path = make_mbtiles(tmp_path / "fond.mbtiles", {(1, 1, 0): PNG})
    app.config["MBTILES_PATH"] = str(path)
    return path


def test_the_tile_is_served_with_the_tms_row_flipped(planner_client, mbtiles):
    response = planner_client.get("/tuiles/1/1/1.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == PNG
    assert "max-age" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert planner_client.get("/tuiles/1/1/1.png", headers={"If-None-Match": etag}).status_code == 304
    assert planner_client.get("/tuiles/1/1/0.png").status_code == 404  # TMS row 1: the north, no tile there


@pytest.mark.parametrize("url", ["/tuiles/1/0/1.png", "/tuiles/3/0/0.png", "/tuiles/1/2/0.png", "/tuiles/1/1/1.gif",
                                 "/tuiles/40/0/0.png"])
def test_a_missing_or_impossible_tile_is_404(planner_client, mbtiles, url):
    assert planner_client.get(url).status_code == 404


def test_without_mbtiles_every_tile_is_404(planner_client, app):
    assert app.config["MBTILES_PATH"] is None
    assert planner_client.get("/tuiles/0/0/0.png").status_code == 404


def test_an_unreadable_mbtiles_turns_the_basemap_off(planner_client, app, tmp_path, plan):
    app.config["MBTILES_PATH"] = str(tmp_path / "absent.mbtiles")
    assert planner_client.get("/tuiles/0/0/0.png").status_code == 404
    html = planner_client.get(f"/plans/{plan.id}/carte").get_data(as_text=True)
    assert "L.tileLayer" not in html


def test_tiles_need_a_login(client, mbtiles):
    assert client.get("/tuiles/1/1/1.png").status_code == 302


def test_a_jpeg_mbtiles_is_served_as_jpeg_under_jpg(planner_client, app, tmp_path, plan):
    app.config["MBTILES_PATH"] = str(make_mbtiles(tmp_path / "jpeg.mbtiles", {(0, 0, 0): _jpeg()}, fmt="jpeg"))
    response = planner_client.get("/tuiles/0/0/0.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "/tuiles/{z}/{x}/{y}.jpg" in planner_client.get(f"/plans/{plan.id}/carte").get_data(as_text=True)


def test_the_format_is_sniffed_when_the_metadata_lacks_it(tmp_path):
    info = MBTiles(make_mbtiles(tmp_path / "sans-format.mbtiles", {(0, 0, 0): _jpeg()}, fmt=None)).info()
    assert (info.format, info.mimetype, info.max_zoom) == ("jpg", "image/jpeg", 1)


def test_the_plan_map_has_no_tile_layer_by_default(planner_client, plan):
    html = planner_client.get(f"/plans/{plan.id}/carte").get_data(as_text=True)
    assert "L.tileLayer" not in html and "/tuiles/" not in html
    assert_no_external_refs(html, "carte du plan")


def test_with_mbtiles_the_plan_map_draws_the_local_tiles(planner_client, mbtiles, plan):
    html = planner_client.get(f"/plans/{plan.id}/carte").get_data(as_text=True)
    assert "L.tileLayer" in html
    assert '"/tuiles/{z}/{x}/{y}.png"' in html
    assert "contributeurs OpenStreetMap" in html  # (folium writes the © as \u00a9)
    assert_no_external_refs(html, "carte du plan avec MBTiles")  # still offline: the tiles are the app's own


def test_with_mbtiles_the_leaflet_pages_get_the_tiles(app, planner_client, reviewer_client, mbtiles, plan):
    national = reviewer_client.get("/carte-nationale").get_data(as_text=True)
    assert 'data-tile-url="/tuiles/{z}/{x}/{y}.png"' in national
    assert 'data-tile-max-native-zoom="1"' in national
    form = planner_client.get(f"/plans/{plan.id}/actions/nouvelle").get_data(as_text=True)
    assert 'data-tile-url="/tuiles/{z}/{x}/{y}.png"' in form
    diaspora = planner_client.get("/carte-diaspora").get_data(as_text=True)
    assert '"/tuiles/{z}/{x}/{y}.png"' in diaspora


def test_without_a_basemap_the_leaflet_pages_have_no_tile_attribute(planner_client, reviewer_client, plan):
    assert "data-tile-url" not in reviewer_client.get("/carte-nationale").get_data(as_text=True)
    assert "data-tile-url" not in planner_client.get(f"/plans/{plan.id}/actions/nouvelle").get_data(as_text=True)
    assert "L.tileLayer" not in planner_client.get("/carte-diaspora").get_data(as_text=True)


def test_a_configured_tile_url_is_the_deployers_choice(app, planner_client, plan):
    url = "https://tuiles.mairie.ml/{z}/{x}/{y}.png"
    app.config.update(TILE_URL=url, TILE_ATTRIBUTION="Fond : DNCT")
    html = planner_client.get(f"/plans/{plan.id}/carte").get_data(as_text=True)  # no OfflineError: allowed
    assert f'"{url}"' in html and "Fond : DNCT" in html
    assert "Sans fond de carte" not in html
    assert external_refs(html) == [f"tuiles {url}"]  # that template, and nothing else


def test_mbtiles_wins_over_the_tile_url(app, mbtiles):
    app.config["TILE_URL"] = "https://tuiles.mairie.ml/{z}/{x}/{y}.png"
    with app.test_request_context():
        from app.maps.tiles import basemap_spec

        assert basemap_spec()["url"] == "/tuiles/{z}/{x}/{y}.png"


def test_the_spec_is_none_by_default():
    assert tile_layer_spec({}) is None
    assert tile_layer_spec({"MBTILES_PATH": "/x.mbtiles"}) is None  # no local route given: nothing to point at
    spec = tile_layer_spec({"TILE_URL": "http://10.0.0.5/{z}/{x}/{y}.png"})
    assert spec == {"url": "http://10.0.0.5/{z}/{x}/{y}.png", "attribution": "© contributeurs OpenStreetMap",
                    "max_zoom": 18, "max_native_zoom": None}


def test_the_settings_come_from_the_environment(monkeypatch, tmp_path):
    for name in ("PDLM_MBTILES", "PDLM_TILE_URL", "PDLM_TILE_ATTRIBUTION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    default = config.from_environment(str(tmp_path))
    assert (default["MBTILES_PATH"], default["TILE_URL"]) == (None, None)
    assert default["TILE_ATTRIBUTION"] == "© contributeurs OpenStreetMap"
    monkeypatch.setenv("PDLM_MBTILES", "/srv/fond.mbtiles")
    monkeypatch.setenv("PDLM_TILE_URL", "http://tuiles.local/{z}/{x}/{y}.png")
    monkeypatch.setenv("PDLM_TILE_ATTRIBUTION", "Fond : IGM")
    configured = config.from_environment(str(tmp_path))
    assert (configured["MBTILES_PATH"], configured["TILE_URL"], configured["TILE_ATTRIBUTION"]) == (
        "/srv/fond.mbtiles", "http://tuiles.local/{z}/{x}/{y}.png", "Fond : IGM")
