"""The council document (plans/documents/plan_document.py): rendered from templates_docx/pdl_m.docx, read back with
python-docx, converted with LibreOffice for the page count, and the model checks."""
from __future__ import annotations

import io
import re
import zipfile

import jinja2
import pytest
import sqlalchemy as sa
from docx import Document
from docxtpl import DocxTemplate

from plans.core.formatting import number, plain
from plans.demo import data as D
from plans.documents import plan_document as export_docx
from plans.planning import finance
from plans.planning.models import DiasporaAssociation, Plan

# A year grouped like an amount (« 2 019 »), not part of a larger amount (« 12 019 », « 2 019 000 »).
YEAR_AS_AMOUNT = re.compile(r"(?<!\d)(?<!\d )(?:1 9[5-9]\d|2 0[0-4]\d)(?!\d)(?! \d{3})")
TRICKY = 'Ségou & Markala <test> "guillemets" {{ x }} {% if %}'


def _plan(session, uuid):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == uuid))
    return session.get(Plan, plan.id, options=finance.load_options())


@pytest.fixture
def cases(session, demo_cases):
    session.commit()
    return {name: _plan(session, uuid) for name, uuid in (("TC1", D.TC1_UUID), ("TC2", D.TC2_UUID),
                                                           ("TC3", D.TC3_UUID))}


@pytest.fixture
def tricky_tc1(session, cases):
    plan = cases["TC1"]
    plan.title = "PDESC de Koniakary — " + TRICKY
    plan.actions[0].title = "Extension du CSCOM " + TRICKY
    plan.findings[0].text = "Constat " + TRICKY
    association = session.scalar(sa.select(DiasporaAssociation).where(DiasporaAssociation.owner_id == plan.owner_id))
    association.contact_name, association.contact_details = "Contact-Confidentiel", "+33 6 12 34 56 78"
    association.contact_consent = True
    session.commit()
    return plan


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _table(doc, *first_cells: str):
    for table in doc.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[:len(first_cells)] == list(first_cells):
            return table
    raise AssertionError(f"no table starting with {first_cells}: "
                         f"{[[c.text for c in t.rows[0].cells] for t in doc.tables]}")


def _rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # merged cells come back once per grid column
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(plain(cell.text))
        rows.append(cells)
    return rows


