"""The reviewers' dashboard (/revue/plans) and its exports: sorting, filters shared with the national map, the
reader's scope, the files read back with csv, openpyxl and json."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.demo import data as D
from plans.maps import national as nm
from plans.owners.service import unit_by_code
from plans.planning.models import Action, Plan, PlanStatus
from plans.reporting import tables as tabular
from tests.conftest import login
from tests.offline import assert_no_external_refs

EXPORTS = ["/revue/export/plans.csv", "/revue/export/actions.csv", "/revue/export/financements.csv",
           "/revue/export/indicateurs.csv", "/revue/export/associations.csv", "/revue/export/plans.xlsx",
           "/revue/export/actions.geojson"]


@pytest.fixture
def seeded(session, demo_cases):
    nm.clear_caches()
    session.commit()
    return {u: session.scalar(sa.select(Plan.id).where(Plan.uuid == u)) for u in D.TEST_CASE_UUIDS}


def _plan_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-plan="(\d+)"', html)]


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _csv(response, entity: str = "plans") -> list[dict]:
    """The rows keyed by the columns' technical keys (the file's headers are French: tabular.ENTITIES maps them)."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    keys = {c.header: c.key for c in tabular.ENTITIES[entity][1]}
    reader = csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";")
    header = [keys[h] for h in next(reader)]
    return [dict(zip(header, row)) for row in reader]


def test_page_lists_every_plan_with_its_figures_and_links(seeded, reviewer_client):
    response = reviewer_client.get("/revue/plans")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_external_refs(html)
    assert sorted(_plan_ids(html)) == sorted(seeded.values())
    koniakary = _plain(html.split(f'<tr data-plan="{seeded[D.TC1_UUID]}">')[1].split("</tr>")[0])
    assert "160 000 000" in koniakary and "9,69 %" in koniakary and "3 / 4" in koniakary
    assert f'href="/plans/{seeded[D.TC1_UUID]}"' in koniakary
    assert 'href="/revue/plans"' in html and "Tableau des plans" in html  # the nav link
    for url in EXPORTS:
        assert f'href="{url}' in html


def test_sorting_by_query_parameter_with_aria_sort(seeded, reviewer_client):
    html = reviewer_client.get("/revue/plans?tri=cout&ordre=desc").get_data(as_text=True)
    assert _plan_ids(html) == [seeded[D.TC1_UUID], seeded[D.TC2_UUID], seeded[D.TC3_UUID]]  # 160, 135, 92 M
    header = re.search(r'<th scope="col"[^>]*aria-sort="descending"><a href="([^"]+)">Coût total', html)
    assert header, "the sorted column says so to screen readers"
    assert html.count("aria-sort=") == 1
    again = reviewer_client.get(unescape(header.group(1))).get_data(as_text=True)  # the header link: ascending
    assert _plan_ids(again) == [seeded[D.TC3_UUID], seeded[D.TC2_UUID], seeded[D.TC1_UUID]]
    assert 'aria-sort="ascending"' in again
    by_owner = reviewer_client.get("/revue/plans?tri=collectivite").get_data(as_text=True)
    assert _plan_ids(by_owner) == [seeded[D.TC3_UUID], seeded[D.TC1_UUID], seeded[D.TC2_UUID]]  # G, K, S
    assert reviewer_client.get("/revue/plans?tri=<b>&ordre=zz").status_code == 200  # unknown: the default


def test_filters_keep_the_sort_and_link_to_the_map_with_the_same_query(seeded, session, reviewer_client):
    session.get(Plan, seeded[D.TC2_UUID]).status = PlanStatus.VALIDE
    session.commit()
    html = reviewer_client.get("/revue/plans?region=ML01&tri=cout&ordre=asc").get_data(as_text=True)
    assert _plan_ids(html) == [seeded[D.TC2_UUID], seeded[D.TC1_UUID]]  # Kayes only, cheapest first
    assert 'name="tri" value="cout"' in html and '<option value="ML01" selected>' in html
    map_link = unescape(re.search(r'href="([^"]+)" id="dash-map-link"', html).group(1))
    assert urlsplit(map_link).path == "/carte-nationale" and parse_qs(urlsplit(map_link).query) == {"region": ["ML01"]}
    assert _plan_ids(reviewer_client.get("/revue/plans?statut=valide").get_data(as_text=True)) == [seeded[D.TC2_UUID]]
    assert _plan_ids(reviewer_client.get("/revue/plans?type=glct").get_data(as_text=True)) == [seeded[D.TC3_UUID]]
    assert set(_plan_ids(reviewer_client.get("/revue/plans?periode=2028").get_data(as_text=True))) == {
        seeded[D.TC1_UUID], seeded[D.TC2_UUID]}
    sector = reviewer_client.get("/revue/plans?secteur=hydraulique&region=ML01").get_data(as_text=True)
    assert seeded[D.TC1_UUID] in _plan_ids(sector) and "dont secteur" in sector


