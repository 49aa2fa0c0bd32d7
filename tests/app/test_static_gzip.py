"""Static files travel gzip-compressed to a browser that accepts it (app/static_gzip.py): a commune on a slow
connection downloads Leaflet and our scripts in a fraction of their size, unchanged once decompressed, and a
revalidation still answers 304."""
from __future__ import annotations

import gzip
from pathlib import Path

import app as app_package

STATIC = Path(app_package.__file__).parent / "static"
LEAFLET = "/static/vendor/leaflet/leaflet.js"


def test_a_vendored_script_is_sent_compressed_and_decompresses_to_the_file(client):
    r = client.get(LEAFLET, headers={"Accept-Encoding": "gzip, deflate"})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    on_disk = (STATIC / "vendor/leaflet/leaflet.js").read_bytes()
    assert len(r.data) < len(on_disk) / 2
    assert gzip.decompress(r.data) == on_disk
    assert int(r.headers["Content-Length"]) == len(r.data)


def test_a_browser_that_does_not_accept_gzip_gets_the_file_as_it_is(client):
    r = client.get(LEAFLET)
    assert r.status_code == 200
    assert "Content-Encoding" not in r.headers
    assert r.data == (STATIC / "vendor/leaflet/leaflet.js").read_bytes()


def test_revalidating_the_compressed_copy_answers_304_without_a_body(client):
    first = client.get(LEAFLET, headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    assert etag.startswith("W/")
    again = client.get(LEAFLET, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_a_range_request_is_answered_from_the_file_not_the_gzip(client):
    r = client.get(LEAFLET, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    assert r.status_code == 206
    assert "Content-Encoding" not in r.headers
    assert r.data == (STATIC / "vendor/leaflet/leaflet.js").read_bytes()[:100]


def test_images_are_not_compressed_again(client):
    png = next(p for p in STATIC.rglob("*.png"))
    r = client.get("/static/" + png.relative_to(STATIC).as_posix(), headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert "Content-Encoding" not in r.headers
    assert r.data == png.read_bytes()