def test_tc1_read_back(session, tricky_tc1):
    plan = tricky_tc1
    pf = finance.plan_finance(plan)
    doc = Document(io.BytesIO(export_docx.render_docx(plan, session)))
    texts = _texts(doc)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for expected in ("Sigles et abréviations", "Résumé", "I. Introduction", "II. Présentation du territoire",
                     "III. Situation de référence", "3.3 Profil migratoire", "IV. Orientations stratégiques",
                     "V. Programmation", "5.1 Plan d'investissement pluriannuel (PIP) 2025-2029",
                     "5.2 Plan de financement par source et par année", "5.4 Plan d'investissement annuel (PIA) 2025",
                     "VI. Suivi-évaluation", "Annexes", "Annexe 1 : Extrait de la délibération"):
        assert expected in headings, expected
    assert "Modifications depuis la dernière version adoptée" not in headings  # no changes given
    # cover: Mali's motto, the collectivity, the draft mention; user text kept literally, escaped on the way
    assert "Un Peuple – Un But – Une Foi" in texts and "Commune de Koniakary" in texts
    assert "PROJET — document non adopté" in texts
    assert "Région de Kayes" in texts
    assert "PDESC de Koniakary — " + TRICKY in texts
    assert any(("Constat " + TRICKY) in t for t in texts)
    assert doc.inline_shapes and len(doc.inline_shapes) >= 1  # the map
    # header of the document
    assert "Commune de Koniakary" in doc.sections[0].header.paragraphs[0].text

    # PIP: one column per year, totals equal plan_finance's
    pip = _rows(_table(doc, "N°", "Secteur", "Action"))
    assert pip[0] == ["N°", "Secteur", "Action", "Localité(s)", "Quantité", "Coût unitaire (FCFA)", "Coût total (FCFA)",
                      "2025", "2026", "2027", "2028", "2029"]
    assert len(pip) == 1 + 4 + 1
    assert pip[1][2] == "Extension du CSCOM " + TRICKY
    assert pip[-1][6] == "160 000 000" == number(pf.total, plain=True)
    assert pip[-1][7:] == [number(pf.by_year[y], plain=True) for y in pf.years]
    for row, f in zip(pip[1:-1], pf.figures):
        assert row[6] == number(f.total, plain=True)
    # financing plan: source × year, totals, diaspora share
    fin = _rows(_table(doc, "Source de financement (FCFA)", "2025"))
    assert fin[-1][0] == "Total" and fin[-1][-2] == number(pf.funded, plain=True) == "160 000 000"
    assert fin[-1][1:6] == [number(pf.matrix_year_totals[y], plain=True) for y in pf.years]
    diaspora_row = next(r for r in fin if r[0] == "Association de la diaspora")
    assert diaspora_row[-2] == "15 500 000" and diaspora_row[-1] == "9,69 %"
    assert any("15 500 000 FCFA, soit 9,69 % du coût total" in plain(t) for t in texts)
    # PIA = first year of the matrix
    pia = _rows(_table(doc, "N°", "Action", "Secteur"))
    assert pia[-1][-1] == number(pf.pia_total, plain=True)
    # diaspora annex
    annex = _rows(_table(doc, "Action", "Association ou source"))
    assert annex[-1][2] == "15 500 000" and annex[-1][3].startswith("9,69 %")
    assert {r[1] for r in annex[1:-1]} == {"Enndam Jombuku"}
    # the other tables exist
    for first in (("Sigle",), ("N°", "Étape"), ("Année", "Population"), ("Pays", "Ville"), ("Association",),
                  ("Projet",), ("Code", "Critère", "Poids"), ("Rang", "Priorité"), ("Secteur", "Coût total (FCFA)"),
                  ("Axe stratégique",), ("Catégorie", "Indicateur")):
        _table(doc, *first)
    steps = _rows(_table(doc, "N°", "Étape", "Date"))
    assert len(steps) == 1 + len(plan.process_steps) + 1 and steps[-1][1] == "Total des participants"
    participants = _rows(_table(doc, "N°", "Étape", "Hommes"))
    assert participants[-1][1] == "Total" and participants[-1][4] == steps[-1][-1]
    # the associations appear, without their contact details (a public document)
    body = "\n".join(texts + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "Enndam Jombuku" in body
    assert "Contact-Confidentiel" not in body and "+33 6 12 34 56 78" not in body


def test_strict_render_and_no_undeclared_variables(session, cases):
    for plan in cases.values():
        tpl = DocxTemplate(str(export_docx.SHIPPED_TEMPLATE))
        context = export_docx.build_context(plan, session, template=tpl)
        assert tpl.get_undeclared_template_variables(context=context) == set()
        assert set(context) == export_docx.VARIABLES
        tpl.render(context, jinja_env=jinja2.Environment(undefined=jinja2.StrictUndefined), autoescape=True)
        assert len(Document(_saved(tpl)).tables) >= 15


def _saved(tpl) -> io.BytesIO:
    out = io.BytesIO()
    tpl.save(out)
    out.seek(0)
    return out


def test_three_cases_and_the_three_year_period(session, cases):
    for name, plan in cases.items():
        pf = finance.plan_finance(plan)
        doc = Document(io.BytesIO(export_docx.render_docx(plan, session)))
        pip = _rows(_table(doc, "N°", "Secteur", "Action"))
        assert pip[0][7:] == [str(y) for y in pf.years], name
        assert pip[-1][6] == number(pf.total, plain=True), name
        assert len(doc.inline_shapes) >= 1, name
    tc3 = _rows(_table(Document(io.BytesIO(export_docx.render_docx(cases["TC3"], session))), "N°", "Secteur"))
    assert tc3[0][7:] == ["2025", "2026", "2027"]
    tc2 = Document(io.BytesIO(export_docx.render_docx(cases["TC2"], session)))
    members = _rows(_table(tc2, "Collectivité", "Rattachement"))
    assert len(members) == 1 + 12


def test_changes_paragraph_shown_only_when_given(session, cases):
    data = export_docx.render_docx(cases["TC1"], session, changes=["Action « Puits » ajoutée"], with_map=False)
    doc = Document(io.BytesIO(data))
    assert "Modifications depuis la dernière version adoptée" in _texts(doc)
    assert "Action « Puits » ajoutée" in _texts(doc)


def test_filename(cases):
    assert export_docx.docx_filename(cases["TC1"]) == "PDESC_Koniakary_2025-2029.docx"


def test_shipped_template_structure():
    """Styles, header field, TOC field (levels 1–2) refreshed on opening, landscape section, repeated table headers,
    the header and footer on every page of every section, one language setting."""
    with zipfile.ZipFile(export_docx.SHIPPED_TEMPLATE) as z:
        document = z.read("word/document.xml").decode()
        settings = z.read("word/settings.xml").decode()
        headers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
        footers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    assert '<w:updateFields w:val="true"/>' in settings
    assert 'TOC \\o "1-2" \\h \\z \\u' in document
    with zipfile.ZipFile(export_docx.SHIPPED_TEMPLATE) as z:
        styles = z.read("word/styles.xml").decode()
    assert styles.count("<w:lang ") == 1 and 'w:val="fr-FR"' in styles  # one language, in the defaults
    doc = Document(str(export_docx.SHIPPED_TEMPLATE))
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title", "toc 1", "Tableau PDL-M"):
        assert "asciiTheme" not in doc.styles[name].element.xml, name  # no theme font overriding Arial
    assert 'w:ascii="Arial"' in styles
    assert 'w:orient="landscape"' in document and "<w:tblHeader" in document
    assert "{{ collectivite }}" in headers and 'w:instr="PAGE"' in footers
    doc = Document(str(export_docx.SHIPPED_TEMPLATE))
    # only the cover (first page of the first section) is without header; every later section shows it from its
    # first page, landscape included (they inherit the first section's header and footer)
    assert doc.sections[0].different_first_page_header_footer
    assert len(doc.sections) == 3 and doc.sections[1].orientation == 1
    for section in doc.sections[1:]:
        assert not section.different_first_page_header_footer and section.header.is_linked_to_previous
        assert section.footer.is_linked_to_previous
    assert {"Heading 1", "Heading 2", "Heading 3"} <= {p.style.name for p in doc.paragraphs}
    assert "Tableau PDL-M" in {t.style.name for t in doc.tables if t.style is not None}
    # every {%p %} / {%tr %} / {%tc %} tag alone in its paragraph, row or cell
    for p in doc.paragraphs:
        if "{%p" in p.text:
            assert re.fullmatch(r"\{%p [^%]*%\}", p.text), p.text
    for table in doc.tables:
        for row in table.rows:
            texts = {c.text for c in row.cells}
            if any("{%tr" in t for t in texts):
                assert len(texts) == 1 and re.fullmatch(r"\{%tr [^%]*%\}", texts.pop())
            for t in texts:
                if "{%tc" in t:
                    assert re.fullmatch(r"\{%tc [^%]*%\}", t), t


def _toc_lines(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]


def test_sommaire_filled_without_libreoffice_and_numbered_with_its_pages(session, cases):
    """Without LibreOffice the sommaire lists every chapter and section (no invented page numbers) and says how
    to number it; set_toc_pages writes the pages LibreOffice laid out, and Word is no longer asked to update."""
    data = export_docx.render_docx(cases["TC1"], session, with_map=False)
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    assert _toc_lines(doc) == headings and "I. Introduction" in headings and "Annexe 4 : Fiches actions" in headings
    assert all("\t" not in line for line in _toc_lines(doc))
    assert export_docx.TOC_NOTE in _texts(doc)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "w:updateFields" in z.read("word/settings.xml").decode()

    pages = [{"level": 1 if h[0].isupper() and "." in h[:5] or h.startswith(("Sigles", "Résumé", "Annexes")) else 2,
              "text": h, "page": str(n + 3)} for n, h in enumerate(headings)]
    numbered = Document(io.BytesIO(export_docx.set_toc_pages(data, pages)))
    assert _toc_lines(numbered) == [f"{h}\t{n + 3}" for n, h in enumerate(headings)]
    assert export_docx.TOC_NOTE not in _texts(numbered)
    with zipfile.ZipFile(io.BytesIO(export_docx.set_toc_pages(data, pages))) as z:
        assert "w:updateFields" not in z.read("word/settings.xml").decode()


def test_valid_package_title_and_one_language(session, cases):
    for plan in cases.values():
        data = export_docx.render_docx(plan, session, with_map=False)
        doc = Document(io.BytesIO(data))
        assert doc.core_properties.title == plan.title
        assert doc.core_properties.language == "fr-FR"
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.testzip() is None
            styles = z.read("word/styles.xml").decode()
            document = z.read("word/document.xml").decode()
        assert styles.count("<w:lang ") == 1
        # w:tblPr children in the schema's order (Word repairs a package otherwise): width before layout
        for tbl_pr in re.findall(r"<w:tblPr>.*?</w:tblPr>", document, flags=re.S):
            tags = re.findall(r"<w:(tblStyle|tblW|jc|tblBorders|tblLayout|tblCellMar|tblLook)\b", tbl_pr)
            order = ["tblStyle", "tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook"]
            assert tags == sorted(tags, key=order.index), tags


def test_columns_fit_their_longest_word(session, cases):
    """Every data table's columns are at least as wide as the longest word of their header and cells (measured
    with Arial's widths), so neither Word nor LibreOffice breaks « Hommes », « Quantité » or an amount."""
    from plans.documents.metrics import text_width

    doc = Document(io.BytesIO(export_docx.render_docx(cases["TC1"], session, with_map=False)))
    checked = 0
    for table in doc.tables:
        tbl = table._tbl
        if tbl.find(f"{{{tbl.nsmap['w']}}}tr") is None or not table.rows[0]._tr.xpath("./w:trPr/w:tblHeader"):
            continue
        grid = [int(c.get(qn_w("w"))) for c in tbl.tblGrid.findall(qn_w("gridCol", tag=True))]
        for r, row in enumerate(table.rows):
            for j, cell in enumerate(row.cells):
                size = 8.5 if grid and sum(grid) > 12000 else 9
                for word in cell.text.replace("\n", " ").split(" "):
                    if word:
                        assert text_width(word, size, bold=r == 0) * 20 + 140 <= grid[j] + 1, (word, grid[j])
                        checked += 1
    assert checked > 500


def qn_w(name: str, tag: bool = False) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{name}")


def test_years_codes_and_yes_no_as_written_and_masked_points_withheld(session, cases):
    plan = cases["TC1"]
    action = plan.actions[1]
    action.location_precision, action.lat, action.lon = "masquee", 14.123456, -10.654321
    session.commit()
    plan = _plan(session, D.TC1_UUID)
    doc = Document(io.BytesIO(export_docx.render_docx(plan, session, with_map=False)))
    body = "\n".join(_texts(doc) + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    flat = plain(body)
    assert not YEAR_AS_AMOUNT.search(flat), YEAR_AS_AMOUNT.search(flat)
    assert "2019" in flat and "ML010115" in flat
    indicators = _rows(_table(doc, "Catégorie", "Indicateur"))
    focal = next(r for r in indicators if r[1] == "Point focal migration désigné")
    assert focal[3].startswith("Non") and "Oui" in focal[4]
    year_row = next(r for r in indicators if r[1] == "Année des dernières données migratoires")
    assert year_row[3].startswith("2019")
    # the masked action's sheet says so, and its coordinates are nowhere in the document
    assert "Localisation masquée (site sensible)" in body
    assert "14,12" not in flat and "14.12" not in flat and "10,65" not in flat and "14° 07′" not in flat
    # one sheet per action, each with its funding lines and the same total as the PIP
    sheets = [p.text for p in doc.paragraphs if p.style.name == "Titre de fiche"]
    assert sheets == [f"Fiche action n° {n} : {a.title}" for n, a in enumerate(plan.actions, 1)]
