"""The « Exécution » pages (app/execution/): the plan's page per year, the form of one action in one year (a refused
save keeps what was typed, a stale one gets the 409 screen), read-only for reviewers, the history's restore."""
from __future__ import annotations

import html
import io
import re
import threading

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from plans.core.formatting import plain
from plans.demo import data as D
from plans.execution import service
from plans.execution.models import ExecutionChange, ExecutionRecord
from plans.planning.models import Plan, PlanStatus
from plans.reporting import execution_sheet
from tests.conftest import login


@pytest.fixture
def adopted(session, demo_cases, planner):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    return plan


def _text(response) -> str:
    return plain(html.unescape(response.get_data(as_text=True)))


def _cscom(plan):
    return next(a for a in plan.actions if a.title == "Extension du CSCOM")


def _url(plan, action, year=2025):
    return f"/plans/{plan.id}/execution/{year}/actions/{action.id}"


def _post(version="0", **changes):
    data = {"version": version, "status": "en_cours", "progress": "40", "start_date": "2025-02-01", "end_date": "",
            "contractor": "Entreprise Diarra BTP", "observations": "Gros œuvre achevé.", "functioning": "",
            "funding-0-mobilised": "10 000 000", "funding-0-paid": "8 000 000",
            "funding-1-mobilised": "2 000 000", "funding-1-paid": "2 000 000",
            "funding-2-mobilised": "3 000 000", "funding-2-paid": "1 000 000"}
    data.update(changes)
    return data


def test_a_planner_records_an_action_and_the_page_shows_the_rates(planner_client, adopted):
    action = _cscom(adopted)
    overview = _text(planner_client.get(f"/plans/{adopted.id}"))
    assert "Suivre l'exécution" in overview
    form = planner_client.get(_url(adopted, action))
    assert form.status_code == 200
    assert "Prévu 31 500 000 FCFA (promis à l'adoption)" in _text(form)

    saved = planner_client.post(_url(adopted, action), data=_post())
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"/plans/{adopted.id}/execution?annee=2025#action-{action.id}")
    page = _text(planner_client.get(f"/plans/{adopted.id}/execution?annee=2025"))
    row = re.search(rf'<tr id="action-{action.id}">(.*?)</tr>', page, re.S).group(1)
    assert "En cours" in row and "40 %" in row and "11 000 000 FCFA" in row and "24,44 %" in row
    assert "sur 45 000 000 FCFA" in row
    # 11 000 000 paid of 160 000 000: 6,88 %; (45 M × 40) / 160 M = 11,25 %
    assert "Taux d'exécution financière</dt><dd>6,88 %" in page
    assert "Taux de réalisation physique</dt><dd>11,25 %" in page
    assert "Enndam Jombuku</th><td class=\"num\">15 500 000 FCFA</td><td class=\"num\">2 000 000 FCFA (12,90 %)" in page
    assert "Exécution 2025 de « Extension du CSCOM » : en cours, avancement 40 %" in _text(
        planner_client.get(_url(adopted, action)))


def test_a_refused_save_is_a_400_that_keeps_what_was_typed_and_saves_nothing(planner_client, adopted, session):
    action = _cscom(adopted)
    response = planner_client.post(_url(adopted, action), data=_post(
        progress="120", start_date="2031-01-01", **{"funding-0-paid": "12 000 000",
                                                    "funding-1-mobilised": "5 000 000"}))
    assert response.status_code == 400
    page = _text(response)
    assert service.MSG_PROGRESS in page
    assert "La date de début (01/01/2031) est hors de la période du plan (2025–2029)." in page
    assert "le payé cumulé à fin 2025 (12 000 000 FCFA) dépasse le mobilisé cumulé (10 000 000 FCFA)" in page
    assert "dépasse le montant prévu de la ligne (4 500 000 FCFA) de 500 000 FCFA" in page
    for typed in ('value="120"', 'value="2031-01-01"', 'value="12 000 000"', 'value="Entreprise Diarra BTP"'):
        assert typed in page
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionRecord)) == 0


