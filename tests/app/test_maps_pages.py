"""The plan's map page (/plans/<id>/carte) and its PNG (/plans/<id>/carte.png): offline, escaped, placed right."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from PIL import Image

from plans.accounts.models import Role
from plans.core.formatting import fcfa
from plans.core.vocab import SECTORS
from plans.owners import service as owners_service
from plans.planning import service as plan_service
from plans.planning.models import Action, DiasporaAssociation, FundingLine, ScheduleEntry
from tests.conftest import login
from tests.offline import assert_no_external_refs

XSS = "${alert(1)}<img src=x onerror=alert(1)>`"
MASKED_LON, MASKED_LAT = -10.9111, 14.5999


def _action(plan, position, title, sector, lon=-10.92288, lat=14.58481, precision="exacte", lines=(),
            cost=10_000_000, tags=""):
    return Action(plan=plan, position=position, title=title, sector=sector, quantity=Decimal(1), unit_cost=cost,
                  lon=lon, lat=lat, location_precision=precision, tags=tags,
                  schedule=[ScheduleEntry(year=2025, amount=cost)], funding_lines=list(lines))


@pytest.fixture
def map_plan(session, plan, koniakary_owner):
    enndam = DiasporaAssociation(owner=koniakary_owner, name="Enndam <b>Jombuku</b>", host_country="FR")
    session.add(enndam)
    session.add_all([
        _action(plan, 0, XSS, "sante", lines=[
            FundingLine(position=0, source_type="budget_communal", amount=2_000_000, status="acquis"),
            FundingLine(position=1, source_type="association_diaspora", amount=3_000_000, association=enndam)]),
        _action(plan, 1, "AEP du quartier Khasso", "hydraulique", lon=-10.95, lat=14.60, precision="approximative",
                lines=[FundingLine(position=0, source_type="anict", share_pct=Decimal(80))]),
        _action(plan, 2, "Maison des femmes", "promotion_feminine", lon=MASKED_LON, lat=MASKED_LAT,
                precision="masquee"),
        _action(plan, 3, "Centre de formation des jeunes", "emploi", lon=None, lat=None),
    ])
    session.commit()
    return plan


def _page(client, plan) -> str:
    response = client.get(f"/plans/{plan.id}/carte")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_map_page_is_offline_and_links_the_vendored_leaflet(planner_client, map_plan):
    html = _page(planner_client, map_plan)
    assert_no_external_refs(html, "carte du plan")
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">' in html
    assert "user-scalable=no" not in html and "#map {" not in html  # folium's header was dropped
    assert "Limites : DNCT/OCHA (CC BY 4.0)" in html
    assert 'aria-current="page">Carte du plan</a>' in html  # the plan's nav links it


def test_the_vendored_files_are_served(client):
    for path in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/images/layers.png", "jquery/jquery.min.js",
                 "markercluster/leaflet.markercluster.js", "leaflet/LICENSE", "jquery/LICENSE.txt",
                 "markercluster/MIT-LICENCE.txt"):
        response = client.get(f"/static/vendor/{path}")
        assert response.status_code == 200, path
        response.close()


def test_the_xss_payload_appears_only_escaped(planner_client, map_plan):
    html = _page(planner_client, map_plan)
    assert XSS not in html
    for raw in ("<img src=x", "<b>Jombuku"):
        assert raw not in html, raw
    for script in re.findall(r"<script>(.*?)</script>", html, re.S):  # inline scripts: nothing to interpolate
        for raw in ("${", "`", "<img", "<b>"):
            assert raw not in script, raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the table twin (Jinja escaping)
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html  # the map's data (js_json), shown with textContent
    assert "Enndam &lt;b&gt;Jombuku&lt;/b&gt;" in html


def test_markers_are_the_located_actions_not_masked_and_the_twin_lists_all(reviewer_client, map_plan):
    html = _page(reviewer_client, map_plan)
    script = html[html.index("L.map("):]
    assert len(re.findall(r'"lat":', script)) == 2  # the exact and the approximate one
    assert script.count('"a":1') == 1 and '"m":1' not in script
    # A masked site's point never reaches the browser of a reader who may not see it (issue 14, item 2).
    assert str(MASKED_LAT) not in html and str(MASKED_LON) not in html
    assert "14,59990" not in html
    twin = html[html.index('<table class="twin">'):]
    assert len(re.findall(r'<th scope="row">', twin)) == 4
    assert "Maison des femmes" in twin and "localisation masquée" in twin and "non localisée" in twin
    assert "approximative" in twin
    assert "1 action à localisation masquée" in html and "2 actions placées sur 4" in html


@pytest.mark.parametrize("who", ["planner", "admin"])
def test_the_owners_planner_and_an_admin_see_the_masked_site_marked_as_such(planner_client, admin_client, map_plan,
                                                                            who):
    html = _page(planner_client if who == "planner" else admin_client, map_plan)
    script = html[html.index("L.map("):]
    assert len(re.findall(r'"lat":', script)) == 3 and script.count('"m":1') == 1
    assert str(MASKED_LAT) in script and str(MASKED_LON) in script
    twin = html[html.index('<table class="twin">'):]
    assert "14,59990 ; -10,91110 (localisation masquée, visible des seuls planificateurs" in twin
    assert "1 site sensible" in html and "3 actions placées sur 4" in html
    assert "Site sensible (localisation masquée)" in script  # the legend


def test_popups_and_twin_show_the_figures_of_plans_finance(planner_client, map_plan):
    html = _page(planner_client, map_plan)
    for amount in (10_000_000, 2_000_000, 3_000_000, 8_000_000, 5_000_000):  # 8 M = 80 % of 10 M; gap 5 M
        assert fcfa(amount) in html, amount
    assert "Financé par la diaspora" in html
    assert SECTORS["sante"] in html and SECTORS["hydraulique"] in html


def test_a_plan_without_actions_shows_its_territory(planner_client, plan):
    html = _page(planner_client, plan)
    assert "Aucune action pour l'instant" in html and "L.geoJson(" in html


def test_a_grouping_lists_its_members_without_geometry(session, app, admin, plan):
    from tests.factories import KENEDOUGOU_BFA_NAMES, kenedougou_grouping

    owner = kenedougou_grouping(session)
    glct_plan = plan_service.create_plan(session, owner=owner, title="Plan du GLCT", period_start=2026, user=None)
    session.commit()
    client = app.test_client()
    login(client, admin.email)
    html = _page(client, glct_plan)
    aside = html[html.index('id="membres-sans-geometrie"'):]
    for name in KENEDOUGOU_BFA_NAMES:
        assert name.replace("'", "&#39;") in aside, name
    assert "Communes membres" in html  # members drawn, then the union's outline
    assert_no_external_refs(html, "carte du GLCT")


def test_the_png_is_an_image_of_the_plan_with_an_etag(planner_client, map_plan):
    response = planner_client.get(f"/plans/{map_plan.id}/carte.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (1200, 900)
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 20
    again = planner_client.get(f"/plans/{map_plan.id}/carte.png", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_planner_of_another_owner_cannot_see_the_map(session, app, make_user, map_plan):
    kayes = owners_service.commune_owner(session, "ML010101")
    other = make_user(Role.PLANNER, email="autre@commune.ml", owners=[kayes])
    client = app.test_client()
    login(client, other.email)
    assert client.get(f"/plans/{map_plan.id}/carte").status_code == 403
    assert client.get(f"/plans/{map_plan.id}/carte.png").status_code == 403


def test_a_150_action_plan_page_stays_under_150_kib(session, planner_client, plan, capsys):
    keys = list(SECTORS)
    enndam = DiasporaAssociation(owner=plan.owner, name="Enndam Jombuku", host_country="FR")
    session.add(enndam)
    for i in range(150):
        lines = [FundingLine(position=0, source_type="budget_communal", amount=1_000_000, status="acquis"),
                 FundingLine(position=1, source_type="ptf", source_name="Coopération suisse", amount=6_000_000)]
        if i % 5 == 0:
            lines.append(FundingLine(position=2, source_type="association_diaspora", amount=2_000_000,
                                     association=enndam))
        session.add(_action(plan, i, f"Construction de deux salles de classe à l'école n°{i} de Koniakary",
                            keys[i % len(keys)], lon=-10.99 + (i % 15) * 0.01, lat=14.51 + (i // 15) * 0.01,
                            precision="masquee" if i % 25 == 0 else "exacte", lines=lines))
    session.commit()
    html = _page(planner_client, plan)
    size = len(html.encode("utf-8"))
    with capsys.disabled():
        print(f"\n[maps] plan map page, 150 actions: {size / 1024:.1f} KiB")
    assert size <= 150 * 1024, f"{size / 1024:.1f} KiB"
    assert len(re.findall(r'"lat":', html)) == 150  # the owner's planner sees the 6 masked sites too



# --- the diaspora links map (issue 15, item 7) --------------------------------------------------------------------

def test_the_world_basemap_is_served_by_the_app_with_an_etag(client, planner_client):
    assert client.get("/api/monde.geojson").status_code in (302, 401)  # logged-in users only
    first = planner_client.get("/api/monde.geojson")
    assert first.status_code == 200 and first.mimetype == "application/geo+json"
    assert len(first.get_json()["features"]) == 176
    assert planner_client.get("/api/monde.geojson", headers={"If-None-Match": first.headers["ETag"]}).status_code \
        == 304
    gz = planner_client.get("/api/monde.geojson", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and len(gz.data) < len(first.data) / 2


def test_the_diaspora_page_draws_the_world_and_lists_the_destinations(session, planner_client, koniakary_owner):
    session.add_all([
        DiasporaAssociation(owner=koniakary_owner, name=XSS, host_country="FR", host_city="Montreuil",
                            sections="Gabon", contact_details="ne-pas-afficher@example.org"),
        DiasporaAssociation(owner=koniakary_owner, name="Ressortissants de Koniakary à Montreuil", host_country="FR",
                            host_city="Montreuil")])
    session.commit()
    html = planner_client.get("/carte-diaspora").get_data(as_text=True)
    assert_no_external_refs(html, "carte de la diaspora")
    assert 'fetch("/api/monde.geojson"' in html and "Natural Earth (domaine public)" in html
    table = html[html.index('id="destinations"'):html.index('id="tableau-diaspora"')]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td class="num">(\d+)</td>'
                      r'<td class="num">(\d+)</td><td>(.*?)</td></tr>', table)
    assert ("Montreuil", "France", "2", "0", "Commune de Koniakary") in rows
    assert ("Gabon (pays)", "Gabon", "0", "1", "Commune de Koniakary") in rows
    assert "&lt;img src=x" in html and "<img src=x" not in html and "ne-pas-afficher" not in html