@pytest.mark.parametrize("query", ["", "region=ML01", "region=ML03", "cercle=ML0107", "statut=brouillon",
                                   "periode=2029", "indicateur=diaspora&min=10", "indicateur=diaspora&min=12,5"])
def test_the_table_shows_the_plans_of_the_national_map(seeded, reviewer_client, query):
    """The same query string selects the same plans on the map (its table twin's JSON) and in the dashboard."""
    doc = reviewer_client.get(f"/api/carte-nationale/indicateurs.json?{query}").get_json()
    on_map = {plan_id for row in doc["rows"] for plan_id, _ in row["plans"]}
    in_table = set(_plan_ids(reviewer_client.get(f"/revue/plans?{query}").get_data(as_text=True)))
    assert in_table == on_map


def test_the_map_links_back_to_the_table(seeded, reviewer_client):
    html = reviewer_client.get("/carte-nationale?region=ML01&indicateur=diaspora").get_data(as_text=True)
    link = unescape(re.search(r'href="([^"]+)" id="nat-table-link"', html).group(1))
    assert urlsplit(link).path == "/revue/plans"
    assert parse_qs(urlsplit(link).query) == {"region": ["ML01"], "indicateur": ["diaspora"]}
    assert "Voir le tableau" in html
    assert set(_plan_ids(reviewer_client.get(link).get_data(as_text=True))) == {
        seeded[D.TC1_UUID], seeded[D.TC2_UUID]}


def test_a_regional_reviewer_sees_and_exports_only_their_region(seeded, session, make_user, app):
    reviewer = make_user(Role.REVIEWER, email="relecteur-sikasso@dgct.ml", region=unit_by_code(session, "ML03"))
    client = app.test_client()
    assert login(client, reviewer.email).status_code == 302
    assert _plan_ids(client.get("/revue/plans").get_data(as_text=True)) == [seeded[D.TC3_UUID]]
    assert _plan_ids(client.get("/revue/plans?region=ML01").get_data(as_text=True)) == []
    assert {r["plan_uuid"] for r in _csv(client.get("/revue/export/plans.csv"))} == {D.TC3_UUID}
    assert {r["plan_uuid"] for r in _csv(client.get("/revue/export/actions.csv?region=ML01"), "actions")} == set()
    book = openpyxl.load_workbook(io.BytesIO(client.get("/revue/export/plans.xlsx").data))
    assert [r[0] for r in book["Plans"].iter_rows(min_row=2, values_only=True)] == [D.TC3_UUID]
    features = json.loads(client.get("/revue/export/actions.geojson").data)["features"]
    assert features and {f["properties"]["plan_uuid"] for f in features} == {D.TC3_UUID}


def test_csv_exports_honour_the_filters_and_name_the_file_with_the_date(seeded, reviewer_client):
    response = reviewer_client.get("/revue/export/plans.csv?region=ML01&tri=cout&ordre=desc")
    rows = _csv(response)
    assert [r["plan_uuid"] for r in rows] == [D.TC1_UUID, D.TC2_UUID]  # Kayes, in the table's order
    assert (rows[0]["cout_total_fcfa"], rows[0]["apport_diaspora_fcfa"], rows[0]["part_diaspora_pct"]) == \
        ("160000000", "15500000", "9,69")
    today = date.today().isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="pdlm-plans-{today}.csv"'
    actions = _csv(reviewer_client.get("/revue/export/actions.csv?secteur=hydraulique"), "actions")
    assert actions and {r["secteur"] for r in actions} == {"hydraulique"}
    lines = _csv(reviewer_client.get("/revue/export/financements.csv?type=commune"), "financements")
    assert {r["plan_uuid"] for r in lines} == {D.TC1_UUID}
    assert sum(int(r["montant_fcfa"]) for r in lines if r["source"] == "association_diaspora") == 15_500_000
    assert _csv(reviewer_client.get("/revue/export/indicateurs.csv?type=glct"), "indicateurs")
    associations = _csv(reviewer_client.get("/revue/export/associations.csv?region=ML01"), "associations")
    assert {r["nom"] for r in associations} >= {"Enndam Jombuku"}
    assert reviewer_client.get("/revue/export/utilisateurs.csv").status_code == 404