def test_a_stale_form_gets_the_409_screen_and_a_choice_saves(planner_client, adopted, session):
    action = _cscom(adopted)
    assert planner_client.post(_url(adopted, action), data=_post()).status_code == 303
    stale = planner_client.post(_url(adopted, action), data=_post(version="0", progress="60"))
    assert stale.status_code == 409
    page = _text(stale)
    assert "Quelqu'un a enregistré cette exécution pendant que vous la modifiiez" in page
    assert 'name="version" type="hidden" value="1"' in page
    key = re.search(r'name="choice-(progress)"', page).group(1)
    resolved = planner_client.post(_url(adopted, action), data={
        "version": "1", "conflict_resolution": "1", "conflict_shown": key, f"choice-{key}": "mine",
        f"mine-{key}": "60"})
    assert resolved.status_code == 303
    session.expire_all()
    record = service.record_of(session, action, 2025)
    assert (record.progress, record.version, record.contractor) == (60, 2, "Entreprise Diarra BTP")


def test_reviewers_read_and_cannot_record(reviewer_client, planner_client, adopted):
    action = _cscom(adopted)
    assert planner_client.post(_url(adopted, action), data=_post()).status_code == 303
    page = reviewer_client.get(f"/plans/{adopted.id}/execution")
    assert page.status_code == 200 and "Lecture seule." in _text(page)
    form = _text(reviewer_client.get(_url(adopted, action)))
    assert "<fieldset disabled" in form and "Enregistrer l'exécution" not in form
    assert 'value="Entreprise Diarra BTP"' in form
    refused = reviewer_client.post(_url(adopted, action), data=_post(version="1"))
    assert refused.status_code == 403
    assert service.MSG_NOT_EDITOR in _text(refused)


def test_a_draft_has_no_execution_yet(planner_client, plan):
    page = planner_client.get(f"/plans/{plan.id}/execution")
    assert page.status_code == 200
    assert "Le suivi de l'exécution s'ouvre quand le plan est validé ou adopté : ce plan est « Brouillon »." in \
        _text(page)
    assert "Suivre l'exécution" not in _text(planner_client.get(f"/plans/{plan.id}"))


def test_restore_an_earlier_save_and_a_stale_restore_is_a_409(planner_client, adopted, session):
    action = _cscom(adopted)
    planner_client.post(_url(adopted, action), data=_post())
    planner_client.post(_url(adopted, action), data=_post(version="1", progress="70"))
    first = session.scalar(sa.select(ExecutionChange).order_by(ExecutionChange.id).limit(1))
    stale = planner_client.post(f"/plans/{adopted.id}/execution/historique/{first.id}/restaurer",
                                data={"version": "1"})
    assert stale.status_code == 409
    assert "Rien n'a été restauré" in _text(stale)
    done = planner_client.post(f"/plans/{adopted.id}/execution/historique/{first.id}/restaurer",
                               data={"version": "2"})
    assert done.status_code == 303
    session.expire_all()
    assert service.record_of(session, action, 2025).progress == 40


def _indicator(plan, start):
    return next(i for i in plan.indicators if i.name.startswith(start))


def test_an_indicator_measured_per_group_against_its_target(planner_client, reviewer_client, adopted):
    returnees = _indicator(adopted, "Migrants de retour réinsérés")  # target 2027: 20
    url = f"/plans/{adopted.id}/execution/2027/indicateurs/{returnees.id}"
    form = _text(planner_client.get(url))
    assert "cible 2027 : 20" in form and 'name="group-hommes"' in form and 'name="group-femmes"' in form

    refused = planner_client.post(url, data={"version": "0", "group-hommes": "14", "group-femmes": "9",
                                             "value": "25", "source": "", "measured_on": "2026-01-15"})
    assert refused.status_code == 400
    page = _text(refused)
    assert "Le total saisi (25) n'est pas la somme des groupes (23)." in page
    assert "Indiquez la source de la mesure" in page
    assert 'value="14"' in page and 'value="25"' in page

    saved = planner_client.post(url, data={"version": "0", "group-hommes": "14", "group-femmes": "9", "value": "",
                                           "source": "Registre du point focal", "measured_on": "2026-01-15"})
    assert saved.status_code == 303
    page = _text(planner_client.get(f"/plans/{adopted.id}/execution?annee=2027"))
    row = re.search(rf'<tr id="indicateur-{returnees.id}">(.*?)</tr>', page, re.S).group(1)
    assert "23" in row and "cible atteinte" in row and "hommes : 14" in row and "Registre du point focal" in row

    stale = planner_client.post(url, data={"version": "0", "group-hommes": "15", "group-femmes": "9",
                                           "source": "Autre registre", "measured_on": "2026-01-15"})
    assert stale.status_code == 409
    assert "La version enregistrée entre-temps" in _text(stale) and 'value="Autre registre"' in _text(stale)
    assert reviewer_client.post(url, data={"version": "1", "group-hommes": "1", "group-femmes": "1",
                                           "source": "x", "measured_on": "2026-01-15"}).status_code == 403
    assert reviewer_client.get(url).status_code == 200


