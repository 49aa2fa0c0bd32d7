"""The year's execution sheet (plans/reporting/execution_sheet.py): exported, filled in openpyxl as a user would in
Excel, imported back; a broken sheet is refused cell by cell and nothing changes."""
from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from plans.core.errors import ValidationError
from plans.core.formatting import plain
from plans.demo import data as D
from plans.execution import figures, service
from plans.execution.models import ExecutionRecord
from plans.planning import finance
from plans.planning.models import Plan, PlanStatus
from plans.reporting import execution_sheet as sheet_module

C = sheet_module.COL


@pytest.fixture
def adopted(session, demo_cases, planner):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    cscom = next(a for a in plan.actions if a.title == "Extension du CSCOM")
    service.save(session, plan, cscom, 2025, {"status": "en_cours", "progress": "40", "contractor": "=Diarra",
                                              "funding": [{"mobilised": "10 000 000", "paid": "8 000 000"}, {}, {}]},
                 0, planner)
    session.commit()
    return session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True)


def _book(session, plan, year=2025):
    return load_workbook(io.BytesIO(sheet_module.export_bytes(session, plan, year)))


def _bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _first_row(sheet, title):
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, C["title"]).value == title)


def test_export_edit_import_gives_the_same_figures_on_the_page(session, adopted, planner):
    book = _book(session, adopted)
    sheet = book["Exécution"]
    assert [c.value for c in sheet[1]][:3] == ["Identifiant de l'action", "N°", "Action"]
    assert sheet.max_row == 1 + 12  # 4 actions × 3 funding lines
    cscom = _first_row(sheet, "Extension du CSCOM")
    assert (sheet.cell(cscom, C["status"]).value, sheet.cell(cscom, C["contractor"]).value) == ("En cours", "'=Diarra")
    assert sheet.cell(cscom, C["title"]).protection.locked and not sheet.cell(cscom, C["paid"]).protection.locked
    assert sheet.cell(cscom + 1, C["status"]).protection.locked  # the action's columns: on its first row only
    assert sheet.protection.sheet and book["Fichier"].sheet_state == "hidden"

    # The user's edits: the CSCOM realised and working, the Tata started with the State's first million.
    sheet.cell(cscom, C["status"]).value = "Réalisé"
    sheet.cell(cscom, C["progress"]).value = 100
    sheet.cell(cscom, C["functioning"]).value = "Fonctionnel"
    sheet.cell(cscom, C["end_date"]).value = datetime(2025, 11, 28)
    tata = _first_row(sheet, "Restauration du Tata")
    sheet.cell(tata, C["status"]).value = "En cours"
    sheet.cell(tata, C["progress"]).value = 20.0
    sheet.cell(tata, C["mobilised"]).value = 1_000_000
    sheet.cell(tata, C["paid"]).value = 500_000

    result = sheet_module.import_bytes(session, _bytes(book), planner)
    session.commit()
    assert (sorted(result.saved), result.unchanged) == (["Extension du CSCOM", "Restauration du Tata"], 2)
    plan = session.get(Plan, adopted.id, options=finance.load_options(), populate_existing=True)
    ex = figures.plan_execution(plan, service.records(session, plan), 2025)
    by_title = {a.action.title: a for a in ex.actions}
    assert (by_title["Extension du CSCOM"].status, by_title["Extension du CSCOM"].progress) == ("realise", 100)
    assert by_title["Extension du CSCOM"].record.contractor == "=Diarra"  # neutralised on export, restored
    assert by_title["Extension du CSCOM"].record.end_date.isoformat() == "2025-11-28"
    assert (by_title["Restauration du Tata"].paid, ex.paid) == (500_000, 8_500_000)
    assert ex.financial_rate == Decimal("5.31")  # 8 500 000 / 160 000 000

    again = sheet_module.import_bytes(session, sheet_module.export_bytes(session, plan, 2025), planner)
    assert (again.saved, again.unchanged) == ([], 4)  # the same sheet again: nothing to save


def _versions(session):
    return sorted(session.execute(sa.select(ExecutionRecord.action_id, ExecutionRecord.version)).all())


