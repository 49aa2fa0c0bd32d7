"""The export files of plans/reporting/tables.py tables: CSV, one XLSX workbook, and the actions as GeoJSON.

Headers are French (`Column.header`: « Coût total (FCFA) »), so that an analyst opens a file as is; the technical
keys (`cout_total_fcfa`), which scripts may join on, are listed beside each header in the workbook's « Colonnes »
sheet with its meaning, after the export's notes (date, filters, the sum every row satisfies).

Print set-up of every sheet: landscape, fitted to the page's width (as many pages down as needed), the header
row repeated on each printed page.

CSV, a decision: written for Excel and LibreOffice in a French locale, where users open a file by
double-clicking it. So: UTF-8 with a byte-order mark (without it Excel reads "Ã©" for "é"), ";" as separator
and "," as decimal mark (French Excel splits on ";" and reads "9,69" as a number; "," would put the whole line
in one column), RFC 4180 quoting and CRLF line ends through the csv module. This is also what R's read.csv2
reads, and pandas with `sep=";", decimal=","`. Amounts are whole FCFA without thousands separators, dates
ISO 8601 (2026-03-12), booleans "oui"/"non". The XLSX workbook is the lossless twin: real numbers and dates.

Formula injection (CWE-1236): a text cell beginning with = + - @, a tab or a carriage return would be run as a
formula by a spreadsheet. `neutralise` — the one home of that rule — prefixes such text with "'". It applies to
text only: numbers are written as numbers (a negative amount or a longitude stays a numeric cell), so nothing a
spreadsheet computes on is altered. The apostrophe is part of the text, visible in both files: a reader sees
that the cell was neutralised, and no formula ever reaches a cell.

GeoJSON: a FeatureCollection of Point features (RFC 7946, lon/lat WGS 84), one per action row that has a
location (a withheld one has none: plans/reporting/tables.py), the other action columns as properties. `<`, `>`,
`&` and the JavaScript line separators are written as \\u escapes, so the document may be pasted in an HTML
page's script without closing it; the values read back unchanged.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from plans.reporting.tables import BOOL, COORD, DATE, DECIMAL, FCFA, INT, PCT, Column, Table, located_actions

CSV_SEPARATOR = ";"
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_MIMETYPE = "application/geo+json"
BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
YES, NO = "oui", "non"
COORD_DECIMALS = 6  # ~0,1 m: the stored precision, not more

MIN_WIDTH, MAX_WIDTH = 8, 60


def neutralise(text: str) -> str:
    """Text a spreadsheet must not run as a formula: prefixed with "'" when it starts with = + - @ tab or CR."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# --- values ----------------------------------------------------------------------------------------------------

def _is_number_kind(kind: str) -> bool:
    return kind in (INT, FCFA, PCT, DECIMAL, COORD)


def _number(value, kind: str):
    """int for whole kinds, Decimal for shares and decimals, float for coordinates."""
    if kind in (INT, FCFA):
        return int(value)
    if kind == COORD:
        return round(float(value), COORD_DECIMALS)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")  # 1.500 → "1,5", 100 → "100" (never "1E+2")


def csv_value(value, kind: str) -> str:
    """One CSV field: "" for nothing, numbers with a decimal comma, text neutralised."""
    if value is None or value == "":
        return ""
    return _csv_converter(kind)(value)


def _coord_text(value) -> str:
    return f"{round(float(value), COORD_DECIMALS):.{COORD_DECIMALS}f}".rstrip("0").rstrip(".").replace(".", ",")


def _csv_converter(kind: str):
    """The function that writes a (non-empty) value of this kind in a CSV field."""
    if kind in (INT, FCFA):
        return lambda v: str(int(v))
    if kind == BOOL:
        return lambda v: YES if v else NO
    if kind == COORD:
        return _coord_text
    if kind in (PCT, DECIMAL):
        return lambda v: _decimal_text(v if isinstance(v, Decimal) else Decimal(str(v)))
    if kind == DATE:
        return lambda v: v.isoformat() if isinstance(v, date) else neutralise(str(v))
    return lambda v: neutralise(str(v))


# --- CSV ---------------------------------------------------------------------------------------------------------

