"""/plans/comparer and /carte-diaspora: access rules, offline pages, escaped user text, table twins."""
from __future__ import annotations

import html as html_module
import re

import pytest
import sqlalchemy as sa

from plans.core.formatting import fcfa, percent
from plans.core.vocab import SECTORS
from plans.demo.data import TC1_UUID, TC2_UUID
from plans.owners import service as owners_service
from plans.planning import finance
from plans.planning import service as plan_service
from plans.planning.indicators import funding_states
from plans.planning.models import DiasporaAssociation, Plan, PlanStatus
from plans.review import comments as review_comments
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


def _options(html: str) -> dict[int, bool]:
    """plan id → selected, from the picker's <select name="plans">."""
    picker = html[html.index('<select id="compare-plans"'):]
    picker = picker[:picker.index("</select>")]
    return {int(m.group(1)): bool(m.group(2)) for m in re.finditer(r'<option value="(\d+)"[^>]*?( selected)?>', picker)}


def test_the_picker_lists_visible_plans_and_keeps_the_chosen_one(admin_client, seeded):
    for url in ("/plans/comparer", _url(seeded[0])):
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert set(seeded) <= set(_options(html)) and "Comparer" in html
        assert_no_external_refs(html, "formulaire de comparaison")
    # From a plan page (« Comparer avec… »): that plan comes selected.
    html = admin_client.get(_url(seeded[0])).get_data(as_text=True)
    assert _options(html)[seeded[0]] and not _options(html)[seeded[1]]
    assert "Choisis (1) : PDESC de la commune de Koniakary 2025-2029" in html


def test_the_picker_narrows_without_javascript(session, admin_client, seeded):
    tc2 = session.get(Plan, seeded[1])
    # Accents and case do not count; the plan already chosen stays in the list.
    html = admin_client.get(_url(seeded[0]) + "&choisir=1&q=" + tc2.owner.name.upper().replace("É", "E")[:12]
                            ).get_data(as_text=True)
    assert set(_options(html)) == set(seeded)
    html = admin_client.get("/plans/comparer?q=koniakary").get_data(as_text=True)
    assert set(_options(html)) == {seeded[0]}
    html = admin_client.get("/plans/comparer?q=zzzz-introuvable").get_data(as_text=True)
    assert _options(html) == {} and "Aucun plan ne correspond à « zzzz-introuvable »." in html


def test_the_plan_page_and_the_dashboard_lead_to_the_comparison(admin_client, reviewer_client, seeded):
    html = admin_client.get(f"/plans/{seeded[0]}").get_data(as_text=True)
    assert f'href="/plans/comparer?plans={seeded[0]}" id="comparer-avec">Comparer avec…</a>' in html
    dashboard = reviewer_client.get("/revue/plans").get_data(as_text=True)
    assert '<form method="get" action="/plans/comparer" id="dash-compare"' in dashboard
    assert "Comparer la sélection" in dashboard
    for plan_id in seeded:  # one box a row, sent by the comparison's form
        assert f'name="plans" value="{plan_id}" form="dash-compare"' in dashboard


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
    assert "Coût par ménage de migrant" in table and "Émigrés pour 1 000 habitants" in table
    assert "536,1" in table  # TC1: 10 799 émigrés for 20 143 inhabitants
    groups = re.findall(r'<th scope="colgroup"[^>]*>([^<]+)</th>', table)
    assert groups == ["Revue", "Chiffres clés", "Financement par état (part du coût total)",
                      "Répartition par secteur (part du coût total)"]
    # The small maps carry nothing over them: no legend, layer control or filter; the legend is listed under each.
    assert "L.control.layers" not in html and "map-legend" not in html
    assert html.count('class="compare-legend"') == 2 and "Territoire" in html
    assert html.count('class="funding-bar"') == 2


def test_status_open_comments_funding_states_and_sectors_beside_the_figures(session, admin_client, reviewer, seeded):
    tc1 = session.get(Plan, seeded[0], options=finance.load_options())
    tc1.status = PlanStatus.EN_REVUE
    session.commit()
    thread = review_comments.add_comment(session, tc1, reviewer, "Coût du forage ?")
    review_comments.add_comment(session, tc1, reviewer, "Précision.", reply_to=thread)
    review_comments.add_comment(session, tc1, reviewer, "Autre question.", "section:suivi")
    session.commit()
    html = admin_client.get(_url(*seeded)).get_data(as_text=True)
    table = html[html.index('class="twin compare-table"'):]
    rows = {html_module.unescape(re.split(r"<sup>|<span", m.group(1))[0].strip()):
            re.findall(r'<td class="num">([^<]*)</td>', m.group(2))
            for m in re.finditer(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)}
    tc2 = session.get(Plan, seeded[1], options=finance.load_options())
    assert rows["Statut"] == ["En revue", tc2.status.label]
    assert rows["Commentaires non résolus"] == ["2", "0"]  # two threads, three comments
    fin = finance.plan_finance(tc1)
    states = funding_states(fin)
    assert rows["Acquis"][0] == f"{fcfa(states.secured)} ({percent(finance.share_of(states.secured, fin.total), 1)})"
    for key, amount in fin.by_sector.items():
        assert rows[SECTORS[key]][0] == f"{fcfa(amount)} ({percent(finance.share_of(amount, fin.total), 1)})"
    assert "2 commentaires non résolus" in html


def test_too_many_too_few_and_unreadable(session, app, admin_client, planner_client, seeded, plan):
    extra = [plan_service.create_plan(session, owner=plan.owner, title=f"Plan {i}", period_start=2026, user=None)
             for i in range(3)]
    session.commit()
    ids = seeded + [p.id for p in extra]
    response = admin_client.get(_url(*ids))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choisissez au plus 4 plans à comparer. Vous en avez coché 5." in html
    assert all(_options(html)[i] for i in ids)  # the picker again, nothing ticked lost
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
