"""The year's execution sheet (XLSX), filled offline in Excel or LibreOffice and imported back (docs/DOMAIN.md §15).

Export (`export_bytes`): sheet « Exécution », one row per action × funding line (one row for an action without
line), French headers. The identity columns (the action's uuid, its number and title, the line's number, source,
funder and planned amount, the record's version) are locked — the sheet is protected, only the columns to fill
are open — and the action's own columns (state, progress, dates, contractor, observations, functioning) are
filled on its first row only. A hidden sheet « Fichier » names the format, the plan (uuid, revision, title) and
the year. Text is neutralised as every spreadsheet of the app (plans/reporting/spreadsheet.py, `neutralise`).

Import (`import_bytes`): every cell is read and checked before anything is written; the rows are checked against
the plan as it is now (the same actions and lines in the same order, the identity columns unchanged), no cell may
hold a formula, and each action is saved through plans/execution/service.py with the version the file was
exported with (a record saved since: refused, export again). Any problem → ValidationError listing every one as
« Feuille « Exécution », ligne N, colonne X (header) : message », and nothing is written (the caller rolls back).
An action whose row says exactly what is stored is left alone (no new version).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from plans.accounts.models import User
from plans.core.errors import ConflictError, ValidationError
from plans.core.vocab import CODEV_STATES, EXECUTION_STATUSES, FUNDING_SOURCES
from plans.execution import service
from plans.planning import finance
from plans.planning.models import Plan
from plans.reporting.spreadsheet import FORMULA_TRIGGERS, neutralise

FORMAT = "pdl-m-execution"
FORMAT_VERSION = 1
SHEET, META_SHEET = "Exécution", "Fichier"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# (key, header, editable, width); the order is the sheet's.
COLUMNS = (
    ("action_uuid", "Identifiant de l'action", False, 12),
    ("number", "N°", False, 5),
    ("title", "Action", False, 36),
    ("line", "Ligne de financement n°", False, 10),
    ("source", "Source", False, 22),
    ("funder", "Financeur", False, 26),
    ("amount", "Montant prévu (FCFA)", False, 16),
    ("version", "Version de l'exécution", False, 10),
    ("status", "État d'exécution", True, 14),
    ("progress", "Avancement physique (%)", True, 12),
    ("start_date", "Date de début", True, 13),
    ("end_date", "Date de fin", True, 13),
    ("contractor", "Entreprise ou prestataire", True, 26),
    ("observations", "Observations", True, 36),
    ("functioning", "État de fonctionnement", True, 14),
    ("mobilised", "Mobilisé dans l'année (FCFA)", True, 16),
    ("paid", "Payé dans l'année (FCFA)", True, 16),
)
COL = {key: i + 1 for i, (key, *_rest) in enumerate(COLUMNS)}
HEADERS = {key: header for key, header, *_rest in COLUMNS}
IDENTITY = tuple(key for key, _h, editable, _w in COLUMNS if not editable)
ACTION_FIELDS = ("status", "progress", "start_date", "end_date", "contractor", "observations", "functioning")
LINE_FIELDS = ("mobilised", "paid")
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
HEADER_FONT = Font(bold=True)


def file_name(plan: Plan, year: int) -> str:
    return f"execution-{plan.uuid[:8]}-r{plan.revision}-{year}.xlsx"


def _text(value) -> str:
    return neutralise(str(value)) if value not in (None, "") else ""


@dataclass
class _Row:
    action: Any
    number: int
    line_index: Optional[int]  # None: an action without funding line
    line: Any
    amount: Optional[int]


def _rows(plan: Plan) -> list[_Row]:
    pf = finance.plan_finance(plan)
    rows = []
    for number, f in enumerate(pf.figures, start=1):
        lines = list(zip(f.action.funding_lines, f.line_amounts))
        if not lines:
            rows.append(_Row(f.action, number, None, None, None))
        for i, (line, amount) in enumerate(lines):
            rows.append(_Row(f.action, number, i, line, amount))
    return rows


def _identity(row: _Row, version: int) -> dict:
    line = row.line
    return {"action_uuid": row.action.uuid, "number": row.number, "title": row.action.title,
            "line": row.line_index + 1 if line is not None else None,
            "source": FUNDING_SOURCES.get(line.source_type, line.source_type) if line is not None else None,
            "funder": line.source_name or None if line is not None else None,
            "amount": row.amount, "version": version}


def export_bytes(session: Session, plan: Plan, year: int) -> bytes:
    """The sheet of `plan`'s execution in `year` (plan loaded with finance.load_options())."""
    if year not in plan.years:
        raise ValidationError({"year": f"L'année {year} est hors de la période du plan "
                                       f"({plan.period_start}–{plan.period_end})."})
    records = {(r.action_id, r.year): r for r in service.records(session, plan)}
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    for key, header, editable, width in COLUMNS:
        cell = sheet.cell(row=1, column=COL[key], value=header)
        cell.font, cell.alignment = HEADER_FONT, Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(COL[key])].width = width
    status_list = DataValidation(type="list", formula1='"' + ",".join(EXECUTION_STATUSES.values()) + '"',
                                 allow_blank=True)
    functioning_list = DataValidation(type="list", formula1='"' + ",".join(CODEV_STATES.values()) + '"',
                                      allow_blank=True)
    sheet.add_data_validation(status_list)
    sheet.add_data_validation(functioning_list)
    for r, row in enumerate(_rows(plan), start=2):
        record = records.get((row.action.id, year))
        saved = service.dump(row.action, year, record)
        values = _identity(row, service.version_of(record))
        first = row.line_index in (None, 0)
        if first:
            values.update(status=EXECUTION_STATUSES.get(saved["status"], saved["status"]),
                          progress=saved["progress"],
                          start_date=date.fromisoformat(saved["start_date"]) if saved["start_date"] else None,
                          end_date=date.fromisoformat(saved["end_date"]) if saved["end_date"] else None,
                          contractor=saved["contractor"], observations=saved["observations"],
                          functioning=CODEV_STATES.get(saved["functioning"]) if saved["functioning"] else None)
        if row.line is not None:
            money = saved["funding"][row.line_index]
            values.update(mobilised=money["mobilised"], paid=money["paid"])
        for key, _header, editable, _width in COLUMNS:
            value = values.get(key)
            cell = sheet.cell(row=r, column=COL[key], value=_text(value) if isinstance(value, str) else value)
            open_cell = editable and (first or key not in ACTION_FIELDS) and (row.line is not None
                                                                               or key not in LINE_FIELDS)
            cell.protection = Protection(locked=not open_cell)
            if not open_cell:
                cell.fill = LOCKED_FILL
            if key in ("start_date", "end_date"):
                cell.number_format = "DD/MM/YYYY"
            elif key in ("amount", "mobilised", "paid"):
                cell.number_format = "#,##0"
            if open_cell and key == "status":
                status_list.add(cell)
            if open_cell and key == "functioning":
                functioning_list.add(cell)
    sheet.freeze_panes = "D2"
    sheet.protection.sheet = True
    sheet.protection.formatRows = sheet.protection.formatColumns = False  # widths and heights stay adjustable
    meta = book.create_sheet(META_SHEET)
    for r, (name, value) in enumerate((("format", FORMAT), ("version", FORMAT_VERSION), ("plan_uuid", plan.uuid),
                                       ("revision", plan.revision), ("plan", _text(plan.title)), ("annee", year)),
                                      start=1):
        meta.cell(row=r, column=1, value=name)
        meta.cell(row=r, column=2, value=value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ----- Import -------------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    plan: Plan
    year: int
    saved: list[str]  # titles of the actions saved
    unchanged: int


def _where(row: int, key: str) -> str:
    return f"Feuille « {SHEET} », ligne {row}, colonne {get_column_letter(COL[key])} ({HEADERS[key]})"


def _plain(value) -> Any:
    """A cell's value as text or number: text un-neutralised (the export's "'" before = + - @), stripped."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
            text = text[1:]
        return text
    return value


def _same_identity(expected, found) -> bool:
    if expected in (None, "") and found in (None, ""):
        return True
    if isinstance(expected, int) and isinstance(found, (int, float, Decimal)) and not isinstance(found, bool):
        return Decimal(str(found)) == expected
    return str(expected) == str(_plain(found) if found is not None else "")


def _cell_date(value):
    if isinstance(value, datetime):
        return value.date()
    return value


def _by_label(mapping: dict, value: str) -> Optional[str]:
    folded = value.casefold()
    for key, label in mapping.items():
        if folded in (key.casefold(), label.casefold()):
            return key
    return None


def _open(data: bytes):
    if len(data) > MAX_BYTES:
        raise ValidationError({"": f"Fichier trop volumineux ({len(data) // 1024} Ko) : au plus "
                                   f"{MAX_BYTES // (1024 * 1024)} Mo."})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > 20 * MAX_BYTES:
                raise ValidationError({"": "Fichier refusé : son contenu décompressé est trop volumineux."})
        return load_workbook(io.BytesIO(data), data_only=False)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - any unreadable file is the same French message, never a 500
        raise ValidationError({"": "Ce fichier n'est pas un classeur Excel (.xlsx) lisible."}) from None


def _meta(book) -> dict:
    if META_SHEET not in book.sheetnames or SHEET not in book.sheetnames:
        raise ValidationError({"": f"Ce classeur n'est pas une feuille d'exécution du PDL-M (feuilles « {SHEET} » "
                                   f"et « {META_SHEET} » attendues) : exportez-la depuis l'application."})
    meta = {}
    for name, value in book[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if isinstance(name, str):
            meta[name] = value
    if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
        raise ValidationError({"": "Ce classeur n'est pas une feuille d'exécution du PDL-M de cette version."})
    return meta


def import_bytes(session: Session, data: bytes, user: Optional[User], *, plan_id: Optional[int] = None,
                 year: Optional[int] = None, ip: str = "") -> ImportResult:
    """Checks the whole sheet, then saves every changed action (rules: module docstring). The caller commits, or
    rolls back on ValidationError / PermissionError. `plan_id`, `year`: when given, a sheet of another plan or year
    is refused."""
    book = _open(data)
    meta = _meta(book)
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == str(meta.get("plan_uuid") or ""),
                                                Plan.revision == meta.get("revision"))
                          .options(*finance.load_options()))
    sheet_year = meta.get("annee")
    if plan is None:
        raise ValidationError({"": "Le plan de cette feuille n'existe pas sur ce serveur (identifiant ou révision "
                                   "inconnus)."})
    if plan_id is not None and plan.id != plan_id:
        raise ValidationError({"": f"Cette feuille est celle d'un autre plan (« {plan.title} »)."})
    if not isinstance(sheet_year, int) or sheet_year not in plan.years:
        raise ValidationError({"": "L'année de cette feuille est illisible ou hors de la période du plan."})
    if year is not None and sheet_year != year:
        raise ValidationError({"": f"Cette feuille est celle de l'année {sheet_year}, pas de {year}."})
    refusal = service.edit_refusal(user, plan)
    if refusal:
        raise PermissionError(refusal)

    sheet = book[SHEET]
    if sheet.max_row > MAX_ROWS:
        raise ValidationError({"": f"La feuille a trop de lignes ({sheet.max_row})."})
    errors: list[str] = []
    header = [c.value for c in sheet[1]][:len(COLUMNS)]
    if header != [h for _k, h, *_r in COLUMNS]:
        raise ValidationError({"": f"Feuille « {SHEET} », ligne 1 : les en-têtes ont été modifiés ; exportez à "
                                   "nouveau la feuille."})
    expected = _rows(plan)
    records = {(r.action_id, r.year): r for r in service.records(session, plan)}
    grid = list(sheet.iter_rows(min_row=2, max_col=len(COLUMNS)))
    grid = [cells for cells in grid if any(c.value not in (None, "") for c in cells)]
    if len(grid) != len(expected):
        raise ValidationError({"": f"Feuille « {SHEET} » : {len(grid)} lignes remplies pour {len(expected)} attendues "
                                   "(une par action et ligne de financement) ; des lignes ont été ajoutées ou "
                                   "supprimées. Exportez à nouveau la feuille."})
    for cells in grid:
        for cell in cells:
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                errors.append(f"{_where(cell.row, COLUMNS[cell.column - 1][0])} : une formule n'est pas acceptée ; "
                              "saisissez la valeur.")
    actions: dict[int, dict] = {}
    places: dict[int, dict[str, int]] = {}
    for row, cells in zip(expected, grid):
        r = cells[0].row
        record = records.get((row.action.id, sheet_year))
        identity = _identity(row, service.version_of(record))
        values = {key: cells[COL[key] - 1].value for key, *_rest in COLUMNS}
        for key in IDENTITY:
            if key == "version":
                continue
            if not _same_identity(identity[key], values[key]):
                errors.append(f"{_where(r, key)} : cette colonne ne se modifie pas (attendu « {identity[key]} », "
                              f"trouvé « {values[key]} »).")
        data = actions.setdefault(row.action.id, {"funding": [], "_version": values["version"], "_row": r})
        place = places.setdefault(row.action.id, {})
        first = row.line_index in (None, 0)
        for key in ACTION_FIELDS:
            value = _plain(values[key])
            if not first:
                if value not in (None, ""):
                    errors.append(f"{_where(r, key)} : se saisit sur la première ligne de l'action "
                                  f"(ligne {data['_row']}).")
                continue
            place[key] = r
            if key == "status":
                value = _by_label(EXECUTION_STATUSES, value) or value if isinstance(value, str) and value else None
            elif key == "functioning":
                value = _by_label(CODEV_STATES, value) or value if isinstance(value, str) and value else None
            elif key in ("start_date", "end_date"):
                value = _cell_date(value)
            elif key == "progress" and isinstance(value, float) and value.is_integer():
                value = int(value)
            data[key] = value if value is not None else ""
        if row.line is not None:
            money = {}
            for key in LINE_FIELDS:
                value = _plain(values[key])
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                elif isinstance(value, float):
                    value = str(value).replace(".", ",")  # refused by the money rule: whole FCFA only
                money[key] = value if value is not None else ""
                place[f"funding-{row.line_index}-{key}"] = r
            data["funding"].append(money)
    if errors:
        raise ValidationError({"": errors})

    saved, unchanged = [], 0
    by_id = {a.id: a for a in plan.actions}
    for action_id, data in actions.items():
        action = by_id[action_id]
        record = records.get((action_id, sheet_year))
        place = places[action_id]
        version = data.pop("_version")
        first_row = data.pop("_row")
        try:
            clean = service.check(plan, action, sheet_year, data, {})
        except ValidationError:
            clean = None
        if clean is not None and record is not None and _unchanged(service.dump(action, sheet_year, record), clean):
            unchanged += 1
            continue
        if clean is not None and record is None and _unchanged(service.dump(action, sheet_year, None), clean):
            unchanged += 1
            continue
        try:
            with session.begin_nested():
                service.save(session, plan, action, sheet_year, data, version, user, ip=ip,
                             journal="execution.import")
            saved.append(action.title)
        except ValidationError as error:
            for key, messages in error.errors.items():
                where = _where(place[key], _column_of(key)) if key in place else \
                    f"Feuille « {SHEET} », ligne {first_row}"
                errors += [f"{where} : {m}" for m in messages]
        except ConflictError:
            errors.append(f"Feuille « {SHEET} », ligne {first_row} : l'exécution de « {action.title} » a été "
                          f"enregistrée depuis l'export de cette feuille (version {service.version_of(record)}, la "
                          f"feuille dit {version}). Exportez-la à nouveau.")
    if errors:
        raise ValidationError({"": errors})
    return ImportResult(plan, sheet_year, saved, unchanged)


def _column_of(key: str) -> str:
    return key.rsplit("-", 1)[1] if key.startswith("funding-") else key


def _unchanged(stored: dict, clean: dict) -> bool:
    same = (stored["status"] == clean["status"] and stored["progress"] == clean["progress"]
            and (stored["start_date"] or None) == (clean["start_date"].isoformat() if clean["start_date"] else None)
            and (stored["end_date"] or None) == (clean["end_date"].isoformat() if clean["end_date"] else None)
            and stored["contractor"] == clean["contractor"] and stored["observations"] == clean["observations"]
            and (stored["functioning"] or None) == clean["functioning"])
    return same and all(clean["money"].get(row["line_id"]) == (row["mobilised"], row["paid"])
                        for row in stored["funding"])
