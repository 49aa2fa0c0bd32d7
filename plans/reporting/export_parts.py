"""The national exports kept in the database, so that a file of the whole country is written from what is stored
rather than recomputed from 28 000 actions at each download (issue 15: any CSV ≤ 1 s, the workbook ≤ 3 s).

    data = export_parts.csv_export(session, selection, "actions")            # bytes of the CSV file
    data = export_parts.workbook(session, selection, notes, sort, descending)  # bytes of the XLSX workbook

Each plan's CSV lines (`ExportPart`): the actions, funding lines and indicators tables are made of rows that each
belong to one plan (plans/reporting/tables.py `PER_PLAN`). A part holds one plan's lines of one table, written by
plans/reporting/spreadsheet.py `csv_lines` from plans/reporting/tables.py's rows — nothing is computed here — with
the plan summary's `generation` it was made at (plans/planning/summary.py: + 1 at each refresh, and every save
that changes the plan makes its summary refresh) and the table's `layout` (a digest of its columns, so that a
release that changes a column rewrites every part). A file is the header and the selected plans' parts, in plan
order: byte for byte what plans/reporting/spreadsheet.py `csv_bytes` writes from the whole table. The parts of the
plans saved since the last download are rewritten first; the others are read as they are. The first download of a
database writes every part (the cost of one uncached export, once). A sector filter keeps part of a plan's rows:
those files are computed as before, without parts.

The workbook (`PreparedWorkbook`): openpyxl writes about 60 000 cells a second, and the country's workbook has
1,8 million: no per-plan part can make that 3 s. A workbook is kept whole, under a key that changes with anything
it shows — the selected plans and their summaries' generations, the filters, the order, the reader's régions, the
notes (today's date, the filters' names), the official names of the territory and the tables' layouts — so a kept
workbook is never older than the data: the first download after a change writes it (tens of seconds at national
scale, docs/BENCHMARKS.md), and every later one, by anyone with the same view, reads it. The newest
`KEEP_WORKBOOKS` are kept.

Both are written in a savepoint by a reader (a GET): two readers writing the same part or workbook at once, the
second one's insert fails on the primary key; it rolls its savepoint back and serves what it computed. The caller
commits (app/dashboard/routes.py). A diaspora association belongs to its owner's plans: its change counts as
theirs (plans/planning/summary.py), so the associations sheet of a kept workbook is as fresh as the rest.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.core.db import Base, utcnow
from plans.planning.summary import PlanSummary
from plans.reporting import spreadsheet
from plans.reporting import tables as tabular
from plans.territory.models import AdminUnit

# Bump when a row's values change without a change of its table's columns (a label, a rounding): every part and
# every kept workbook is then written again.
ROWS_VERSION = 1
KEEP_WORKBOOKS = 8
BATCH = 100  # plans whose parts are computed together (memory stays bounded on a first download)


class ExportPart(Base):
    """One plan's CSV lines of one table (the module's docstring)."""

    __tablename__ = "export_part"

    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    entity: orm.Mapped[str] = orm.mapped_column(sa.String(20), primary_key=True)
    generation: orm.Mapped[int]  # the plan summary's generation the lines were written at
    layout: orm.Mapped[str] = orm.mapped_column(sa.String(16))  # layout(entity) when written
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)


class PreparedWorkbook(Base):
    """A whole XLSX workbook, under the key of what it shows (the module's docstring)."""

    __tablename__ = "prepared_workbook"

    key: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    body: orm.Mapped[bytes] = orm.mapped_column(sa.LargeBinary)


def layout(entity: str) -> str:
    """A digest of the table's columns (keys, kinds and headers) and ROWS_VERSION."""
    columns = tabular.ENTITIES[entity][1]
    text = "|".join(f"{c.key}:{c.kind}:{c.header}" for c in columns) + f"|v{ROWS_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _generations(session: Session, plan_ids: list[int]) -> dict[int, int]:
    return dict(session.execute(sa.select(PlanSummary.plan_id, PlanSummary.generation)
                                .where(PlanSummary.plan_id.in_(plan_ids))).all()) if plan_ids else {}


# --- CSV ---------------------------------------------------------------------------------------------------------

def csv_export(session: Session, selection: tabular.Selection, entity: str, sort: str = tabular.DEFAULT_SORT,
               descending: bool = False) -> bytes:
    """The table's CSV file for the selection (KeyError for an unknown entity; the order: the plans table's)."""
    columns = tabular.ENTITIES[entity][1]
    if entity not in tabular.PER_PLAN or selection.filters.area.secteur:
        return spreadsheet.csv_bytes(tabular.table(session, selection, entity, sort, descending))
    lines = plan_lines(session, selection, entity)
    return (spreadsheet.csv_head(columns) + "".join(lines[i] for i in selection.plan_ids)).encode("utf-8")


def plan_lines(session: Session, selection: tabular.Selection, entity: str) -> dict[int, str]:
    """Each selected plan's CSV lines of the table: the stored part when it is current, else written now."""
    return _plan_lines(session, selection, entity)[0]


def _plan_lines(session: Session, selection: tabular.Selection, entity: str) -> tuple[dict[int, str], int]:
    """(plan_lines, how many parts were written now)."""
    ids = selection.plan_ids
    if not ids:
        return {}, 0
    wanted, generations = layout(entity), _generations(session, ids)
    lines: dict[int, str] = {}
    for plan_id, generation, part_layout, body in session.execute(
            sa.select(ExportPart.plan_id, ExportPart.generation, ExportPart.layout, ExportPart.body)
            .where(ExportPart.entity == entity, ExportPart.plan_id.in_(ids))):
        if part_layout == wanted and generation == generations.get(plan_id):
            lines[plan_id] = body
    behind = [i for i in ids if i not in lines]
    columns = tabular.ENTITIES[entity][1]
    for start in range(0, len(behind), BATCH):
        batch = behind[start:start + BATCH]
        part = tabular.Selection(selection.filters, selection.regions, batch)
        fresh = {i: spreadsheet.csv_lines(columns, rows)
                 for i, rows in tabular.rows_by_plan(session, part, entity).items()}
        lines.update(fresh)
        _store_parts(session, entity, wanted, generations, fresh)
    return lines, len(behind)


def _store_parts(session: Session, entity: str, wanted: str, generations: dict[int, int],
                 fresh: dict[int, str]) -> None:
    try:
        with session.begin_nested():
            session.execute(sa.delete(ExportPart).where(ExportPart.entity == entity,
                                                        ExportPart.plan_id.in_(list(fresh))))
            session.add_all(ExportPart(plan_id=i, entity=entity, generation=generations[i], layout=wanted, body=body)
                            for i, body in fresh.items() if i in generations)
    except IntegrityError:
        pass  # another reader wrote them meanwhile: theirs are as current as ours


# --- the workbook ----------------------------------------------------------------------------------------------

def workbook_notes(session: Session, filters: tabular.TableFilters, today: date) -> list[str]:
    """What the workbook's « Colonnes » sheet starts with: the day, the filters, the sum every row satisfies."""
    described = ", ".join(filters.describe(session)) or "aucun (tous les plans lisibles)"
    return [f"Export PDL-M du {today.strftime('%d/%m/%Y')}.", f"Filtres : {described}.", tabular.IDENTITY_NOTE]


def workbook_key(session: Session, selection: tabular.Selection, notes: Iterable[str], sort: str,
                 descending: bool) -> str:
    """Changes with anything the selection's workbook shows (the module's docstring)."""
    generations = _generations(session, selection.plan_ids)
    names = session.execute(sa.select(sa.func.count(), sa.func.max(AdminUnit.official_name_set_at))
                            .select_from(AdminUnit)).one()
    parts = [",".join(f"{i}:{generations.get(i)}" for i in selection.plan_ids),
             repr(sorted(selection.filters.args().items())), f"{sort}:{descending}",
             repr(sorted(selection.regions)) if selection.regions is not None else "all",
             "\n".join(notes), repr(tuple(names)), ",".join(layout(e) for e in tabular.ENTITIES)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def workbook(session: Session, selection: tabular.Selection, notes: list[str], sort: str,
             descending: bool) -> bytes:
    """The selection's XLSX workbook (plans/reporting/spreadsheet.py `xlsx_bytes`): the kept one when its key is
    current, else written now and kept."""
    return _workbook(session, selection, notes, sort, descending)[0]


def _workbook(session: Session, selection: tabular.Selection, notes: list[str], sort: str,
              descending: bool) -> tuple[bytes, bool]:
    """(workbook, whether it was written now)."""
    key = workbook_key(session, selection, notes, sort, descending)
    kept = session.scalar(sa.select(PreparedWorkbook.body).where(PreparedWorkbook.key == key))
    if kept is not None:
        return kept, False
    data = spreadsheet.xlsx_bytes(tabular.all_tables(session, selection, sort, descending), notes)
    try:
        with session.begin_nested():
            session.add(PreparedWorkbook(key=key, body=data))
            session.flush()
            newest = sa.select(PreparedWorkbook.key).order_by(PreparedWorkbook.created_at.desc(),
                                                              PreparedWorkbook.key).limit(KEEP_WORKBOOKS)
            session.execute(sa.delete(PreparedWorkbook).where(PreparedWorkbook.key.not_in(newest)))
    except IntegrityError:
        pass
    return data, True


# --- prepared ahead -------------------------------------------------------------------------------------------

@dataclass
class Prepared:
    plans: int
    parts: int  # parts written now (the others were current)
    workbook: bool  # the workbook written now (False: the kept one was current)


def prepare_national(session: Session, today: date) -> Prepared:
    """Writes what the whole country's downloads read, as a national reviewer asks for them from the dashboard
    without filter nor sort (`flask plans prepare-exports`, run after an update and by a timer: README): every
    plan's parts, and the workbook under the key the download computes. The caller commits."""
    filters = tabular.TableFilters.from_args({})
    selection = tabular.select(session, filters, None)
    parts = sum(_plan_lines(session, selection, entity)[1] for entity in tabular.PER_PLAN)
    written = _workbook(session, selection, workbook_notes(session, filters, today), tabular.DEFAULT_SORT, False)[1]
    return Prepared(len(selection.plan_ids), parts, written)