def test_the_page_opens_on_the_latest_year_recorded(planner_client, adopted):
    action = _cscom(adopted)
    assert planner_client.post(_url(adopted, action, 2026), data=_post(start_date="2026-02-01")).status_code == 303
    page = _text(planner_client.get(f"/plans/{adopted.id}/execution"))
    assert "<h2 id=\"synthese\">À la fin de 2026</h2>" in page


def test_the_sheet_downloaded_filled_and_uploaded_from_the_page(planner_client, reviewer_client, adopted, session):
    action = _cscom(adopted)
    download = reviewer_client.get(f"/plans/{adopted.id}/execution/2025/feuille.xlsx")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(download.data))
    sheet = book["Exécution"]
    first = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 3).value == "Extension du CSCOM")
    col = execution_sheet.COL
    sheet.cell(first, col["status"]).value = "En cours"
    sheet.cell(first, col["progress"]).value = 30
    sheet.cell(first, col["mobilised"]).value = 9_000_000
    sheet.cell(first, col["paid"]).value = 9_500_000
    out = io.BytesIO()
    book.save(out)
    refused = planner_client.post(f"/plans/{adopted.id}/execution/2025/feuille",
                                  data={"fichier": (io.BytesIO(out.getvalue()), "execution.xlsx")},
                                  content_type="multipart/form-data")
    assert refused.status_code == 400
    page = _text(refused)
    assert "La feuille n'a pas été importée, rien n'a été modifié :" in page
    assert f"ligne {first}, colonne Q (Payé dans l'année (FCFA))" in page
    assert service.record_of(session, action, 2025) is None

    sheet.cell(first, col["paid"]).value = 8_000_000
    out = io.BytesIO()
    book.save(out)
    assert reviewer_client.post(f"/plans/{adopted.id}/execution/2025/feuille",
                                data={"fichier": (io.BytesIO(out.getvalue()), "execution.xlsx")},
                                content_type="multipart/form-data").status_code == 403
    done = planner_client.post(f"/plans/{adopted.id}/execution/2025/feuille",
                               data={"fichier": (io.BytesIO(out.getvalue()), "execution.xlsx")},
                               content_type="multipart/form-data")
    assert done.status_code == 303
    assert "1 action(s) enregistrée(s), 3 inchangée(s)" in _text(planner_client.get(done.headers["Location"]))
    session.expire_all()
    assert service.record_of(session, action, 2025).progress == 30
    other_year = planner_client.post(f"/plans/{adopted.id}/execution/2026/feuille",
                                     data={"fichier": (io.BytesIO(out.getvalue()), "execution.xlsx")},
                                     content_type="multipart/form-data")
    assert other_year.status_code == 400
    assert "Cette feuille est celle de l'année 2025, pas de 2026." in _text(other_year)


def test_two_first_saves_at_the_same_moment_one_wins_the_other_gets_409(app, planner, planner_client, adopted,
                                                                        session):
    action = _cscom(adopted)
    other_tab = app.test_client()
    assert login(other_tab, planner.email).status_code == 302
    start = threading.Barrier(2)
    answers = {}

    def send(who, client, progress):
        start.wait()
        answers[who] = client.post(_url(adopted, action), data=_post(progress=progress))

    threads = [threading.Thread(target=send, args=("first", planner_client, "40")),
               threading.Thread(target=send, args=("second", other_tab, "60"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [303, 409], codes
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert "Quelqu'un a enregistré cette exécution pendant que vous la modifiiez" in _text(loser)
    session.expire_all()
    record = service.record_of(session, action, 2025)
    assert record.version == 1 and record.progress in (40, 60)
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionChange)) == 1
