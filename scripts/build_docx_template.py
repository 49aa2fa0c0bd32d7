"""Generates templates_docx/pdl_m.docx, the Word model of the council document (PDESC/PDSEC integrating migration).

    .venv/bin/python scripts/build_docx_template.py [-o templates_docx/pdl_m.docx]

The model is an ordinary .docx with docxtpl (Jinja) tags typed in (docs/ARCHITECTURE.md, pitfall 9): every
`{%p … %}` tag has a paragraph of its own, every `{%tr … %}` tag a row of its own, every `{%tc … %}` tag a cell
of its own. Real styles
(Heading 1–3, a table style "Tableau PDL-M", List Bullet), a header with {{ collectivite }}, page numbers (PAGE
field) in the footer, a cover page without header, a TOC field that Word refreshes on opening (w:updateFields in
settings.xml) and a landscape section for the PIP and the financing plan, whose header rows repeat on each page
(w:tblHeader). The variables are listed in templates_docx/README.md and in plans/documents/plan_document.py (VARIABLES).

Edit this script, not the .docx, and run it again: the generated file is committed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "templates_docx" / "pdl_m.docx"
TABLE_STYLE = "Tableau PDL-M"
GREEN = RGBColor(0x1B, 0x5E, 0x20)


# --- low-level helpers -----------------------------------------------------------------------------------------

def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A simple field (w:fldSimple) in a paragraph: PAGE, NUMPAGES, TOC…"""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    if placeholder:
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.set(qn("xml:space"), "preserve")
        text.text = placeholder
        run.append(text)
        fld.append(run)
    paragraph._p.append(fld)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _set_cell(cell, text: str, *, bold=False, right=False, size: float = 9) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)  # explicit: LibreOffice lets the Normal style (11 pt) win over the table style
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


class Builder:
    def __init__(self) -> None:
        self.doc = Document()
        self.available = 16.6  # cm between the margins; 26.7 in the landscape section
        self.font_size = 9.0  # pt in tables; 8.5 in the landscape section
        self._styles()

    # styles
    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(11)
        normal.paragraph_format.space_after = Pt(6)
        for level, size in ((1, 16), (2, 13), (3, 11.5)):
            style = styles[f"Heading {level}"]
            style.font.size = Pt(size)
            style.font.color.rgb = GREEN
            style.paragraph_format.keep_with_next = True
        title = styles["Title"]
        title.font.size = Pt(24)
        title.font.color.rgb = GREEN
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

    # paragraphs
    def p(self, text: str = "", style: str | None = None, *, bold=False, center=False, color=None, size=None):
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            run = paragraph.add_run(text)
            run.bold = bold
            if color is not None:
                run.font.color.rgb = color
            if size is not None:
                run.font.size = Pt(size)
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return paragraph

    def tag(self, text: str):
        """A paragraph holding only a {%p … %} tag (removed on rendering)."""
        return self.doc.add_paragraph(text)

    def h(self, text: str, level: int):
        return self.doc.add_heading(text, level)

    def bullets(self, loop: str, line: str) -> None:
        self.tag(f"{{%p for {loop} %}}")
        self.p(line, "List Bullet")
        self.tag("{%p endfor %}")

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # tables
    def table(self, headers: list[str], loop: str, cells: list[str], *, totals: list[str] | None = None,
              right: set[int] = frozenset(), widths: list[float] | None = None,
              year_header: tuple[int, str, str] | None = None, year_cells: tuple[int, str, str] | None = None,
              year_totals: tuple[int, str, str] | None = None, year_width: float = 2.0):
        """A table: a header row (repeated on each page), a {%tr for %} row, the data row, a {%tr endfor %} row and
        optionally a totals row. `year_*` = (index, loop, cell text): three cells {%tc for loop %} / text /
        {%tc endfor %} inserted at index (the per-year columns, 3 or 5 of them)."""
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
        _repeat_header(row)
        for i, text in enumerate(header):
            _set_cell(row.cells[i], text, bold=True, size=self.font_size)
            _shade(row.cells[i], "D9EAD3")
        loop_row = table.add_row()
        merged = loop_row.cells[0].merge(loop_row.cells[n - 1])
        merged.paragraphs[0].add_run(f"{{%tr for {loop} %}}")
        row = table.add_row()
        _cant_split(row)
        for i, text in enumerate(data):
            _set_cell(row.cells[i], text, right=i in right_cols, size=self.font_size)
        end_row = table.add_row()
        merged = end_row.cells[0].merge(end_row.cells[n - 1])
        merged.paragraphs[0].add_run("{%tr endfor %}")
        if total is not None:
            row = table.add_row()
            for i, text in enumerate(total):
                _set_cell(row.cells[i], text, bold=True, right=i in right_cols, size=self.font_size)
                _shade(row.cells[i], "F2F2F2")
        table.autofit = False
        for r in table.rows:
            for i, w in enumerate(widths):
                r.cells[i].width = Cm(w)
        for col, w in zip(table.columns, widths):
            col.width = Cm(w)
        self.doc.add_paragraph()
        return table

    def save(self, path: Path) -> None:
        settings = self.doc.settings.element
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)
        lang = self.doc.styles.element.find(qn("w:docDefaults"))
        if lang is not None:
            rpr = lang.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                element = OxmlElement("w:lang")
                element.set(qn("w:val"), "fr-FR")
                rpr.append(element)
        core = self.doc.core_properties
        core.title = "Plan de développement local intégrant la migration (PDL-M)"
        core.author = "PDL-M"
        core.language = "fr-FR"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))