def test_a_broken_sheet_names_each_cell_and_changes_nothing(session, adopted, planner):
    before = _versions(session)
    book = _book(session, adopted)
    sheet = book["Exécution"]
    cscom = _first_row(sheet, "Extension du CSCOM")
    sheet.cell(cscom, C["title"]).value = "Extension du CSCOM et de la maternité"
    sheet.cell(cscom, C["mobilised"]).value = "=2*5000000"
    with pytest.raises(ValidationError) as refused:
        sheet_module.import_bytes(session, _bytes(book), planner)
    session.rollback()
    messages = [plain(m) for m in refused.value.messages]
    assert f"Feuille « Exécution », ligne {cscom}, colonne C (Action) : cette colonne ne se modifie pas (attendu " \
           "« Extension du CSCOM », trouvé « Extension du CSCOM et de la maternité »)." in messages
    assert f"Feuille « Exécution », ligne {cscom}, colonne P (Mobilisé dans l'année (FCFA)) : une formule n'est pas " \
           "acceptée ; saisissez la valeur." in messages

    book = _book(session, adopted)
    sheet = book["Exécution"]
    sheet.cell(cscom, C["paid"]).value = 12_000_000
    sheet.cell(cscom, C["progress"]).value = 140
    tata = _first_row(sheet, "Restauration du Tata")
    sheet.cell(tata, C["status"]).value = "En cours"
    sheet.cell(tata + 1, C["status"]).value = "Réalisé"
    with pytest.raises(ValidationError) as refused:
        sheet_module.import_bytes(session, _bytes(book), planner)
    session.rollback()
    messages = [plain(m) for m in refused.value.messages]
    assert f"Feuille « Exécution », ligne {tata + 1}, colonne I (État d'exécution) : se saisit sur la première " \
           f"ligne de l'action (ligne {tata})." in messages
    book = _book(session, adopted)
    sheet = book["Exécution"]
    sheet.cell(cscom, C["paid"]).value = 12_000_000
    sheet.cell(cscom, C["progress"]).value = 140
    with pytest.raises(ValidationError) as refused:
        sheet_module.import_bytes(session, _bytes(book), planner)
    session.rollback()
    messages = [plain(m) for m in refused.value.messages]
    assert f"Feuille « Exécution », ligne {cscom}, colonne J (Avancement physique (%)) : " \
           f"{service.MSG_PROGRESS}" in messages
    assert any(m.startswith(f"Feuille « Exécution », ligne {cscom}, colonne Q (Payé dans l'année (FCFA)) : "
                            "Programme de codéveloppement") and "dépasse le mobilisé cumulé" in m for m in messages)
    assert _versions(session) == before


def test_a_sheet_exported_before_another_save_is_refused(session, adopted, planner):
    data = sheet_module.export_bytes(session, adopted, 2025)
    cscom = next(a for a in adopted.actions if a.title == "Extension du CSCOM")
    service.save(session, adopted, cscom, 2025, {"status": "en_cours", "progress": "50", "funding": []}, 1, planner)
    session.commit()
    book = load_workbook(io.BytesIO(data))
    sheet = book["Exécution"]
    sheet.cell(_first_row(sheet, "Extension du CSCOM"), C["progress"]).value = 60
    with pytest.raises(ValidationError) as refused:
        sheet_module.import_bytes(session, _bytes(book), planner)
    session.rollback()
    assert "a été enregistrée depuis l'export de cette feuille (version 2, la feuille dit 1)" in \
        refused.value.messages[0]
    assert service.record_of(session, cscom, 2025).progress == 50


def test_another_plan_year_or_file_is_refused(session, adopted, planner, reviewer):
    data = sheet_module.export_bytes(session, adopted, 2025)
    with pytest.raises(ValidationError) as refused:
        sheet_module.import_bytes(session, data, planner, year=2026)
    assert refused.value.messages == ["Cette feuille est celle de l'année 2025, pas de 2026."]
    with pytest.raises(ValidationError) as refused:
        sheet_module.import_bytes(session, data, planner, plan_id=adopted.id + 1000)
    assert refused.value.messages[0].startswith("Cette feuille est celle d'un autre plan")
    with pytest.raises(ValidationError) as refused:
        sheet_module.import_bytes(session, b"PK\x03\x04 pas un classeur", planner)
    assert refused.value.messages == ["Ce fichier n'est pas un classeur Excel (.xlsx) lisible."]
    with pytest.raises(PermissionError):
        sheet_module.import_bytes(session, data, reviewer)


def test_the_command_line_round_trip(runner, adopted, tmp_path, session):
    path = tmp_path / "execution.xlsx"
    exported = runner.invoke(args=["plans", "execution-export", str(adopted.id), "--year", "2025", "-o", str(path)])
    assert exported.exit_code == 0, exported.output
    book = load_workbook(path)
    sheet = book["Exécution"]
    sheet.cell(_first_row(sheet, "Extension du CSCOM"), C["progress"]).value = 140
    book.save(path)
    refused = runner.invoke(args=["plans", "execution-import", str(path)])
    assert refused.exit_code == 1
    assert "import refusé, rien n'a été modifié (1 problème(s))" in refused.output
    assert "colonne J (Avancement physique (%))" in refused.output
    sheet.cell(_first_row(sheet, "Extension du CSCOM"), C["progress"]).value = 45
    book.save(path)
    done = runner.invoke(args=["plans", "execution-import", str(path), "--as", "planificateur@koniakary.ml"])
    assert done.exit_code == 0, done.output
    assert "1 action(s) enregistrée(s), 3 inchangée(s)" in done.output
    session.expire_all()
    cscom = next(a for a in adopted.actions if a.title == "Extension du CSCOM")
    assert service.record_of(session, cscom, 2025).progress == 45
    year_out = runner.invoke(args=["plans", "execution-export", str(adopted.id), "--year", "2031"])
    assert year_out.exit_code == 1 and "hors de la période du plan (2025–2029)" in year_out.output
