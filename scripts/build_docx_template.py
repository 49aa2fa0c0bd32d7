"""Generates templates_docx/pdl_m.docx, the Word model of the council document (PDESC/PDSEC integrating migration).

    .venv/bin/python scripts/build_docx_template.py [-o templates_docx/pdl_m.docx]

The model is an ordinary .docx with docxtpl (Jinja) tags typed in (docs/ARCHITECTURE.md, pitfall 9): every
`{%p … %}` tag has a paragraph of its own, every `{%tr … %}` tag a row of its own, every `{%tc … %}` tag a cell
of its own. What it sets, so that the printed copy is one a council can adopt as it is (issue 13):
- one font everywhere, Arial (LibreOffice on Debian uses its metric twin Liberation Sans: the column widths that
  plans/documents/plan_document.py computes from plans/documents/metrics.py hold in Word and in LibreOffice), and
  ONE language setting (fr-FR) in the document defaults and none in the styles;
- real styles: Heading 1–3 (a chapter starts a page; every heading is kept with what follows), "toc 1"/"toc 2"
  (the sommaire's lines, dotted leader to the page number), the table style "Tableau PDL-M", List Bullet;
- a header « {{ collectivite }} — {{ titre_court }} » and a footer « Page N sur M » (PAGE and NUMPAGES fields) on
  EVERY page of every section, portrait and landscape; only the cover (first page of the first section) has none;
- the sommaire: a TOC field (levels 1–2) that plan_document fills with the document's headings after rendering,
  and LibreOffice numbers when it is on the server;
- tables whose header row repeats on each page (w:tblHeader) and whose rows never split (w:cantSplit);
- a landscape section for the PIP and the financing plan; one sheet per action (fiche action) in the annexes;
  the deliberation extract in the Malian administrative form, with dotted blanks a secretary fills by hand.
The variables are listed in templates_docx/README.md and in plans/documents/plan_document.py (VARIABLES).

Edit this script, not the .docx, and run it again: the generated file is committed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "templates_docx" / "pdl_m.docx"
TABLE_STYLE = "Tableau PDL-M"
FONT = "Arial"
LANGUAGE = "fr-FR"
GREEN = RGBColor(0x1B, 0x5E, 0x20)
RED = RGBColor(0xC0, 0x00, 0x00)
PORTRAIT_WIDTH = 16.6  # cm between the margins (A4, 2.2 cm margins)
LANDSCAPE_WIDTH = 26.7  # cm (A4 landscape, 1.5 cm margins)
TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '


# --- low-level helpers -----------------------------------------------------------------------------------------

def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A simple field (w:fldSimple) in a paragraph: PAGE, NUMPAGES."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.set(qn("xml:space"), "preserve")
    text.text = placeholder
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _complex_field(paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin / instrText / separate / result / end) in one paragraph: the sommaire's TOC, whose
    result plan_document replaces by one paragraph per heading."""
    def run_with(child):
        run = OxmlElement("w:r")
        run.append(child)
        paragraph._p.append(run)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    text = OxmlElement("w:t")
    text.text = placeholder
    run_with(text)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _on_off(parent, tag: str) -> None:
    element = OxmlElement(tag)
    parent.append(element)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    _on_off(tr_pr, "w:cantSplit")
    _on_off(tr_pr, "w:tblHeader")