# --- the document ------------------------------------------------------------------------------------------

def build(path: Path = DEFAULT_OUTPUT) -> Path:
    b = Builder()
    doc = b.doc

    # Page setup, header and footer
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.different_first_page_header_footer = True  # the cover page has neither header nor footer
    header = section.header.paragraphs[0]
    header.text = "{{ collectivite }} — {{ titre_court }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" sur ")
    _field(footer, "NUMPAGES", "1")

    # Cover
    b.p("République du Mali", "Page de garde", bold=True, size=15)
    b.p("Un Peuple – Un But – Une Foi", "Page de garde", size=11)
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
    b.p("{{ mention_projet }}", "Page de garde", bold=True, color=RGBColor(0xC0, 0x00, 0x00), size=16)
    b.tag("{%p endif %}")
    b.tag("{%p if adopte %}")
    b.p("Adopté par la délibération n° {{ deliberation.numero }} du {{ deliberation.date }}", "Page de garde")
    b.tag("{%p endif %}")
    b.p("Statut : {{ statut }} — version {{ version }} — édité le {{ date_edition }}", "Page de garde", size=10)
    b.page_break()

    # Table of contents
    b.p("Sommaire", "Titre du sommaire")
    toc = doc.add_paragraph()
    _field(toc, 'TOC \\o "1-3" \\h \\z \\u',
           "Le sommaire se met à jour à l'ouverture du document (sinon : clic droit, « Mettre à jour les champs »).")
    b.page_break()

    # Acronyms
    b.h("Sigles et abréviations", 1)
    b.table(["Sigle", "Signification"], "s in sigles", ["{{ s.sigle }}", "{{ s.sens }}"], widths=[3, 13])

    # Summary
    b.h("Résumé", 1)
    b.tag("{%p if resume %}")
    b.p("{{ resume }}")
    b.tag("{%p endif %}")
    b.bullets("ligne in resume_chiffres", "{{ ligne }}")

    # I Introduction
    b.h("I. Introduction", 1)
    b.h("1.1 Contexte", 2)
    b.tag("{%p for texte in contexte %}")
    b.p("{{ texte }}")
    b.tag("{%p endfor %}")
    b.h("1.2 Démarche d'élaboration", 2)
    b.tag("{%p for texte in demarche_textes %}")
    b.p("{{ texte }}")
    b.tag("{%p endfor %}")
    b.table(["N°", "Étape", "Date", "Lieu", "Hommes", "Femmes", "Jeunes", "Diaspora", "Total (H + F)"], "e in demarche",
            ["{{ e.numero }}", "{{ e.etape }}", "{{ e.date }}", "{{ e.lieu }}", "{{ e.hommes }}", "{{ e.femmes }}",
             "{{ e.jeunes }}", "{{ e.diaspora }}", "{{ e.total }}"],
            totals=["", "Total", "", "", "{{ demarche_totaux.hommes }}", "{{ demarche_totaux.femmes }}",
                    "{{ demarche_totaux.jeunes }}", "{{ demarche_totaux.diaspora }}", "{{ demarche_totaux.total }}"],
            right={4, 5, 6, 7, 8}, widths=[0.8, 3.6, 2.2, 3, 1.4, 1.4, 1.4, 1.5, 1.3])

    # II Territory
    b.h("II. Présentation du territoire", 1)
    b.tag("{%p for texte in territoire %}")
    b.p("{{ texte }}")
    b.tag("{%p endfor %}")
    b.tag("{%p if membres_table %}")
    b.h("2.1 Collectivités membres", 2)
    b.table(["Collectivité", "Rattachement", "Pays"], "m in membres_table",
            ["{{ m.nom }}", "{{ m.rattachement }}", "{{ m.pays }}"], widths=[5, 7, 4])
    b.tag("{%p endif %}")
    b.h("2.2 Carte du territoire et des actions", 2)
    b.p("{{ carte }}", center=True)
    b.p("{{ carte_legende }}", "Caption", center=True)

    # III Situation de référence
    b.h("III. Situation de référence", 1)
    b.h("3.1 Démographie", 2)
    b.table(["Année", "Population", "Source", "Observation"], "r in population",
            ["{{ r.annee }}", "{{ r.population }}", "{{ r.source }}", "{{ r.note }}"], right={1},
            widths=[2, 3, 4, 7])
    b.h("3.2 Diagnostic sectoriel", 2)
    b.tag("{%p for d in diagnostics %}")
    b.h("{{ d.titre }}", 3)
    b.p("Constats : {{ d.constats }}")
    b.p("Atouts : {{ d.atouts }}")
    b.p("Contraintes : {{ d.contraintes }}")
    b.p("Potentialités : {{ d.potentialites }}")
    b.tag("{%p endfor %}")
    b.h("3.3 Constats clés", 2)
    b.bullets("c in constats", "{{ c.theme }} : {{ c.texte }}")
    b.h("3.4 Profil migratoire", 2)
    b.h("Émigration, retours, déplacements et transferts", 3)
    b.table(["Donnée", "Valeur"], "m in migration_chiffres", ["{{ m.libelle }}", "{{ m.valeur }}"], right={1},
            widths=[11, 5])
    b.tag("{%p for m in migration_textes %}")
    b.p("{{ m.libelle }} : {{ m.texte }}")
    b.tag("{%p endfor %}")
    b.h("Principales destinations", 3)
    b.table(["Pays", "Ville", "Effectif", "Tendance"], "d in destinations",
            ["{{ d.pays }}", "{{ d.ville }}", "{{ d.effectif }}", "{{ d.tendance }}"], right={2},
            totals=["Total", "", "{{ destinations_total }}", ""], widths=[4.5, 4.5, 3, 4])
    b.h("Associations de la diaspora", 3)
    b.table(["Association", "Pays d'accueil", "Ville", "Autres sections", "Secteurs d'intervention"],
            "a in associations", ["{{ a.nom }}", "{{ a.pays }}", "{{ a.ville }}", "{{ a.sections }}",
                                  "{{ a.secteurs }}"], widths=[3.5, 2.5, 2.5, 3.5, 4])
    b.h("Projets de codéveloppement réalisés", 3)
    b.table(["Projet", "Localité", "Secteur", "Année", "Coût (FCFA)", "Financeurs", "État"], "c in codev",
            ["{{ c.titre }}", "{{ c.localite }}", "{{ c.secteur }}", "{{ c.annee }}", "{{ c.cout }}",
             "{{ c.financeurs }}", "{{ c.etat }}"], right={3, 4}, widths=[3, 2.2, 2.2, 1.3, 2.6, 3, 1.9])

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
    b.table(["Critère", "Poids"], "c in criteres", ["{{ c.nom }}", "{{ c.poids }}"], right={1}, widths=[12, 4])
    b.table(["Rang", "Priorité", "Axe", "Score"], "p in priorites",
            ["{{ p.rang }}", "{{ p.titre }}", "{{ p.axe }}", "{{ p.score }}"], right={0, 3},
            widths=[1.1, 4.6, 1.5, 1.8], year_width=1.55,
            year_header=(3, "c in criteres", "{{ c.nom }} (×{{ c.poids }})"),
            year_cells=(3, "n in p.notes", "{{ n }}"))

    # V Programmation: landscape section for the wide tables
    b.h("V. Programmation", 1)
    b.tag("{%p for texte in programmation_textes %}")
    b.p("{{ texte }}")
    b.tag("{%p endfor %}")
    landscape = doc.add_section(WD_SECTION.NEW_PAGE)
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = Cm(29.7), Cm(21)
    landscape.left_margin = landscape.right_margin = Cm(1.5)
    b.available = 26.7
    b.font_size = 8.5
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
    b.tag("{%p for texte in financement_textes %}")
    b.p("{{ texte }}", "List Bullet")
    b.tag("{%p endfor %}")
    portrait = doc.add_section(WD_SECTION.NEW_PAGE)
    portrait.orientation = WD_ORIENT.PORTRAIT
    portrait.page_width, portrait.page_height = Cm(21), Cm(29.7)
    portrait.left_margin = portrait.right_margin = Cm(2.2)
    b.available = 16.6
    b.font_size = 9.0
    b.h("5.3 Coûts par secteur et par axe", 2)
    b.table(["Secteur", "Coût total (FCFA)", "Part"], "s in par_secteur",
            ["{{ s.secteur }}", "{{ s.total }}", "{{ s.part }}"],
            totals=["Total", "{{ pip_total }}", "100 %"], right={1, 2}, widths=[9, 4, 3])
    b.table(["Axe stratégique", "Actions", "Coût total (FCFA)"], "a in par_axe",
            ["{{ a.titre }}", "{{ a.nombre }}", "{{ a.total }}"],
            totals=["Total", "{{ pip_nombre }}", "{{ pip_total }}"],
            right={1, 2}, widths=[10, 2, 4])
    b.h("5.4 Plan d'investissement annuel (PIA) {{ pia_annee }}", 2)
    b.p("{{ pia_texte }}")
    b.table(["N°", "Action", "Secteur", "Montant {{ pia_annee }} (FCFA)"], "r in pia",
            ["{{ r.numero }}", "{{ r.action }}", "{{ r.secteur }}", "{{ r.montant }}"],
            totals=["", "Total", "", "{{ pia_total }}"], right={3}, widths=[1, 8, 4, 3])
    b.table(["Source de financement", "Montant {{ pia_annee }} (FCFA)"], "s in pia_par_source",
            ["{{ s.source }}", "{{ s.montant }}"], totals=["Total", "{{ pia_financement_total }}"], right={1},
            widths=[11, 5])

    # VI Suivi-évaluation
    b.h("VI. Suivi-évaluation", 1)
    b.p("{{ suivi_texte }}")
    b.table(["Catégorie", "Indicateur", "Unité", "Situation de référence", "Cibles", "Source"], "i in indicateurs",
            ["{{ i.categorie }}", "{{ i.nom }}", "{{ i.unite }}", "{{ i.reference }}", "{{ i.cibles }}",
             "{{ i.source }}"], widths=[2.8, 4.2, 1.6, 2.4, 3, 2.4])

    # Annexes
    b.h("Annexes", 1)
    b.h("Annexe 1 : Extrait de la délibération", 2)
    b.p("Délibération n° {{ deliberation.numero }} du {{ deliberation.date }}")
    b.p("Session : {{ deliberation.session }}")
    b.p("{{ deliberation.texte }}")
    b.p("")
    signature = doc.add_table(rows=2, cols=2)
    _no_borders(signature)
    for i, text in enumerate(("{{ signataire }}", "Le Secrétaire général")):
        _set_cell(signature.rows[0].cells[i], text, bold=True)
        signature.rows[0].cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        signature.rows[1].cells[i].paragraphs[0].add_run("\n\n\n(signature et cachet)")
        signature.rows[1].cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    b.p("")
    b.h("Annexe 2 : Actions financées par la diaspora", 2)
    b.table(["Action", "Association ou source", "Montant (FCFA)", "Part du coût de l'action"], "d in actions_diaspora",
            ["{{ d.action }}", "{{ d.association }}", "{{ d.montant }}", "{{ d.part }}"],
            totals=["Total", "", "{{ diaspora_montant }}", "{{ diaspora_part }} du coût du PIP"], right={2, 3},
            widths=[6, 4.5, 3, 2.5])
    b.tag("{%p if modifications %}")
    b.h("Modifications depuis la dernière version adoptée", 2)
    b.tag("{%p for m in modifications %}")
    b.p("{{ m }}", "List Bullet")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")

    b.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    print(build(args.output))


if __name__ == "__main__":
    main()
