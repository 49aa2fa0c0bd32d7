"""plans/reporting/export_parts.py: the national CSV files written from each plan's stored lines are the files the
whole tables give, byte for byte, and stay so after a save; a save rewrites its plan's lines only; the kept
workbook is served again until anything it shows changes, a diaspora association's change included."""
from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.demo import data as D
from plans.planning import summary as plan_summary
from plans.planning.models import Action, DiasporaAssociation, Plan
from plans.reporting import export_parts, spreadsheet
from plans.reporting import tables as tabular
from plans.reporting.export_parts import ExportPart, PreparedWorkbook
from tests.factories import commit_then_read_desk

PER_PLAN = ("actions", "financements", "indicateurs")


@pytest.fixture
def seeded(session, demo_cases):
    plan_summary.refresh_stale(session)
    session.commit()
    return session


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, email="admin-parts@dgct.ml")


def _selection(session, **args) -> tabular.Selection:
    return tabular.select(session, tabular.TableFilters.from_args(args), None)


def _whole_table_csv(session, entity: str, **args) -> bytes:
    return spreadsheet.csv_bytes(tabular.table(session, _selection(session, **args), entity))


def _parts(session, entity: str) -> dict[int, tuple[int, str]]:
    return {p.plan_id: (p.generation, p.body) for p in session.scalars(
        sa.select(ExportPart).where(ExportPart.entity == entity))}


def _koniakary(session) -> Plan:
    return session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))


@pytest.mark.parametrize("entity", PER_PLAN)
def test_files_from_the_parts_are_the_whole_tables_files(seeded, entity):
    first = export_parts.csv_export(seeded, _selection(seeded), entity)
    seeded.commit()
    assert len(_parts(seeded, entity)) == 3  # the three demo plans, written by the first download
    assert first == _whole_table_csv(seeded, entity)
    again = export_parts.csv_export(seeded, _selection(seeded), entity)  # read from the parts
    assert again == first


def test_a_save_rewrites_its_plans_lines_only_and_the_file_shows_it(seeded):
    export_parts.csv_export(seeded, _selection(seeded), "actions")
    seeded.commit()
    before = _parts(seeded, "actions")
    koniakary = _koniakary(seeded)
    action = seeded.scalar(sa.select(Action).where(Action.plan_id == koniakary.id).order_by(Action.position))
    action.title = "Forage pastoral de Diakandapé (titre corrigé)"
    commit_then_read_desk(seeded)

    data = export_parts.csv_export(seeded, _selection(seeded), "actions")
    seeded.commit()
    assert "Forage pastoral de Diakandapé (titre corrigé)".encode() in data
    assert data == _whole_table_csv(seeded, "actions")
    after = _parts(seeded, "actions")
    assert after[koniakary.id][0] > before[koniakary.id][0]  # written again, at the new generation
    assert {i: p for i, p in after.items() if i != koniakary.id} == \
        {i: p for i, p in before.items() if i != koniakary.id}  # the other plans' lines untouched


def test_a_region_filter_joins_the_parts_of_its_plans(seeded):
    export_parts.csv_export(seeded, _selection(seeded), "financements")
    seeded.commit()
    assert export_parts.csv_export(seeded, _selection(seeded, region="ML01"), "financements") == \
        _whole_table_csv(seeded, "financements", region="ML01")


def test_a_sector_filter_is_computed_from_the_tables(seeded):
    data = export_parts.csv_export(seeded, _selection(seeded, secteur="hydraulique"), "actions")
    assert data == _whole_table_csv(seeded, "actions", secteur="hydraulique")
    assert _parts(seeded, "actions") == {}  # a plan's part holds all its lines: none written for a sector