def _cant_split(row) -> None:
    _on_off(row._tr.get_or_add_trPr(), "w:cantSplit")


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _set_cell(cell, text: str, *, bold=False, right=False, center=False, size: float = 9) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)  # explicit: LibreOffice lets the Normal style (11 pt) win over the table style
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _bottom_border(paragraph) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "4"), ("space", "1"), ("color", "1B5E20")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def _one_font(rpr) -> None:
    """rFonts naming FONT for every script, theme fonts removed (a theme font would win over the named one)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attribute}"), FONT)


class Builder:
    def __init__(self) -> None:
        self.doc = Document()
        self.available = PORTRAIT_WIDTH
        self.font_size = 9.0  # pt in tables; 8.5 in the landscape section
        self._styles()

    # styles
    def _styles(self) -> None:
        styles = self.doc.styles
        root = styles.element
        defaults = root.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
        _one_font(defaults)
        langs = defaults.findall(qn("w:lang"))
        for extra in langs[1:]:
            defaults.remove(extra)
        lang = langs[0] if langs else OxmlElement("w:lang")
        if not langs:
            defaults.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)
        lang.set(qn("w:bidi"), "ar-SA")
        for style in root.findall(qn("w:style")):  # one language: the defaults'; one font: Arial
            rpr = style.find(qn("w:rPr"))
            if rpr is None:
                continue
            for element in rpr.findall(qn("w:lang")):
                rpr.remove(element)
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is not None and any(fonts.get(qn(f"w:{a}")) for a in ("asciiTheme", "hAnsiTheme")):
                _one_font(rpr)

        normal = styles["Normal"]
        normal.font.size = Pt(11)
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.widow_control = True
        for level, size, before in ((1, 16, 0), (2, 13, 14), (3, 11.5, 10)):
            style = styles[f"Heading {level}"]
            style.font.size = Pt(size)
            style.font.color.rgb = GREEN
            style.paragraph_format.keep_with_next = True
            style.paragraph_format.keep_together = True
            style.paragraph_format.space_before = Pt(before)
            style.paragraph_format.space_after = Pt(6)
            if level == 1:  # a chapter starts a page
                style.paragraph_format.page_break_before = True
        title = styles["Title"]
        title.font.size = Pt(24)
        title.font.color.rgb = GREEN
        styles["Caption"].font.size = Pt(9)
        table = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
        table.base_style = styles["Table Grid"]
        table.font.size = Pt(9)
        table.paragraph_format.space_after = Pt(0)
        margins = OxmlElement("w:tblCellMar")  # narrow cell margins: figures stay on one line
        for side in ("left", "right"):
            element = OxmlElement(f"w:{side}")
            element.set(qn("w:w"), "70")
            element.set(qn("w:type"), "dxa")
            margins.append(element)
        tbl_pr = table.element.find(qn("w:tblPr"))
        if tbl_pr is None:
            tbl_pr = OxmlElement("w:tblPr")
            table.element.append(tbl_pr)  # after w:pPr / w:rPr, as the schema orders them
        tbl_pr.append(margins)
        cover = styles.add_style("Page de garde", WD_STYLE_TYPE.PARAGRAPH)
        cover.base_style = normal
        cover.font.size = Pt(13)
        cover.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        toc_title = styles.add_style("Titre du sommaire", WD_STYLE_TYPE.PARAGRAPH)  # not a heading: not in the TOC
        toc_title.base_style = normal
        toc_title.font.size = Pt(16)
        toc_title.font.bold = True
        toc_title.font.color.rgb = GREEN
        toc_title.paragraph_format.page_break_before = True
        toc_title.paragraph_format.space_after = Pt(12)
        for level in (1, 2):  # Word's built-in names: LibreOffice maps them to its « Contents 1/2 » on update
            toc = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
            toc.element.set(qn("w:styleId"), f"TOC{level}")
            toc.base_style = normal
            toc.font.bold = level == 1
            toc.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            toc.paragraph_format.space_after = Pt(3 if level == 2 else 4)
            toc.paragraph_format.space_before = Pt(6 if level == 1 else 0)
            toc.paragraph_format.tab_stops.add_tab_stop(Cm(PORTRAIT_WIDTH), WD_TAB_ALIGNMENT.RIGHT,
                                                        WD_TAB_LEADER.DOTS)
        sheet = styles.add_style("Titre de fiche", WD_STYLE_TYPE.PARAGRAPH)  # a fiche action's title
        sheet.base_style = styles["Heading 3"]
        sheet.font.size = Pt(13)
        sheet.paragraph_format.page_break_before = True
        spacer = styles.add_style("Après tableau", WD_STYLE_TYPE.PARAGRAPH)  # keeps two tables apart (docxtpl)
        spacer.base_style = normal
        spacer.font.size = Pt(4)
        spacer.paragraph_format.space_after = Pt(4)
        blank = styles.add_style("Acte", WD_STYLE_TYPE.PARAGRAPH)  # the deliberation's body text
        blank.base_style = normal
        blank.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        blank.paragraph_format.space_after = Pt(2)
        blank.font.size = Pt(10)

    # paragraphs
    def p(self, text: str = "", style: str | None = None, *, bold=False, center=False, color=None, size=None,
          keep=False, italic=False):
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            run = paragraph.add_run(text)
            run.bold = bold
            run.italic = italic
            if color is not None:
                run.font.color.rgb = color
            if size is not None:
                run.font.size = Pt(size)
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if keep:
            paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def tag(self, text: str):
        """A paragraph holding only a {%p … %} tag (removed on rendering)."""
        return self.doc.add_paragraph(text)

    def h(self, text: str, level: int, *, new_page: bool = False):
        heading = self.doc.add_heading(text, level)
        if new_page:
            heading.paragraph_format.page_break_before = True
        return heading

    def bullets(self, loop: str, line: str) -> None:
        self.tag(f"{{%p for {loop} %}}")
        self.p(line, "List Bullet")
        self.tag("{%p endfor %}")

    def paragraphs(self, loop: str, line: str, style: str | None = None) -> None:
        self.tag(f"{{%p for {loop} %}}")
        self.p(line, style)
        self.tag("{%p endfor %}")

    # tables
    def table(self, headers: list[str], loop: str, cells: list[str], *, totals: list[str] | None = None,
              right: set[int] = frozenset(), widths: list[float] | None = None,
              year_header: tuple[int, str, str] | None = None, year_cells: tuple[int, str, str] | None = None,
              year_totals: tuple[int, str, str] | None = None, year_width: float = 2.0, bold_first=False,
              fixed: bool = False):
        """A table: a header row (repeated on each page), a {%tr for %} row, the data row, a {%tr endfor %} row and
        optionally a totals row. `year_*` = (index, loop, cell text): three cells {%tc for loop %} / text /
        {%tc endfor %} inserted at index (the per-year columns, 3 or 5 of them). Widths are a first guess:
        plan_document lays the columns out again from what the cells hold. `fixed`: a small table of known words
        (a fiche action's), drawn with these widths, kept on one page and with what follows (every paragraph
        keep-with-next), its header not repeated: plan_document leaves it as it is (150 sheets, 450 tables)."""
        def expand(row: list[str], spec):
            if spec is None:
                return list(row)
            index, loop_expr, text = spec
            return row[:index] + [f"{{%tc for {loop_expr} %}}", text, "{%tc endfor %}"] + row[index:]

        header = expand(headers, year_header)
        data = expand(cells, year_cells)
        total = expand(totals, year_totals) if totals is not None else None
        n = len(header)
        base = widths or [self.available / len(headers)] * len(headers)
        if year_header is not None:  # the {%tc %} tag cells vanish on rendering; the year cell is repeated
            index = year_header[0]
            base = base[:index] + [0.3, year_width, 0.3] + base[index:]
        widths = base
        assert len(data) == n and (total is None or len(total) == n), (header, data, total)
        year_index = year_cells[0] + 1 if year_cells else None
        right_cols = set(right)
        if year_index is not None:
            right_cols = {i if i < year_cells[0] else i + 3 for i in right_cols} | {year_index}

        table = self.doc.add_table(rows=0, cols=n)
        table.style = self.doc.styles[TABLE_STYLE]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        row = table.add_row()
        if fixed:
            _cant_split(row)
        else:
            _repeat_header(row)
        for i, text in enumerate(header):
            _set_cell(row.cells[i], text, bold=True, size=self.font_size, right=i in right_cols)
            _shade(row.cells[i], "D9EAD3")
        loop_row = table.add_row()
        merged = loop_row.cells[0].merge(loop_row.cells[n - 1])
        merged.paragraphs[0].add_run(f"{{%tr for {loop} %}}")
        row = table.add_row()
        _cant_split(row)
        for i, text in enumerate(data):
            _set_cell(row.cells[i], text, right=i in right_cols, size=self.font_size, bold=bold_first and i == 0)
        end_row = table.add_row()
        merged = end_row.cells[0].merge(end_row.cells[n - 1])
        merged.paragraphs[0].add_run("{%tr endfor %}")
        if total is not None:
            row = table.add_row()
            _cant_split(row)
            for i, text in enumerate(total):
                _set_cell(row.cells[i], text, bold=True, right=i in right_cols, size=self.font_size)
                _shade(row.cells[i], "F2F2F2")
        table.autofit = False
        for r in table.rows:
            for i, w in enumerate(widths):
                r.cells[i].width = Cm(w)
        for col, w in zip(table.columns, widths):
            col.width = Cm(w)
        if fixed:
            for r in table.rows:
                for cell in r.cells:
                    for paragraph in cell.paragraphs:
                        paragraph.paragraph_format.keep_with_next = True
        self.p("", "Après tableau")
        return table

    def save(self, path: Path) -> None:
        order = [qn(f"w:{t}") for t in ("tblStyle", "tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook")]
        for tbl_pr in self.doc.element.body.iter(qn("w:tblPr")):  # the schema's order, or Word repairs the file
            for child in sorted(tbl_pr, key=lambda e: order.index(e.tag) if e.tag in order else len(order)):
                tbl_pr.append(child)
        settings = self.doc.settings.element
        update = OxmlElement("w:updateFields")  # Word numbers the sommaire on opening when LibreOffice did not
        update.set(qn("w:val"), "true")
        settings.append(update)
        core = self.doc.core_properties
        core.title = "Plan de développement local intégrant la migration (PDL-M)"
        core.author = "PDL-M"
        core.language = LANGUAGE
        core.comments = ""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))


def _page_setup(section, *, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
        section.left_margin = section.right_margin = Cm(1.5)
        section.top_margin = section.bottom_margin = Cm(1.8)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1)


def _new_section(b: Builder, *, landscape: bool):
    section = b.doc.add_section(WD_SECTION.NEW_PAGE)
    _page_setup(section, landscape=landscape)
    section.different_first_page_header_footer = False  # the header and « Page N sur M » on its first page too
    section.header.is_linked_to_previous = True
    section.footer.is_linked_to_previous = True
    b.available = LANDSCAPE_WIDTH if landscape else PORTRAIT_WIDTH
    b.font_size = 8.5 if landscape else 9.0
    return section


# --- the document ------------------------------------------------------------------------------------------

def build(path: Path = DEFAULT_OUTPUT) -> Path:
    b = Builder()
    doc = b.doc

    # Page setup, header and footer: the cover (first page of this section) has neither; every other page has both
    section = doc.sections[0]
    _page_setup(section, landscape=False)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = "{{ collectivite }} — {{ titre_court }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in header.runs:
        run.font.size = Pt(9)
    _bottom_border(header)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ").font.size = Pt(9)
    _field(footer, "PAGE", "1")
    footer.add_run(" sur ").font.size = Pt(9)
    _field(footer, "NUMPAGES", "1")

    # Cover
    b.p("République du Mali", "Page de garde", bold=True, size=15)
    b.p("Un Peuple – Un But – Une Foi", "Page de garde", size=11, italic=True)
    b.p("")
    b.tag("{%p if region %}")
    b.p("Région de {{ region }}", "Page de garde")
    b.tag("{%p endif %}")
    b.tag("{%p if cercle %}")
    b.p("Cercle de {{ cercle }}", "Page de garde")
    b.tag("{%p endif %}")
    b.p("{{ collectivite }}", "Page de garde", bold=True, size=18)
    b.tag("{%p if membres %}")
    b.p("Collectivités membres : {{ membres }}", "Page de garde", size=10)
    b.tag("{%p endif %}")
    b.p("")
    b.p("{{ titre }}", "Title", center=True)
    b.p("Plan de développement économique, social et culturel (PDESC) intégrant la migration", "Page de garde")
    b.p("Période {{ periode }}", "Page de garde", bold=True, size=16)
    b.p("")
    b.tag("{%p if mention_projet %}")
    b.p("{{ mention_projet }}", "Page de garde", bold=True, color=RED, size=16)
    b.tag("{%p endif %}")
    b.tag("{%p if adopte %}")
    b.p("Adopté par la délibération n° {{ deliberation.numero }} du {{ deliberation.date }}", "Page de garde")
    b.tag("{%p endif %}")
    b.p("Statut : {{ statut }} — version {{ version }} — édité le {{ date_edition }}", "Page de garde", size=10)

    # Sommaire (a new page: the style breaks before it)
    b.p("Sommaire", "Titre du sommaire")
    _complex_field(doc.add_paragraph(style="toc 1"), TOC_INSTRUCTION, "Sommaire")

    # Acronyms
    b.h("Sigles et abréviations", 1)
    b.table(["Sigle", "Signification"], "s in sigles", ["{{ s.sigle }}", "{{ s.sens }}"], widths=[3, 13.6],
            bold_first=True)

    # Summary
    b.h("Résumé", 1)
    b.tag("{%p if resume %}")
    b.p("{{ resume }}")
    b.tag("{%p endif %}")
    b.h("Chiffres clés", 2)
    b.table(["Donnée", "Valeur"], "c in chiffres_cles", ["{{ c.libelle }}", "{{ c.valeur }}"], right={1},
            widths=[10.6, 6])
    b.p("Situation du financement (les mêmes montants qu'au chapitre V, section 5.2) :", keep=True)
    b.table(["État du financement", "Montant (FCFA)", "Part du coût"], "e in etats_financement",
            ["{{ e.etat }}", "{{ e.montant }}", "{{ e.part }}"], right={1, 2}, widths=[9.6, 4, 3])
    b.bullets("ligne in resume_chiffres", "{{ ligne }}")

    # I Introduction
    b.h("I. Introduction", 1)
    b.h("1.1 Contexte", 2)
    b.paragraphs("texte in contexte", "{{ texte }}")
    b.h("1.2 Démarche d'élaboration", 2)
    b.paragraphs("texte in demarche_textes", "{{ texte }}")
    b.table(["N°", "Étape", "Date", "Lieu", "Participants"], "e in demarche",
            ["{{ e.numero }}", "{{ e.etape }}", "{{ e.date }}", "{{ e.lieu }}", "{{ e.total }}"],
            totals=["", "Total des participants", "", "", "{{ demarche_totaux.total }}"],
            right={4}, widths=[0.8, 5, 2.8, 5.8, 2.2])
    b.tag("{%p if bilan_precedent %}")
    b.h("1.3 Bilan du plan précédent", 2)
    b.paragraphs("texte in bilan_precedent", "{{ texte }}")
    b.tag("{%p endif %}")

    # II Territory
    b.h("II. Présentation du territoire", 1)
    b.h("2.1 Situation géographique et administrative", 2)
    b.paragraphs("texte in territoire", "{{ texte }}")
    b.table(["Rubrique", "Valeur"], "t in territoire_fiche", ["{{ t.libelle }}", "{{ t.valeur }}"],
            widths=[6, 10.6], bold_first=True)
    b.tag("{%p if membres_table %}")
    b.h("Collectivités membres", 3)
    b.table(["Collectivité", "Rattachement", "Pays"], "m in membres_table",
            ["{{ m.nom }}", "{{ m.rattachement }}", "{{ m.pays }}"], widths=[5, 7.6, 4])
    b.tag("{%p endif %}")
    b.h("2.2 Population", 2)
    b.paragraphs("texte in population_textes", "{{ texte }}")
    b.table(["Année", "Population", "Source", "Observation"], "r in population",
            ["{{ r.annee }}", "{{ r.population }}", "{{ r.source }}", "{{ r.note }}"], right={1},
            widths=[1.6, 2.6, 5, 7.4])
    b.h("2.3 Villages, quartiers et localités", 2)
    b.paragraphs("texte in localites_textes", "{{ texte }}")
    b.h("2.4 Carte du territoire et des actions", 2)
    b.p("{{ carte }}", center=True, keep=True)
    b.p("{{ carte_legende }}", "Caption", center=True)

    # III Situation de référence
    b.h("III. Situation de référence", 1)
    b.h("3.1 Diagnostic sectoriel", 2)
    b.tag("{%p for d in diagnostics %}")
    b.h("{{ d.titre }}", 3)
    b.p("Constats : {{ d.constats }}")
    b.p("Atouts : {{ d.atouts }}")
    b.p("Contraintes : {{ d.contraintes }}")
    b.p("Potentialités : {{ d.potentialites }}")
    b.tag("{%p endfor %}")
    b.h("3.2 Constats clés", 2)
    b.bullets("c in constats", "{{ c.theme }} : {{ c.texte }}")
    b.h("3.3 Profil migratoire", 2)
    b.h("Émigration, retours, déplacements et transferts", 3)
    b.table(["Donnée", "Valeur"], "m in migration_chiffres", ["{{ m.libelle }}", "{{ m.valeur }}"], right={1},
            widths=[10.6, 6])
    b.paragraphs("m in migration_textes", "{{ m.libelle }} : {{ m.texte }}")
    b.h("Principales destinations", 3)
    b.table(["Pays", "Ville", "Effectif", "Tendance"], "d in destinations",
            ["{{ d.pays }}", "{{ d.ville }}", "{{ d.effectif }}", "{{ d.tendance }}"], right={2},
            totals=["Total", "", "{{ destinations_total }}", ""], widths=[5, 4.6, 3, 4])
    b.h("Associations de la diaspora", 3)
    b.table(["Association", "Pays d'accueil", "Ville", "Autres sections", "Secteurs d'intervention"],
            "a in associations", ["{{ a.nom }}", "{{ a.pays }}", "{{ a.ville }}", "{{ a.sections }}",
                                  "{{ a.secteurs }}"], widths=[3.5, 2.6, 2.5, 3.5, 4.5])
    b.h("Projets de codéveloppement réalisés", 3)
    b.table(["Projet", "Localité", "Secteur", "Année", "Coût (FCFA)", "Financeurs", "État"], "c in codev",
            ["{{ c.titre }}", "{{ c.localite }}", "{{ c.secteur }}", "{{ c.annee }}", "{{ c.cout }}",
             "{{ c.financeurs }}", "{{ c.etat }}"], right={3, 4}, widths=[3, 2.2, 2.4, 1.3, 2.6, 3, 2.1])

    # IV Orientations
    b.h("IV. Orientations stratégiques", 1)
    b.tag("{%p for a in axes %}")
    b.h("Axe {{ a.numero }} : {{ a.titre }}", 2)
    b.p("Objectif général : {{ a.objectif_general }}")
    b.tag("{%p if a.migration %}")
    b.p("La migration est prise en compte de façon transversale dans cet axe.")
    b.tag("{%p endif %}")
    b.bullets("o in a.objectifs", "Objectif spécifique {{ o.numero }} : {{ o.titre }}{{ o.constats }}")
    b.tag("{%p endfor %}")
    b.h("Priorisation des besoins", 2)
    b.p("{{ grille_texte }}")
    b.table(["Code", "Critère", "Poids"], "c in criteres", ["{{ c.code }}", "{{ c.nom }}", "{{ c.poids }}"],
            right={2}, widths=[1.6, 12, 3])
    b.table(["Rang", "Priorité", "Axe", "Score"], "p in priorites",
            ["{{ p.rang }}", "{{ p.titre }}", "{{ p.axe }}", "{{ p.score }}"], right={0, 3},
            widths=[1.1, 6, 1.5, 2.0], year_width=1.4,
            year_header=(3, "c in criteres", "{{ c.code }}"),
            year_cells=(3, "n in p.notes", "{{ n }}"))

    # V Programmation: a landscape section for the wide tables, from the chapter's first page (the section break
    # starts the page: the heading does not break again)
    _new_section(b, landscape=True)
    b.h("V. Programmation", 1).paragraph_format.page_break_before = False
    b.paragraphs("texte in programmation_textes", "{{ texte }}")
    b.h("5.1 Plan d'investissement pluriannuel (PIP) {{ periode }}", 2)
    b.table(["N°", "Secteur", "Action", "Localité(s)", "Quantité", "Coût unitaire (FCFA)", "Coût total (FCFA)"],
            "r in pip",
            ["{{ r.numero }}", "{{ r.secteur }}", "{{ r.action }}", "{{ r.localites }}", "{{ r.quantite }}",
             "{{ r.cout_unitaire }}", "{{ r.total }}"],
            totals=["", "Total", "{{ pip_nombre }} actions", "", "", "", "{{ pip_total }}"],
            right={4, 5, 6}, widths=[0.8, 2.2, 4.0, 2.4, 1.5, 2.3, 2.6], year_width=2.1,
            year_header=(7, "annee in annees", "{{ annee }}"),
            year_cells=(7, "montant in r.annees", "{{ montant }}"),
            year_totals=(7, "montant in pip_totaux_annees", "{{ montant }}"))
    b.h("5.2 Plan de financement par source et par année", 2)
    b.table(["Source de financement (FCFA)", "Total", "Part"], "f in financement",
            ["{{ f.source }}", "{{ f.total }}", "{{ f.part }}"],
            totals=["Total", "{{ financement_total }}", "{{ financement_part }}"], right={1, 2},
            widths=[5.5, 2.8, 2.0], year_width=2.6,
            year_header=(1, "annee in annees", "{{ annee }}"),
            year_cells=(1, "montant in f.annees", "{{ montant }}"),
            year_totals=(1, "montant in financement_totaux_annees", "{{ montant }}"))
    b.p("Situation du financement :", keep=True)
    b.table(["État du financement", "Montant (FCFA)", "Part du coût", "Définition"], "e in etats_financement",
            ["{{ e.etat }}", "{{ e.montant }}", "{{ e.part }}", "{{ e.sens }}"], right={1, 2},
            widths=[5, 3.5, 2.5, 15.7])
    b.bullets("texte in financement_textes", "{{ texte }}")
    _new_section(b, landscape=False)
    b.h("5.3 Coûts par secteur et par axe", 2)
    b.table(["Secteur", "Coût total (FCFA)", "Part"], "s in par_secteur",
            ["{{ s.secteur }}", "{{ s.total }}", "{{ s.part }}"],
            totals=["Total", "{{ pip_total }}", "{{ par_secteur_part_totale }}"], right={1, 2}, widths=[9.6, 4, 3])
    b.table(["Axe stratégique", "Actions", "Coût total (FCFA)"], "a in par_axe",
            ["{{ a.titre }}", "{{ a.nombre }}", "{{ a.total }}"],
            totals=["Total", "{{ pip_nombre }}", "{{ pip_total }}"],
            right={1, 2}, widths=[10.6, 2, 4])
    b.h("5.4 Plan d'investissement annuel (PIA) {{ pia_annee }}", 2)
    b.p("{{ pia_texte }}")
    b.table(["N°", "Action", "Secteur", "Montant {{ pia_annee }} (FCFA)"], "r in pia",
            ["{{ r.numero }}", "{{ r.action }}", "{{ r.secteur }}", "{{ r.montant }}"],
            totals=["", "Total", "", "{{ pia_total }}"], right={3}, widths=[1, 8, 4.6, 3])
    b.table(["Source de financement", "Montant {{ pia_annee }} (FCFA)"], "s in pia_par_source",
            ["{{ s.source }}", "{{ s.montant }}"], totals=["Total", "{{ pia_financement_total }}"], right={1},
            widths=[11.6, 5])

    # VI Suivi-évaluation
    b.h("VI. Suivi-évaluation", 1)
    b.p("{{ suivi_texte }}")
    b.table(["Catégorie", "Indicateur", "Unité", "Référence", "Cibles", "Source"], "i in indicateurs",
            ["{{ i.categorie }}", "{{ i.nom }}", "{{ i.unite }}", "{{ i.reference }}", "{{ i.cibles }}",
             "{{ i.source }}"], widths=[2.8, 4.2, 1.6, 2.4, 3.2, 2.4])

    # Annexes
    b.h("Annexes", 1)
    _deliberation(b)
    b.h("Annexe 2 : Participants à chaque étape de l'élaboration", 2, new_page=True)
    b.p("{{ participants_texte }}")
    b.table(["N°", "Étape", "Hommes", "Femmes", "Total (H\u00a0+\u00a0F)", "dont jeunes", "dont diaspora"],
            "e in demarche",
            ["{{ e.numero }}", "{{ e.etape }}", "{{ e.hommes }}", "{{ e.femmes }}", "{{ e.total }}",
             "{{ e.jeunes }}", "{{ e.diaspora }}"],
            totals=["", "Total", "{{ demarche_totaux.hommes }}", "{{ demarche_totaux.femmes }}",
                    "{{ demarche_totaux.total }}", "{{ demarche_totaux.jeunes }}", "{{ demarche_totaux.diaspora }}"],
            right={2, 3, 4, 5, 6}, widths=[0.8, 5.8, 1.8, 1.8, 2.2, 2, 2.2])
    b.h("Annexe 3 : Actions financées par la diaspora", 2)
    b.table(["Action", "Association ou source", "Montant (FCFA)", "Part du coût de l'action"], "d in actions_diaspora",
            ["{{ d.action }}", "{{ d.association }}", "{{ d.montant }}", "{{ d.part }}"],
            totals=["Total", "", "{{ diaspora_montant }}", "{{ diaspora_part }} du coût du PIP"], right={2, 3},
            widths=[6, 4.6, 3, 3])
    _fiches(b)
    b.tag("{%p if modifications %}")
    b.h("Modifications depuis la dernière version adoptée", 2, new_page=True)
    b.bullets("m in modifications", "{{ m }}")
    b.tag("{%p endif %}")

    b.save(path)
    return path


def _deliberation(b: Builder) -> None:
    """Annexe 1, the extract of the deliberation in the Malian administrative form: the authorities' block, the
    number and object, the session, the convocation, the members present and represented, « Vu la loi n° 2017-051
    … », « Après en avoir délibéré », the articles, the votes, the ampliations and the signature block."""
    b.h("Annexe 1 : Extrait de la délibération", 2)
    b.tag("{%p if not adopte %}")
    b.p("{{ deliberation.texte }}", "Caption", italic=True)
    b.tag("{%p endif %}")
    top = b.doc.add_table(rows=1, cols=2)
    _no_borders(top)
    top.autofit = False
    left, right = top.rows[0].cells
    left.width, right.width = Cm(8.6), Cm(8)
    left.paragraphs[0].add_run("{{ deliberation.autorite }}").bold = True
    right.paragraphs[0].add_run("RÉPUBLIQUE DU MALI").bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto = right.add_paragraph("Un Peuple – Un But – Une Foi")
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto.runs[0].italic = True
    b.p("", "Après tableau")
    b.p("EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS {{ deliberation.organe_registre }}", bold=True, center=True)
    b.p("Délibération n° {{ deliberation.numero }} du {{ deliberation.date }}", bold=True, center=True)
    b.p("{{ deliberation.objet }}", center=True, italic=True)
    b.paragraphs("texte in deliberation.preambule", "{{ texte }}", "Acte")
    b.paragraphs("texte in deliberation.visas", "{{ texte }}", "Acte")
    b.p("Après en avoir délibéré,", "Acte", bold=True)
    b.p("{{ deliberation.decision }}", "Acte", bold=True, center=True)
    b.tag("{%p for a in deliberation.articles %}")
    b.p("Article {{ a.numero }} : {{ a.texte }}", "Acte")
    b.tag("{%p endfor %}")
    b.p("{{ deliberation.votes }}", "Acte", keep=True)
    b.p("{{ deliberation.lieu_date }}", "Acte", keep=True)
    signature = b.doc.add_table(rows=1, cols=2)
    _no_borders(signature)
    signature.autofit = False
    for row in signature.rows:
        _cant_split(row)
        row.cells[0].width, row.cells[1].width = Cm(8.3), Cm(8.3)
    _set_cell(signature.rows[0].cells[0], "Ampliations :", bold=True, size=10)
    signature.rows[0].cells[0].add_paragraph("{{ deliberation.ampliations_texte }}").runs[0].font.size = Pt(10)
    _set_cell(signature.rows[0].cells[1], "{{ signataire }}", bold=True, center=True, size=11)
    for text in ("", "", "{{ deliberation.signataire_nom }}", "(signature et cachet)"):
        paragraph = signature.rows[0].cells[1].add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    b.p("", "Après tableau")


def _fiches(b: Builder) -> None:
    """Annexe 4, one sheet per action (the file a funder asks for, docs/DOMAIN.md §12): description and expected
    results, localities and map point, maître d'ouvrage, quantity × unit cost, schedule, funding lines with their
    state, the indicators it serves. The first sheet follows its heading; each next one starts a page."""
    b.h("Annexe 4 : Fiches actions", 2, new_page=True)
    b.p("{{ fiches_texte }}")
    b.tag("{%p for f in fiches %}")
    b.tag("{%p if loop.first %}")
    heading = b.p("Fiche action n° {{ f.numero }} : {{ f.titre }}", "Titre de fiche")
    heading.paragraph_format.page_break_before = False
    b.tag("{%p else %}")
    b.p("Fiche action n° {{ f.numero }} : {{ f.titre }}", "Titre de fiche")
    b.tag("{%p endif %}")
    b.table(["Rubrique", "Description"], "l in f.lignes", ["{{ l.libelle }}", "{{ l.valeur }}"],
            widths=[4.6, 12], bold_first=True, fixed=True)
    b.p("Programmation annuelle et financement", bold=True, keep=True)
    b.table(["Année", "Montant programmé (FCFA)"], "a in f.programmation", ["{{ a.annee }}", "{{ a.montant }}"],
            totals=["Total", "{{ f.cout_total }}"], right={1}, widths=[8.3, 8.3], fixed=True)
    b.table(["Source", "Financeur", "Statut", "Montant (FCFA)", "Part"], "l in f.financements",
            ["{{ l.source }}", "{{ l.financeur }}", "{{ l.statut }}", "{{ l.montant }}", "{{ l.part }}"],
            totals=["Total identifié", "", "", "{{ f.finance_total }}", "{{ f.finance_part }}"], right={3, 4},
            widths=[4.4, 5.0, 2.4, 2.8, 2.0], fixed=True)
    b.p("{{ f.financement_texte }}")
    b.p("Indicateurs de suivi : {{ f.indicateurs }}")
    b.tag("{%p endfor %}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    print(build(args.output))


if __name__ == "__main__":
    main()
