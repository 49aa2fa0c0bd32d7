"""A small, fast writer of XLSX workbooks (Office Open XML, ECMA-376): rows streamed as XML text into the zip.

Why not openpyxl's writer: at national scale the dashboard's workbook holds about two million cells (700 plans,
28 000 actions, their funding lines); openpyxl builds an object per cell and writes it through an XML library,
some 10 µs a cell — tens of seconds. This writer formats each cell as a short string (≈ 1 µs) and compresses the
sheets with zlib's fastest level. It writes only what the exports need: inline text, numbers with a handful of
number formats, a bold wrapped header row, frozen first row, auto-filter, column widths, and the print set-up
(landscape, fitted to the page's width, header row repeated: `_xlnm.Print_Titles`).

Values, by the column's declared type: NUMBER an int, float or Decimal with the column's number format; DATE a
date as a number with a date format (days since 1899-12-30, as every spreadsheet counts); TEXT anything, with the
characters XML forbids removed (a vertical tab pasted from Word) and `& < >` escaped. None or "" is an empty
cell. Text is written as the caller gives it: formula neutralisation is plans/reporting/spreadsheet.py's
(`neutralise`). The format follows ECMA-376; openpyxl reads every export back in tests/plans/test_tabular.py
(LibreOffice Calc and Excel read this same subset).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Optional
from xml.sax.saxutils import escape

# Number formats: built-in ids where Excel has one, custom ids (from 164) otherwise.
GENERAL, INTEGER, THOUSANDS, TWO_DECIMALS = 0, 1, 3, 2
COORD_FORMAT, DATE_FORMAT = 164, 165
CUSTOM_FORMATS = {COORD_FORMAT: "0.000000", DATE_FORMAT: "yyyy-mm-dd"}
# Cell styles (the cellXfs list of styles.xml): 0 default, 1 header (bold, wrapped), then one per number format.
STYLE_OF_FORMAT = {GENERAL: 0, INTEGER: 2, THOUSANDS: 3, TWO_DECIMALS: 4, COORD_FORMAT: 5, DATE_FORMAT: 6}
HEADER_STYLE = 1
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = date(1899, 12, 30)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def clean_text(text: str) -> str:
    """The text without the control characters XML 1.0 forbids."""
    return _ILLEGAL.sub("", text)


NUMBER, TEXT, DATE = "n", "s", "d"  # how a column's values are written


@dataclass
class Sheet:
    name: str  # ≤ 31 characters, none of : \\ / ? * [ ]
    widths: list[float] = field(default_factory=list)  # per column, in characters
    types: list[str] = field(default_factory=list)  # per column: NUMBER, TEXT or DATE (TEXT when not given)
    formats: list[int] = field(default_factory=list)  # per NUMBER column: its number format id
    header: Optional[list[str]] = None  # a bold, wrapped, frozen first row with an auto-filter, repeated in print
    rows: Iterable[list[Any]] = ()  # None or "" is an empty cell


def _number_text(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(int(value))


def _writer(kind: str, number_format: int):
    """The function that writes one cell of a column: (reference, value) → XML."""
    if kind == NUMBER:
        style = STYLE_OF_FORMAT.get(number_format, 0)
        attr = f' s="{style}"' if style else ""
        return lambda ref, v: f'<c r="{ref}"{attr}><v>{_number_text(v)}</v></c>'
    if kind == DATE:
        style = STYLE_OF_FORMAT[DATE_FORMAT]

        def write_date(ref, v):
            if not isinstance(v, date):
                return write_text(ref, v)
            day = v.date() if isinstance(v, datetime) else v
            return f'<c r="{ref}" s="{style}"><v>{(day - _EPOCH).days}</v></c>'
        return write_date

    def write_text(ref, v):
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(clean_text(str(v)))}</t></is></c>'
    return write_text


def _sheet_xml(sheet: Sheet, out: io.TextIOBase) -> None:
    columns = max(len(sheet.widths), len(sheet.header or ()), len(sheet.types), 1)
    letters = [column_letter(i) for i in range(1, columns + 1)]
    out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} {_REL_NS}>'
              '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    if sheet.header:
        out.write('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                  'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')
    else:
        out.write('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    out.write('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        out.write("<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                                     for i, w in enumerate(sheet.widths, start=1)) + "</cols>")
    out.write("<sheetData>")
    row_number = 0
    if sheet.header:
        row_number = 1
        out.write('<row r="1">' + "".join(
            f'<c r="{letters[i]}1" s="{HEADER_STYLE}" t="inlineStr"><is><t xml:space="preserve">'
            f'{escape(clean_text(text))}</t></is></c>' for i, text in enumerate(sheet.header)) + "</row>")
    types = list(sheet.types) + [TEXT] * (columns - len(sheet.types))
    formats = list(sheet.formats) + [GENERAL] * (columns - len(sheet.formats))
    writers = [_writer(t, f) for t, f in zip(types, formats)]
    buffer: list[str] = []
    for values in sheet.rows:
        row_number += 1
        r = str(row_number)
        cells = "".join(writers[i](letters[i] + r, v) for i, v in enumerate(values) if v is not None and v != "")
        buffer.append(f'<row r="{r}">{cells}</row>')
        if len(buffer) >= 1000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer))
    out.write("</sheetData>")
    if sheet.header:
        out.write(f'<autoFilter ref="A1:{letters[len(sheet.header) - 1]}{max(row_number, 1)}"/>')
    out.write('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
              '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')


def _styles() -> str:
    formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(code)}"/>' for i, code in CUSTOM_FORMATS.items())
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
           '<alignment wrapText="1" vertical="top"/></xf>']
    for number_format, style in sorted(STYLE_OF_FORMAT.items(), key=lambda item: item[1]):
        if style >= 2:
            xfs.append(f'<xf numFmtId="{number_format}" fontId="0" fillId="0" borderId="0" xfId="0" '
                       'applyNumberFormat="1"/>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
            f'<numFmts count="{len(CUSTOM_FORMATS)}">{formats}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>')


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """The workbook's bytes; each sheet's rows are consumed once, as they are written."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1))
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/styles.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                   f'{overrides}</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        names = "".join(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{escape(_quoted(s.name))}'
                        f'!$1:$1</definedName>' for i, s in enumerate(sheets) if s.header)
        z.writestr("xl/workbook.xml",
                   f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_REL_NS}>'
                   '<bookViews><workbookView/></bookViews><sheets>'
                   + "".join(f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, s in enumerate(sheets, start=1))
                   + "</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
                             f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                             for i in range(1, len(sheets) + 1))
                   + f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
                     'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", _styles())
        for i, sheet in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                _sheet_xml(sheet, text)
                text.flush()
                text.detach()
    return out.getvalue()
