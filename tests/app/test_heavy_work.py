"""Expensive work does not starve other users (issue 14, item 3; plans/core/pool.py, app/heavy.py): while every
place of a kind is taken — another worker exporting or importing — a request for that work gets a French 503 with
Retry-After quickly, and other users' pages still answer; once the place frees, the work is done. The national map
serves the figures it has while another request recomputes them."""
from __future__ import annotations

import contextlib
import fcntl
import html
import io
import os
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from plans.demo import data as D
from plans.maps import national as nm
from plans.planning.models import Plan


@pytest.fixture
def quick(app):
    app.config["HEAVY_SLOTS"] = 1
    app.config["HEAVY_WAIT"] = 0.1  # the test does not wait the default 2 s for a place that will not free
    return app


@contextlib.contextmanager
def taken(app, kind: str):
    """The only place of `kind` held, as another gunicorn worker busy with that work holds it."""
    directory = Path(app.config["HEAVY_LOCK_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / f"{kind}-0.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _busy(response) -> str:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    return html.unescape(response.get_data(as_text=True))


def test_a_word_export_waits_for_its_turn_and_another_users_page_still_answers(quick, plan, planner_client,
                                                                                  reviewer_client):
    url = f"/plans/{plan.id}/export.docx"
    with taken(quick, "word"):
        page = _busy(planner_client.get(url))
        assert "Le serveur prépare déjà d'autres documents Word : réessayez dans" in page
        assert reviewer_client.get(f"/plans/{plan.id}").status_code == 200  # another user's page
        assert planner_client.get(f"/plans/{plan.id}/actions").status_code == 200  # and the exporter's own
    done = planner_client.get(url)
    assert done.status_code == 200 and done.data[:2] == b"PK"  # a .docx, once the place is free


def test_a_dashboard_export_waits_for_its_turn(quick, session, demo_cases, reviewer_client, admin_client):
    with taken(quick, "tableaux"):
        page = _busy(reviewer_client.get("/revue/export/plans.xlsx"))
        assert "exports du tableau de bord" in page
        _busy(reviewer_client.get("/revue/export/actions.csv"))
        assert admin_client.get("/revue/plans").status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(reviewer_client.get("/revue/export/plans.xlsx").data))
    assert book.sheetnames


def _diaspora_share(client) -> str:
    doc = client.get("/api/carte-nationale/indicateurs.json?indicateur=diaspora&region=ML01").get_json()
    return doc["communes"][D.KONIAKARY_PCODE][1].replace("\u202f", " ").replace("\xa0", " ")


def test_the_national_map_serves_the_figures_it_has_while_another_request_recomputes(quick, session, demo_cases,
                                                                                      reviewer_client):
    nm.clear_caches()
    assert _diaspora_share(reviewer_client) == "9,69 %"
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    for line in (ln for a in plan.actions for ln in a.funding_lines if ln.source_type == "association_diaspora"):
        line.amount, line.share_pct = 0, None  # the diaspora share moves: the map's figures must be recomputed
    plan.updated_at = plan.updated_at.replace(year=plan.updated_at.year + 1)
    session.commit()
    with taken(quick, nm.RECOMPUTE):
        assert _diaspora_share(reviewer_client) == "9,69 %"  # served at once, as it was
        assert reviewer_client.get("/carte-nationale").status_code == 200
    assert _diaspora_share(reviewer_client) != "9,69 %"  # recomputed once the place is free


def test_a_process_without_figures_waits_for_its_turn_then_answers_in_french(quick, session, demo_cases,
                                                                             reviewer_client):
    nm.clear_caches()  # a worker that never computed the map
    with taken(quick, nm.RECOMPUTE):
        response = reviewer_client.get("/api/carte-nationale/indicateurs.json")
        assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
        assert "calculs de la carte nationale" in response.get_json()["error"]
    assert _diaspora_share(reviewer_client) == "9,69 %"


def test_an_import_waits_for_its_turn(quick, session, plan, planner_client):
    from plans.review import planfile

    data = planfile.document_bytes(planfile.export_document(session, plan))
    with taken(quick, "import"):
        page = _busy(planner_client.post("/plans/importer", content_type="multipart/form-data",
                                         data={"fichier": (io.BytesIO(data), "plan.json")}))
        assert "imports de fichiers de plan" in page
    done = planner_client.post("/plans/importer", content_type="multipart/form-data",
                               data={"fichier": (io.BytesIO(data), "plan.json")})
    assert done.status_code == 303


def test_a_user_looping_on_exports_waits_their_turn_and_others_get_theirs(quick, plan, planner, planner_client,
                                                                          admin_client):
    """A loop on the one place would keep it; after each long export its user waits as long as it took (a 429)."""
    quick.config["HEAVY_TURNS"] = True  # as in production (the suite turns them off: it clicks faster than people)
    turns = Path(quick.config["HEAVY_LOCK_DIR"])
    turns.mkdir(parents=True, exist_ok=True)
    (turns / f"word-tour-{planner.id}").write_text("60")  # the planner's last export took a minute, just now
    url = f"/plans/{plan.id}/export.docx"
    refused = planner_client.get(url)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Vous venez de demander des documents Word : pour laisser leur tour aux autres" in html.unescape(
        refused.get_data(as_text=True))
    assert admin_client.get(url).status_code == 200  # another user's export is done meanwhile


def test_an_image_of_the_national_map_waits_for_its_turn(quick, session, demo_cases, reviewer_client):
    """Issue 15, item 4: the PNG of the national map's view is drawn in the pool ("carte-png"); the map's page and
    data still answer meanwhile."""
    nm.clear_caches()
    with taken(quick, "carte-png"):
        page = _busy(reviewer_client.get("/carte-nationale.png?region=ML02"))
        assert "images de la carte nationale" in page
        assert reviewer_client.get("/carte-nationale?region=ML02").status_code == 200
    done = reviewer_client.get("/carte-nationale.png?region=ML02")
    assert done.status_code == 200 and done.data[:8] == b"\x89PNG\r\n\x1a\n"
