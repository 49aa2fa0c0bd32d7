"""/plans/comparer and /carte-diaspora: access rules, offline pages, escaped user text, table twins."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from plans.core.formatting import fcfa
from plans.demo.data import TC1_UUID, TC2_UUID
from plans.owners import service as owners_service
from plans.planning import finance
from plans.planning import service as plan_service
from plans.planning.models import DiasporaAssociation, Plan
from tests.offline import assert_no_external_refs

XSS = "${alert(1)}<img src=x onerror=alert(1)>"


@pytest.fixture
def seeded(session, demo_cases):
    session.commit()
    return [session.scalar(sa.select(Plan.id).where(Plan.uuid == u)) for u in (TC1_UUID, TC2_UUID)]


def _url(*ids) -> str:
    return "/plans/comparer?" + "&".join(f"plans={i}" for i in ids)


def _no_raw_payload(html: str) -> None:
    assert XSS not in html and "<img src=x" not in html
    for script in re.findall(r"<script>(.*?)</script>", html, re.S):
        for raw in ("${", "`", "<img"):
            assert raw not in script, raw


def test_the_selection_form_lists_visible_plans(admin_client, seeded):
    for url in ("/plans/comparer", _url(seeded[0])):
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.count('type="checkbox" name="plans"') >= 2 and "Comparer" in html
        assert_no_external_refs(html, "formulaire de comparaison")


def test_two_plans_side_by_side(session, admin_client, seeded):
    response = admin_client.get(_url(*seeded))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_external_refs(html, "comparaison")
    assert html.count('class="folium-map"') == 2 and html.count("L.map(") == 2
    assert html.count('<script src="/static/vendor/leaflet/leaflet.js"></script>') == 1
    for plan_id in seeded:
        plan = session.get(Plan, plan_id, options=finance.load_options())
        assert fcfa(finance.plan_finance(plan).total) in html
    table = html[html.index('class="twin compare-table"'):]
    assert len(re.findall(r'<th scope="row">', table)) == 15
    assert "Coût par ménage de migrant" in table and "Émigrés pour 1 000 habitants" in table
    assert "536,1" in table  # TC1: 10 799 émigrés for 20 143 inhabitants


def test_too_many_too_few_and_unreadable(session, app, admin_client, planner_client, seeded, plan):
    extra = [plan_service.create_plan(session, owner=plan.owner, title=f"Plan {i}", period_start=2026, user=None)
             for i in range(3)]
    session.commit()
    ids = seeded + [p.id for p in extra]
    response = admin_client.get(_url(*ids))
    assert response.status_code == 400 and "au plus 4 plans" in response.get_data(as_text=True)
    assert admin_client.get(_url(seeded[0], 999999)).status_code == 400
    assert admin_client.get(_url(seeded[0], seeded[0])).status_code == 400  # the same plan twice
    assert admin_client.get(_url(seeded[0], "abc")).status_code == 400
    # The planner of Koniakary reads TC1 and their own plan, not the SICM's TC2
    assert planner_client.get(_url(seeded[0], plan.id)).status_code == 200
    assert planner_client.get(_url(seeded[0], seeded[1])).status_code == 403


def test_the_xss_payload_is_escaped_on_both_pages(session, admin_client, seeded, koniakary_owner):
    plan = session.get(Plan, seeded[0])
    plan.actions[0].title = XSS
    session.add(DiasporaAssociation(owner=koniakary_owner, name=XSS, host_country="FR", host_city="Paris",
                                    contact_details="secret@example.org"))
    session.commit()
    html = admin_client.get(_url(*seeded)).get_data(as_text=True)
    _no_raw_payload(html)
    html = admin_client.get("/carte-diaspora").get_data(as_text=True)
    _no_raw_payload(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "secret@example.org" not in html


def test_diaspora_map_lines_and_twin(session, admin_client, planner_client, seeded, koniakary_owner):
    other = owners_service.commune_owner(session, "ML010101")
    session.add_all([DiasporaAssociation(owner=other, name="Association hors Koniakary", host_country="ES",
                                         host_city="Madrid"),
                     DiasporaAssociation(owner=koniakary_owner, name="Sans lieu connu", host_country="ZZ")])
    session.commit()
    associations = session.scalars(sa.select(DiasporaAssociation)).all()
    placed = [a for a in associations if a.host_country != "ZZ"]
    html = admin_client.get("/carte-diaspora").get_data(as_text=True)
    assert_no_external_refs(html, "carte de la diaspora")
    script = html[html.index("L.map("):]
    links = re.search(r'\(function \(links, sections.*?\}\)\((\[.*?\]), ', script, re.S)
    assert links is not None
    assert links.group(1).count('"o":') == len(placed)
    twin = html[html.index('id="tableau-diaspora"'):]
    assert len(re.findall(r'<th scope="row">', twin)) == len(associations)
    assert "position inconnue" in twin and "Association hors Koniakary" in twin
    assert "Enndam Jombuku" in twin and "Commune de Koniakary" in twin
    planner_html = planner_client.get("/carte-diaspora").get_data(as_text=True)
    assert "Association hors Koniakary" not in planner_html and "Enndam Jombuku" in planner_html


def test_the_plans_index_links_both_pages(planner_client):
    html = planner_client.get("/plans/").get_data(as_text=True)
    assert 'href="/plans/comparer"' in html and 'href="/carte-diaspora"' in html
