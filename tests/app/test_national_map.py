"""The national map's routes: the page (GET form + table twin), the cached GeoJSON (ETag, 304), the indicators."""
from __future__ import annotations

import gzip
import json
import re

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.demo import data as D
from plans.maps import national as nm
from plans.planning.models import Plan
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


# --- issue 15, item 4: a map that answers --------------------------------------------------------------------

def _kayes_bounds(session):
    import shapely
    import sqlalchemy as sa

    from plans.territory.models import AdminUnit

    wkb = session.scalar(sa.select(AdminUnit.geometry_simplified).where(AdminUnit.code == "ML01"))
    return shapely.from_wkb(wkb).bounds  # west, south, east, north


def test_choosing_a_region_or_a_cercle_gives_the_map_its_bounds(seeded, session, reviewer_client):
    west, south, east, north = _kayes_bounds(session)
    doc = reviewer_client.get("/api/carte-nationale/indicateurs.json?region=ML01").get_json()
    (s, w), (n, e) = doc["bounds"]
    assert (s, w, n, e) == pytest.approx((south, west, north, east), abs=1e-3)
    cercle = reviewer_client.get("/api/carte-nationale/indicateurs.json?region=ML01&cercle=ML0107").get_json()
    (cs, cw), (cn, ce) = cercle["bounds"]
    assert south - 1e-3 <= cs < cn <= north + 1e-3 and west - 1e-3 <= cw < ce <= east + 1e-3
    assert (cn - cs) * (ce - cw) < (n - s) * (e - w) / 4  # Yélimané is a small part of Kayes
    assert reviewer_client.get("/api/carte-nationale/indicateurs.json").get_json()["bounds"] is None


def test_a_regional_reviewer_starts_on_their_region(seeded, session, app, make_user):
    import sqlalchemy as sa

    from plans.territory.models import AdminUnit
    from tests.conftest import _logged_in

    kayes = session.scalar(sa.select(AdminUnit).where(AdminUnit.code == "ML01"))
    user = make_user(Role.REVIEWER, email="relecteur.kayes@dgct.ml", region=kayes)
    client = _logged_in(app, user)
    west, south, east, north = _kayes_bounds(session)
    (s, w), (n, e) = client.get("/api/carte-nationale/indicateurs.json").get_json()["bounds"]
    assert (s, w, n, e) == pytest.approx((south, west, north, east), abs=1e-3)


def test_the_legend_always_says_which_communes_have_no_plan(seeded, reviewer_client):
    for indicator in nm.INDICATORS:
        doc = reviewer_client.get(f"/api/carte-nationale/indicateurs.json?indicateur={indicator}").get_json()
        assert doc["legend"][-1]["colour"] == nm.NO_DATA_COLOUR and "pas de plan" in doc["legend"][-1]["label"]


def test_the_page_writes_the_names_of_regions_and_cercles_and_sorts_its_table(seeded, session, reviewer_client):
    import sqlalchemy as sa

    from plans.territory.models import AdminUnit

    unit = session.scalar(sa.select(AdminUnit).where(AdminUnit.code == "ML0107"))
    unit.official_name = "Yélimané </script><b>x</b>"
    session.commit()
    html = reviewer_client.get("/carte-nationale").get_data(as_text=True)
    labels = json.loads(re.search(r'<script type="application/json" id="nat-labels">(.*?)</script>', html,
                                  re.S).group(1))
    names = {(name, level) for name, level, _lat, _lon in labels}
    assert ("Kayes", 1) in names and ("Kayes", 2) in names and ("Yélimané </script><b>x</b>", 2) in names
    assert len([n for n in names if n[1] == 1]) == 9  # 8 régions and the District of Bamako
    assert "</script><b>x" not in html  # escaped inside the JSON island
    assert 'class="twin sortable"' in html and "js/table_sort.js" in html


def test_a_click_on_an_action_shows_its_cost_and_funding(seeded, session, reviewer_client):
    import sqlalchemy as sa

    from plans.core.formatting import fcfa
    from plans.planning.finance import plan_finance
    from plans.planning.models import Plan

    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    points = reviewer_client.get("/api/carte-nationale/actions.json?region=ML01").get_json()
    index = [p[0] for p in points["plans"]].index(plan.id)
    lat, lon = next((p[0], p[1]) for p in nm.decoded_points(points) if p[2] == index)
    doc = reviewer_client.get(f"/api/carte-nationale/action.json?plan={plan.id}&lat={lat}&lon={lon}").get_json()
    assert doc["plan"] == [plan.id, plan.title] and doc["actions"]
    shown = doc["actions"][0]
    action = plan.actions[shown["number"] - 1]
    figures = plan_finance(plan).figures_for(action)
    assert shown["title"] == action.title and shown["total"] == fcfa(figures.total)
    assert [f[2] for f in shown["funding"]] == [fcfa(a) for a in figures.line_amounts]
    assert all("FCFA" in f[2] for f in shown["funding"])


def test_the_action_popup_refuses_bad_input_and_planners(seeded, session, reviewer_client, planner_client):
    bad = reviewer_client.get("/api/carte-nationale/action.json?plan=1&lat=abc&lon=2")
    assert bad.status_code == 400 and "rechargez" in bad.get_json()["error"]
    assert reviewer_client.get("/api/carte-nationale/action.json?plan=x&lat=1&lon=2").status_code == 400
    assert reviewer_client.get("/api/carte-nationale/action.json?plan=999999&lat=1&lon=2").status_code == 404
    assert planner_client.get("/api/carte-nationale/action.json?plan=1&lat=1&lon=2").status_code == 403


def test_the_current_view_downloads_as_a_png(seeded, reviewer_client, planner_client):
    import io

    from PIL import Image

    page = reviewer_client.get("/carte-nationale?region=ML01&indicateur=diaspora").get_data(as_text=True)
    assert 'href="/carte-nationale.png?region=ML01&amp;indicateur=diaspora"' in page
    png = reviewer_client.get("/carte-nationale.png?region=ML01&indicateur=diaspora")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "attachment" in png.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(png.data))
    assert image.format == "PNG" and image.size == (1500, 1050)
    # The chosen région's view is not the whole country's.
    assert reviewer_client.get("/carte-nationale.png?indicateur=diaspora").data != png.data
    assert planner_client.get("/carte-nationale.png").status_code == 403
    refused = reviewer_client.get("/carte-nationale.png?indicateur=diaspora&min=beaucoup")
    assert refused.status_code == 400 and "nombre lisible" in refused.get_data(as_text=True)


def test_a_save_shows_on_the_map_and_reloads_that_plan_only(seeded, session, reviewer_client):
    """Issue 15: the first request after one plan's save reads that plan's summary again, not every plan's."""
    url = "/api/carte-nationale/indicateurs.json?indicateur=emigres"

    def koniakary_text():
        return reviewer_client.get(url).get_json()["communes"][D.KONIAKARY_PCODE][1].replace("\u202f", " ")

    assert koniakary_text() != "1 000,0 ‰"
    before = nm.national_base(session)
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.migration_profile.emigrants_total = 20143  # its population: 1 000 ‰
    session.commit()  # the save; the map's request brings the plan's summary up to date (app/summaries.py)
    assert koniakary_text() == "1 000,0 ‰"
    after = nm.national_base(session)
    assert after is not before
    old = {p.id: p for p in before.plans}
    assert [p.id for p in after.plans if p is not old.get(p.id)] == [plan.id]