def _csv_writer(out):
    return csv.writer(out, delimiter=CSV_SEPARATOR, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


def csv_head(columns: list[Column]) -> str:
    """The start of a CSV file: the byte-order mark and the header row of French column headers."""
    out = io.StringIO()
    out.write(BOM)
    _csv_writer(out).writerow([neutralise(c.header) for c in columns])
    return out.getvalue()


def csv_lines(columns: list[Column], rows: Iterable[dict[str, Any]]) -> str:
    """The rows as CSV lines (each ending with CRLF): the file is csv_head + the lines, which may be written in
    parts (plans/reporting/export_parts.py keeps each plan's)."""
    out = io.StringIO()
    converters = [(c.key, _csv_converter(c.kind)) for c in columns]
    _csv_writer(out).writerows(["" if (v := row.get(key)) is None or v == "" else convert(v)
                                for key, convert in converters] for row in rows)
    return out.getvalue()


def csv_bytes(table: Table) -> bytes:
    """The table as CSV (UTF-8 with BOM, ";" separator, header row of French column headers)."""
    return (csv_head(table.columns) + csv_lines(table.columns, table.rows)).encode("utf-8")


# --- XLSX --------------------------------------------------------------------------------------------------------

NUMBER_FORMATS = {INT: "0", FCFA: "#,##0", PCT: "0.00", DECIMAL: "General", COORD: "0.000000", DATE: "yyyy-mm-dd"}
HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def _xlsx_text(text: str) -> str:
    # Control characters (a vertical tab pasted from Word) are invalid in the file's XML: openpyxl refuses them.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))


def _xlsx_converter(sheet, kind: str):
    """value → what a row holds for a column of `kind`: a plain value where openpyxl's default is right (text,
    whole numbers, oui/non), a cell with its number format for amounts, shares, coordinates and dates; text is
    neutralised (never starts with "=": no cell is ever a formula)."""
    if kind == INT:
        return int
    if kind == BOOL:
        return lambda v: YES if v else NO
    if _is_number_kind(kind) or kind == DATE:
        number_format = NUMBER_FORMATS[kind]

        def formatted(value):
            if kind == DATE and not isinstance(value, date):
                return _xlsx_text(str(value))
            cell = WriteOnlyCell(sheet, value=value if kind == DATE else _number(value, kind))
            cell.number_format = number_format
            return cell
        return formatted
    return lambda v: _xlsx_text(str(v))


def _header_cells(sheet, texts: Iterable[str]) -> list:
    cells = []
    for text in texts:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(text))
        cell.font, cell.alignment = HEADER_FONT, HEADER_ALIGNMENT
        cells.append(cell)
    return cells


def _width(column: Column, rows: list[dict]) -> float:
    longest = min(len(column.header), 24)  # a long header wraps (the header row's style) rather than widen
    for row in rows[:500]:  # a sample is enough to size a column
        value = row.get(column.key)
        if value is not None:
            longest = max(longest, len(csv_value(value, column.kind)))
    return float(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))


def _print_setup(sheet) -> None:
    """Landscape, fitted to the page's width (as many pages down as needed), the header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _table_sheet(book, table: Table) -> None:
    sheet = book.create_sheet(table.title)
    columns = table.columns
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _width(column, table.rows)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(table.rows) + 1, 1)}"
    _print_setup(sheet)
    sheet.append(_header_cells(sheet, (c.header for c in columns)))
    converters = [(c.key, _xlsx_converter(sheet, c.kind)) for c in columns]
    for row in table.rows:
        sheet.append([None if (v := row.get(key)) is None or v == "" else convert(v) for key, convert in converters])


def _columns_sheet(book, tables: list[Table], notes: Iterable[str]) -> None:
    """What each column means, after the export's own notes (date, filters, the sum every row satisfies)."""
    sheet = book.create_sheet("Colonnes")
    for letter, width in zip("ABCD", (14, 34, 28, 80)):
        sheet.column_dimensions[letter].width = width
    _print_setup(sheet)
    for note in notes:
        sheet.append([_xlsx_text(note)])
    sheet.append([])
    sheet.append(_header_cells(sheet, ("Feuille", "Colonne", "Clé technique", "Signification")))
    for table in tables:
        for column in table.columns:
            sheet.append([table.title, _xlsx_text(column.header), column.key, _xlsx_text(column.meaning)])


def xlsx_bytes(tables: list[Table], notes: Iterable[str] = ()) -> bytes:
    """One workbook: a sheet per table (bold, frozen French header row with filters; numbers as numbers; printed
    landscape, fitted to the width, header repeated) and a "Colonnes" sheet that starts with `notes` and gives
    every column's technical key and meaning. openpyxl in write-only mode: rows are streamed, not kept."""
    book = Workbook(write_only=True)
    for table in tables:
        _table_sheet(book, table)
    _columns_sheet(book, tables, notes)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- GeoJSON -----------------------------------------------------------------------------------------------------

_UNSAFE_IN_HTML = re.compile("[<>&\u2028\u2029]")


def _json_value(value, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == BOOL:
        return bool(value)
    if kind == DATE and isinstance(value, date):
        return value.isoformat()
    if _is_number_kind(kind):
        number = _number(value, kind)
        return float(number) if isinstance(number, Decimal) else number
    return str(value)


def actions_feature_collection(table: Table) -> dict:
    """The action table's located rows as GeoJSON Point features; properties are the other columns."""
    features = []
    for row in located_actions(table.rows):
        properties = {c.key: _json_value(row.get(c.key), c.kind) for c in table.columns if c.key not in ("lon", "lat")}
        features.append({"type": "Feature", "id": f"{row['action_uuid']}@{row['revision']}",
                         "geometry": {"type": "Point", "coordinates": [_number(row["lon"], COORD),
                                                                       _number(row["lat"], COORD)]},
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def geojson_bytes(table: Table) -> bytes:
    text = json.dumps(actions_feature_collection(table), ensure_ascii=False, separators=(",", ":"))
    return _UNSAFE_IN_HTML.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")