def test_a_new_layout_rewrites_every_part(seeded, monkeypatch):
    export_parts.csv_export(seeded, _selection(seeded), "indicateurs")
    seeded.commit()
    monkeypatch.setattr(export_parts, "ROWS_VERSION", export_parts.ROWS_VERSION + 1)
    export_parts.csv_export(seeded, _selection(seeded), "indicateurs")
    seeded.commit()
    layouts = set(seeded.scalars(sa.select(ExportPart.layout).where(ExportPart.entity == "indicateurs")))
    assert layouts == {export_parts.layout("indicateurs")}


def test_a_deleted_plan_takes_its_parts_with_it(seeded):
    export_parts.csv_export(seeded, _selection(seeded), "actions")
    seeded.commit()
    koniakary_id = _koniakary(seeded).id
    seeded.delete(seeded.get(Plan, koniakary_id))
    commit_then_read_desk(seeded)
    assert koniakary_id not in _parts(seeded, "actions")
    assert export_parts.csv_export(seeded, _selection(seeded), "actions") == _whole_table_csv(seeded, "actions")


def _workbook(session, notes=("Export PDL-M du 07/12/2026.",)) -> bytes:
    return export_parts.workbook(session, _selection(session), list(notes), tabular.DEFAULT_SORT, False)


def _sheet_texts(data: bytes, sheet: str) -> set:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {v for row in book[sheet].iter_rows(values_only=True) for v in row if isinstance(v, str)}


def test_the_workbook_is_kept_until_what_it_shows_changes(seeded):
    first = _workbook(seeded)
    seeded.commit()
    assert seeded.scalar(sa.select(sa.func.count()).select_from(PreparedWorkbook)) == 1
    assert _workbook(seeded) == first  # the kept one, byte for byte

    _koniakary(seeded).title = "PDESC de Koniakary, version du conseil"
    commit_then_read_desk(seeded)
    second = _workbook(seeded)
    seeded.commit()
    assert "PDESC de Koniakary, version du conseil" in _sheet_texts(second, "Plans")
    assert _workbook(seeded, notes=("Export PDL-M du 08/12/2026.",)) != second  # the notes are part of the key


def test_an_associations_change_is_a_change_of_its_owners_workbook(seeded):
    before = _workbook(seeded)
    seeded.commit()
    association = seeded.scalar(sa.select(DiasporaAssociation).order_by(DiasporaAssociation.id))
    association.name = "Association des ressortissants de Koniakary à Montreuil"
    commit_then_read_desk(seeded)
    after = _workbook(seeded)
    assert after != before
    assert "Association des ressortissants de Koniakary à Montreuil" in _sheet_texts(after, "Associations")


def test_only_the_newest_workbooks_are_kept(seeded):
    for day in range(export_parts.KEEP_WORKBOOKS + 3):
        _workbook(seeded, notes=(f"Export PDL-M du {day + 1:02d}/12/2026.",))
        seeded.commit()
    assert seeded.scalar(sa.select(sa.func.count()).select_from(PreparedWorkbook)) == export_parts.KEEP_WORKBOOKS


def test_prepared_exports_are_what_the_dashboards_downloads_read(app, seeded, admin_client):
    """`flask plans prepare-exports` writes the parts and the whole country's workbook under the key the download
    computes: the reviewer's download is the prepared file, and a second run has nothing to write."""
    result = app.test_cli_runner().invoke(args=["plans", "prepare-exports"])
    assert result.exit_code == 0, result.output
    assert "3 plan(s) : 9 partie(s) CSV écrite(s), classeur écrit" in result.output
    prepared = seeded.scalar(sa.select(PreparedWorkbook.body))
    seeded.commit()

    response = admin_client.get("/revue/export/plans.xlsx")
    assert response.status_code == 200
    assert response.data == prepared
    assert seeded.scalar(sa.select(sa.func.count()).select_from(PreparedWorkbook)) == 1  # read, not written again

    again = app.test_cli_runner().invoke(args=["plans", "prepare-exports"])
    assert "0 partie(s) CSV écrite(s), classeur déjà à jour" in again.output
