"""The execution on the DGCT's pages (issue 16, item 6): the dashboard's columns, sorts, minimum and exports, the
totals by région, the national map's indicators JSON — Koniakary's rates as plans/execution/figures.py computes
them, « — » (empty in the files) for the plans without execution, and the next read after a save shows the new
figure."""
from __future__ import annotations

import csv
import io
import re
from html import unescape

import openpyxl
import pytest
import sqlalchemy as sa

from plans.demo import data as D
from plans.demo import execution as demo_execution
from plans.execution import service
from plans.maps import national as nm
from plans.planning import finance
from plans.planning.models import Plan
from plans.reporting import tables as tabular


@pytest.fixture
def executed(session, demo_cases):
    assert demo_execution.seed_koniakary_execution(session)
    session.commit()
    nm.clear_caches()
    return {u: session.scalar(sa.select(Plan.id).where(Plan.uuid == u)) for u in D.TEST_CASE_UUIDS}


def _plain(text: str) -> str:
    return unescape(text).replace("\u202f", " ").replace("\xa0", " ")


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    keys = {c.header: c.key for c in tabular.PLAN_COLUMNS}
    reader = csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";")
    header = [keys[h] for h in next(reader)]
    return [dict(zip(header, row)) for row in reader]


def _row_html(html: str, plan_id: int) -> str:
    return _plain(re.search(rf'<tr data-plan="{plan_id}">(.*?)</tr>', html, re.S).group(1))


def _pay_more_for_khasso(session, plan_id: int) -> None:
    plan = session.get(Plan, plan_id, options=finance.load_options(), populate_existing=True)
    khasso = next(a for a in plan.actions if a.title == "Adduction d'eau potable du quartier Khasso")
    record = service.record_of(session, khasso, 2025)
    data = {**service.dump(khasso, 2025, record),
            "funding": [{"mobilised": 30_000_000, "paid": 30_000_000}, {"mobilised": 2_000_000, "paid": 2_000_000},
                        {"mobilised": 0, "paid": 0}]}
    service.save(session, plan, khasso, 2025, data, record.version, None)
    session.commit()


def test_the_dashboard_shows_the_execution_and_its_exports_carry_it(executed, reviewer_client):
    html = reviewer_client.get("/revue/plans").get_data(as_text=True)
    koniakary = _row_html(html, executed[D.TC1_UUID])
    assert "38,28 %" in koniakary and "38,13 %" in koniakary and "16,13 %" in koniakary and "fin 2025" in koniakary
    other = _row_html(html, executed[D.TC2_UUID])
    assert other.count("—") >= 3 and "0,00 %" not in other
    assert "Exéc. financière" in html and "ce n'est pas 0 %" in html

    rows = {r["plan_uuid"]: r for r in _csv(reviewer_client.get("/revue/export/plans.csv"))}
    k = rows[D.TC1_UUID]
    assert (k["annee_execution"], k["execution_physique_pct"], k["execution_financiere_pct"], k["paye_fcfa"],
            k["diaspora_promis_fcfa"], k["diaspora_mobilise_fcfa"], k["diaspora_mobilise_pct"]) == (
        "2025", "38,28", "38,13", "61000000", "15500000", "2500000", "16,13")
    assert rows[D.TC2_UUID]["execution_financiere_pct"] == "" and rows[D.TC2_UUID]["annee_execution"] == ""

    book = openpyxl.load_workbook(io.BytesIO(reviewer_client.get("/revue/export/plans.xlsx").data))
    sheet = book["Plans"]
    keys = {c.header: c.key for c in tabular.PLAN_COLUMNS}
    header = [keys[c.value] for c in sheet[1]]
    by_uuid = {r["plan_uuid"]: r for r in (dict(zip(header, v)) for v in sheet.iter_rows(min_row=2, values_only=True))}
    assert by_uuid[D.TC1_UUID]["execution_financiere_pct"] == pytest.approx(38.13)
    assert by_uuid[D.TC1_UUID]["annee_execution"] == 2025
    assert by_uuid[D.TC2_UUID]["execution_financiere_pct"] is None


def test_the_dashboard_sorts_and_filters_on_the_execution(executed, reviewer_client):
    html = reviewer_client.get("/revue/plans?tri=execution_financiere&ordre=desc").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr data-plan="(\d+)"', html)]
    assert ids[0] == executed[D.TC1_UUID]  # the plans without execution go last either way
    html = reviewer_client.get("/revue/plans?tri=execution_financiere&ordre=asc").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'<tr data-plan="(\d+)"', html)][0] == executed[D.TC1_UUID]
    kept = reviewer_client.get("/revue/plans?indicateur=execution_financiere&min=30+%25").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'<tr data-plan="(\d+)"', kept)] == [executed[D.TC1_UUID]]
    assert "Exécution financière (payé ÷ coût prévu) : au moins 30" in _plain(kept)


def test_the_totals_by_region_add_up_the_plans_with_execution(executed, reviewer_client):
    html = _plain(reviewer_client.get("/revue/territoires").get_data(as_text=True))
    kayes = re.search(r'<tr data-code="ML01">(.*?)</tr>', html, re.S).group(1)
    # Koniakary is Kayes' only plan with an execution: its rates are the région's.
    assert "38,28 %" in kayes and "38,13 %" in kayes and "16,13 %" in kayes
    sikasso = re.search(r'<tr data-code="ML03">(.*?)</tr>', html, re.S).group(1)
    assert "38,13 %" not in sikasso and sikasso.count("—") >= 3
    total = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    assert "38,13 %" in total


def test_a_save_changes_the_dashboard_and_the_map_at_their_next_read(executed, session, reviewer_client):
    doc = reviewer_client.get("/api/carte-nationale/indicateurs.json?indicateur=execution_financiere").get_json()
    assert _plain(doc["communes"][D.KONIAKARY_PCODE][1]) == "38,13 % (fin 2025)"
    assert "dernière année saisie" in doc["note"]
    _pay_more_for_khasso(session, executed[D.TC1_UUID])
    doc = reviewer_client.get("/api/carte-nationale/indicateurs.json?indicateur=execution_financiere").get_json()
    assert _plain(doc["communes"][D.KONIAKARY_PCODE][1]) == "47,50 % (fin 2025)"
    html = reviewer_client.get("/revue/plans").get_data(as_text=True)
    assert "47,50 %" in _row_html(html, executed[D.TC1_UUID])
    page = _plain(reviewer_client.get("/carte-nationale?indicateur=execution_financiere").get_data(as_text=True))
    assert "47,50 %" in page and "ce n'est pas 0 %" in page


def test_the_maps_png_draws_an_execution_indicator(executed, reviewer_client):
    response = reviewer_client.get("/carte-nationale.png?indicateur=execution_physique&region=ML01")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