def test_xlsx_export_reads_back_with_openpyxl(seeded, admin_client):
    response = admin_client.get("/revue/export/plans.xlsx?type=commune")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith(f'pdlm-plans-{date.today().isoformat()}.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Plans", "Actions", "Financements", "Indicateurs", "Associations", "Colonnes"]
    plans = book["Plans"]
    keys = {c.header: c.key for c in tabular.PLAN_COLUMNS}
    header = [keys[c.value] for c in plans[1]]
    (row,) = [dict(zip(header, r)) for r in plans.iter_rows(min_row=2, values_only=True)]
    assert row["plan_uuid"] == D.TC1_UUID and row["cout_total_fcfa"] == 160_000_000
    assert row["part_diaspora_pct"] == pytest.approx(9.69)
    assert plans.freeze_panes == "A2" and plans["A1"].font.b
    assert len(list(book["Actions"].iter_rows(min_row=2))) == 4
    notes = [r[0] for r in book["Colonnes"].iter_rows(max_row=2, values_only=True)]
    assert notes[1] == "Filtres : Type de collectivité : Commune."


def test_geojson_export_leaves_out_withheld_locations(seeded, session, reviewer_client):
    actions = session.scalars(sa.select(Action).where(Action.plan_id == seeded[D.TC1_UUID])
                              .order_by(Action.position)).all()
    actions[0].location_precision = "masquee"
    actions[1].title = "<b>Forage</b> & château d'eau"
    session.commit()
    response = reviewer_client.get("/revue/export/actions.geojson?type=commune")
    assert response.mimetype == "application/geo+json"
    assert b"<b>" not in response.data
    doc = json.loads(response.data)
    by_uuid = {f["properties"]["action_uuid"]: f for f in doc["features"]}
    assert set(by_uuid) == {a.uuid for a in actions[1:]}
    assert by_uuid[actions[1].uuid]["properties"]["titre"] == "<b>Forage</b> & château d'eau"
    lon, lat = by_uuid[actions[1].uuid]["geometry"]["coordinates"]
    assert (lon, lat) == (pytest.approx(actions[1].lon), pytest.approx(actions[1].lat))
    csv_rows = {r["action_uuid"]: r
                for r in _csv(reviewer_client.get("/revue/export/actions.csv?type=commune"), "actions")}
    assert (csv_rows[actions[0].uuid]["lon"], csv_rows[actions[0].uuid]["lat"]) == ("", "")


def test_user_text_is_escaped_on_the_page(seeded, session, reviewer_client):
    session.get(Plan, seeded[D.TC1_UUID]).title = "<script>alert(1)</script>"
    session.commit()
    html = reviewer_client.get("/revue/plans").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_bad_filters_never_fail(seeded, admin_client):
    response = admin_client.get("/revue/plans?periode=abc&statut=zz&secteur=<b>&type=x&ecart=peut-etre&indicateur=y"
                                "&page=zz")
    assert response.status_code == 200  # unknown choices are ignored, as on the map
    assert sorted(_plan_ids(response.get_data(as_text=True))) == sorted(seeded.values())
    unknown_place = admin_client.get("/revue/plans?region=%FF&cercle=" + "9" * 50)
    assert unknown_place.status_code == 200 and "Aucun plan ne répond à ces filtres." in unknown_place.get_data(
        as_text=True)
    assert admin_client.get("/revue/export/plans.csv?periode=99999&page=-1").status_code == 200


def test_planner_is_refused_everywhere_and_has_no_nav_link(seeded, planner_client, client):
    for url in ["/revue/plans", *EXPORTS]:
        assert planner_client.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url  # anonymous: to the login page
    assert "Tableau des plans" not in planner_client.get("/").get_data(as_text=True)


def test_a_minimum_typed_with_its_unit_is_read_and_an_unreadable_one_refused_in_french(seeded, reviewer_client):
    at_ten = reviewer_client.get("/revue/plans?indicateur=diaspora&min=10+%25")  # « 10 % »: SICM 15,56 % only
    assert at_ten.status_code == 200 and _plan_ids(at_ten.get_data(as_text=True)) == [seeded[D.TC2_UUID]]
    refused = reviewer_client.get("/revue/plans?indicateur=diaspora&min=vingt")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and _plan_ids(html) == []
    assert "« vingt » n&#39;est pas un nombre lisible" in html and 'value="vingt"' in html  # the text kept
    assert 'aria-invalid="true"' in html
    for url in ("/carte-nationale?indicateur=diaspora&min=vingt", "/revue/export/plans.csv?min=vingt",
                "/revue/export/plans.xlsx?min=vingt"):
        response = reviewer_client.get(url)
        assert response.status_code == 400 and "vingt" in response.get_data(as_text=True), url
    data = reviewer_client.get("/api/carte-nationale/indicateurs.json?indicateur=diaspora&min=vingt")
    assert data.status_code == 400 and "n'est pas un nombre lisible" in data.get_json()["error"]
    on_map = reviewer_client.get("/api/carte-nationale/indicateurs.json?indicateur=diaspora&min=10+%25").get_json()
    assert {p for row in on_map["rows"] for p, _ in row["plans"]} == {seeded[D.TC2_UUID]}


def test_pages_of_fifty_sorted_by_the_database(seeded, session, reviewer_client, monkeypatch):
    from plans.reporting import desk

    monkeypatch.setattr(desk, "PAGE_SIZE", 2)
    first = reviewer_client.get("/revue/plans?tri=cout&ordre=desc").get_data(as_text=True)
    second = reviewer_client.get("/revue/plans?tri=cout&ordre=desc&page=2").get_data(as_text=True)
    assert _plan_ids(first) == [seeded[D.TC1_UUID], seeded[D.TC2_UUID]] and _plan_ids(second) == [seeded[D.TC3_UUID]]
    assert "plans 1 à 2" in first and 'aria-label="Pages du tableau"' in first
    link = unescape(re.search(r'<a href="([^"]+)">2<span class="visually-hidden">', first).group(1))
    assert parse_qs(urlsplit(link).query) == {"tri": ["cout"], "ordre": ["desc"], "page": ["2"]}
    assert _plan_ids(reviewer_client.get("/revue/plans?tri=cout&ordre=desc&page=99").get_data(as_text=True)) == \
        [seeded[D.TC3_UUID]]  # past the end: the last page
    by_gap = reviewer_client.get("/revue/plans?tri=emigres&ordre=desc").get_data(as_text=True)
    assert _plan_ids(by_gap)[0] == seeded[D.TC1_UUID]  # 536,1 ‰ first; the GLCT (no émigrés) last
    assert "536,1 ‰" in _plain(by_gap)


def test_the_cercle_list_follows_the_region_without_javascript(seeded, reviewer_client):
    html = reviewer_client.get("/revue/plans?region=ML03").get_data(as_text=True)
    cercles = re.search(r'<select name="cercle" id="f-cercle">(.*?)</select>', html, re.S).group(1)
    assert 'value="ML0301"' in cercles and 'value="ML0107"' not in cercles  # Sikasso's only, not Yélimané
    assert 'id="cercles-par-region"' in html and "cercle_choices.js" in html  # and the script's data, at once
    everything = reviewer_client.get("/revue/plans").get_data(as_text=True)
    assert 'value="ML0107"' in re.search(r'id="f-cercle">(.*?)</select>', everything, re.S).group(1)


def test_exports_read_as_an_analyst_opens_them(seeded, session, reviewer_client):
    text = reviewer_client.get("/revue/export/plans.csv").data.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert "Coût total (FCFA)" in header and "Émigrés pour 1 000 habitants" in header
    assert "Forte émigration sans action diaspora" in header and "cout_total_fcfa" not in header
    for entity in ("plans", "actions"):
        for row in _csv(reviewer_client.get(f"/revue/export/{entity}.csv"), entity):
            cost, identified = int(row["cout_total_fcfa"]), int(row["finance_fcfa"])
            assert cost == identified + int(row["non_couvert_fcfa"]) - int(row["excedent_fcfa"]), row
            assert identified == sum(int(row[k]) for k in ("acquis_fcfa", "promis_fcfa", "a_rechercher_fcfa"))
    koniakary = next(r for r in _csv(reviewer_client.get("/revue/export/plans.csv")) if r["plan_uuid"] == D.TC1_UUID)
    assert (koniakary["emigres_pour_1000"], koniakary["ecart"]) == ("536,1", "non")
    book = openpyxl.load_workbook(io.BytesIO(reviewer_client.get("/revue/export/plans.xlsx").data))
    for name in ("Plans", "Actions", "Financements"):
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0  # as many pages down as needed
    rows = list(book["Colonnes"].iter_rows(values_only=True))
    assert any("coût total = financement identifié + non couvert" in (r[0] or "") for r in rows[:4])
    columns = {(r[0], r[2]): r for r in rows if r and len(r) > 3 and r[2]}
    assert columns[("Plans", "non_couvert_fcfa")][1] == "Non couvert (FCFA)"
    assert "coût total = financement identifié + non couvert" in columns[("Plans", "non_couvert_fcfa")][3]


def test_a_database_upgraded_without_setup_still_shows_every_plan(seeded, session, reviewer_client):
    from plans.planning.summary import PlanSummary

    session.execute(sa.delete(PlanSummary))  # `flask db upgrade` alone: no summary yet
    session.commit()
    html = reviewer_client.get("/revue/plans").get_data(as_text=True)  # the page fills them (app/summaries.py)
    assert sorted(_plan_ids(html)) == sorted(seeded.values())
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanSummary)) == 3
