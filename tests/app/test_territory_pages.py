"""The territory browser and its search, with and without JavaScript."""
from __future__ import annotations

import re
from pathlib import Path

from tests.factories import kenedougou_grouping, yelimane_grouping
from tests.offline import assert_no_external_refs

STATIC_JS = Path(__file__).resolve().parents[2] / "app" / "static" / "js" / "typeahead.js"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_browser_needs_a_login(client):
    for url in ("/territoire/", "/territoire/ML01", "/territoire/recherche.json?q=segou"):
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"], url


def test_the_browser_lists_the_nine_regions_for_every_role(planner_client, reviewer_client, admin_client):
    for c in (planner_client, reviewer_client, admin_client):
        response = c.get("/territoire/")
        assert response.status_code == 200
        html = text(response)
        assert len(re.findall(r'href="/territoire/ML0\d"', html)) == 9
        for name in ("Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Bamako"):
            assert f"<strong>{name}</strong>" in html
        assert 'name="q"' in html and 'id="territory-search"' in html
        assert_no_external_refs(html, "/territoire/")


def test_search_works_without_javascript(planner_client):
    html = text(planner_client.get("/territoire/?q=segou"))
    assert "Résultats pour « segou »" in html
    positions = [html.index(f'href="/territoire/{code}"') for code in ("ML04", "ML0402", "ML040224")]
    assert positions == sorted(positions)  # région, cercle, then the commune "Ségou Commune"
    html = text(planner_client.get("/territoire/?q=KONIAK"))
    assert 'href="/territoire/ML010115">Koniakary</a>' in html
    assert "Kayes › Kayes" in html


def test_search_answers_short_and_unknown_queries_in_french(planner_client):
    assert "Saisissez au moins deux lettres." in text(planner_client.get("/territoire/?q=k"))
    assert "Aucune unité ne correspond." in text(planner_client.get("/territoire/?q=zzzzzz"))


def test_the_query_is_escaped(planner_client):
    html = text(planner_client.get("/territoire/?q=%3Cscript%3Ealert(1)%3C/script%3E"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_commune_page_has_breadcrumbs_facts_and_groupings(planner_client, session):
    sicm = yelimane_grouping(session)
    html = text(planner_client.get("/territoire/ML010706"))
    start = html.index('aria-label="Fil d\'Ariane"')
    crumbs = html[start:html.index("</nav>", start)]
    assert re.search(r'href="/territoire/ML01">Kayes</a>.*href="/territoire/ML0107">Yélimané</a>.*Kirane Kaniaga',
                     crumbs, re.S)
    assert "ML010706" in html and "commune" in html
    assert "km²" in html and "OCHA COD-AB 2015" in html
    assert f'href="/groupements/{sicm.id}">{sicm.name}</a>' in html
    html = text(planner_client.get("/territoire/ML010115"))
    assert "ne fait partie d'aucun groupement" in html


def test_a_cercle_page_lists_its_communes(planner_client):
    html = text(planner_client.get("/territoire/ML0107"))
    assert "11 communes" in html
    for code in ("ML010701", "ML010706", "ML010711"):
        assert f'href="/territoire/{code}"' in html
    html = text(planner_client.get("/territoire/ML01"))
    assert "cercles" in html and 'href="/territoire/ML0107">Yélimané</a>' in html


def test_alternative_spellings_and_unmapped_communes_are_shown(planner_client):
    html = text(planner_client.get("/territoire/ML030506"))
    assert "Gouadie Sougouna" in html and "Goudie Sougouna" in html
    html = text(planner_client.get("/territoire/ML0704-X-ALATA"))
    assert "pas cartographiée" in html


def test_foreign_units_and_manual_units_have_pages(planner_client, session):
    html = text(planner_client.get("/territoire/?pays=BFA"))
    assert "Burkina Faso" in html and "Hauts-Bassins" in html
    kenedougou_grouping(session)
    html = text(planner_client.get("/territoire/BFA-X-N-DOROLA"))
    assert "N&#39;Dorola" in html and "Saisie manuelle" in html and "Burkina Faso" in html
    assert "GLCT-Kénédougou" in html


def test_an_unknown_code_is_a_french_404(planner_client):
    response = planner_client.get("/territoire/ML999999")
    assert response.status_code == 404
    assert "Aucune unité territoriale n&#39;a le code « ML999999 »." in text(response)


def test_json_search_returns_unit_summaries(planner_client):
    data = planner_client.get("/territoire/recherche.json?q=koniak").get_json()
    assert data["results"][0] == {
        "id": data["results"][0]["id"], "code": "ML010115", "name": "Koniakary", "level": 3, "level_label": "commune",
        "country_iso3": "MLI", "country_name": "Mali", "path": "Kayes › Kayes", "has_geometry": True}


def test_json_search_limits_and_short_queries(planner_client):
    assert planner_client.get("/territoire/recherche.json?q=").get_json() == {"results": []}
    assert planner_client.get("/territoire/recherche.json?q=k").get_json() == {"results": []}
    assert planner_client.get("/territoire/recherche.json").get_json() == {"results": []}
    assert len(planner_client.get("/territoire/recherche.json?q=ko").get_json()["results"]) == 20


def test_json_search_filters_by_level_and_country(planner_client):
    results = planner_client.get("/territoire/recherche.json?q=segou&level=3&country=MLI").get_json()["results"]
    assert results and {r["level"] for r in results} == {3} and results[0]["code"] == "ML040224"
    results = planner_client.get("/territoire/recherche.json?q=kenedougou&foreign=1").get_json()["results"]
    assert results and all(r["country_iso3"] != "MLI" for r in results)
    assert "Burkina Faso" in {r["country_name"] for r in results}
    results = planner_client.get("/territoire/recherche.json?q=kenedougou&foreign=1&country=CIV").get_json()["results"]
    assert all(r["country_iso3"] == "CIV" for r in results)
    # Nonsense parameters are ignored, not errors.
    assert planner_client.get("/territoire/recherche.json?q=segou&level=x&country=<b>").status_code == 200


def test_the_typeahead_script_is_served_and_never_uses_innerhtml(planner_client):
    response = planner_client.get("/static/js/typeahead.js")
    assert response.status_code == 200
    source = STATIC_JS.read_text(encoding="utf-8")
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "eval(" not in source
    assert "textContent" in source and 'setAttribute("role", "listbox")' in source
    html = text(planner_client.get("/territoire/"))
    assert 'src="/static/js/typeahead.js"' in html
    assert 'data-source="/territoire/recherche.json"' in html
