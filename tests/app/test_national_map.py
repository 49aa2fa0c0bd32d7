"""The national map's routes: the page (GET form + table twin), the cached GeoJSON (ETag, 304), the indicators."""
from __future__ import annotations

import gzip
import json

import pytest

from plans.demo import data as D
from plans.maps import national as nm
from tests.offline import assert_no_external_refs


@pytest.fixture
def seeded(session, demo_cases):
    nm.clear_caches()
    session.commit()


def test_page_lists_koniakary_with_its_diaspora_share(seeded, reviewer_client):
    page = reviewer_client.get("/carte-nationale?indicateur=diaspora&region=ML01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_no_external_refs(html)
    assert "Koniakary" in html and "9,69" in html
    assert "Kénédougou" not in html  # région de Sikasso, filtered out
    assert 'data-communes-url="/api/communes.geojson"' in html
    assert "Carte nationale" in html  # the nav link


def test_planner_is_refused_and_has_no_nav_link(seeded, planner_client):
    assert planner_client.get("/carte-nationale").status_code == 403
    assert planner_client.get("/api/carte-nationale/indicateurs.json").status_code == 403
    assert "Carte nationale" not in planner_client.get("/").get_data(as_text=True)


def test_geojson_etag_304_and_gzip(seeded, reviewer_client):
    first = reviewer_client.get("/api/communes.geojson")
    assert first.status_code == 200 and first.headers["ETag"]
    assert len(json.loads(first.data)["features"]) >= 700
    again = reviewer_client.get("/api/communes.geojson", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    gz = reviewer_client.get("/api/communes.geojson", headers={"Accept-Encoding": "gzip, deflate"})
    assert gz.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in gz.headers["Vary"]
    assert gzip.decompress(gz.data) == first.data
    assert len(gz.data) < len(first.data) / 3


def test_indicators_json_filters_and_etag(seeded, reviewer_client):
    url = "/api/carte-nationale/indicateurs.json?indicateur=diaspora&region=ML01"
    r = reviewer_client.get(url)
    doc = r.get_json()
    assert doc["indicator"] == "diaspora"
    assert D.KONIAKARY_PCODE in doc["communes"]
    colour, text = doc["communes"][D.KONIAKARY_PCODE]
    assert text.replace("\u202f", " ").replace("\xa0", " ") == "9,69 %"
    assert all(row["region"] == "Kayes" for row in doc["rows"])
    assert reviewer_client.get(url, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    points = reviewer_client.get("/api/carte-nationale/actions.json?region=ML01").get_json()
    assert len(points["points"]) % 5 == 0 and points["points"]


def test_user_text_is_escaped_in_the_page(seeded, session, reviewer_client):
    import sqlalchemy as sa

    from plans.planning.models import Plan

    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.title = '<script>alert(1)</script>${x}'
    session.commit()
    html = reviewer_client.get("/carte-nationale").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_bad_filters_do_not_fail(seeded, admin_client):
    assert admin_client.get("/carte-nationale?periode=abc&statut=zz&secteur=<b>&indicateur=x").status_code == 200
