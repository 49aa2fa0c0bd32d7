"""The council document (plans/documents/plan_document.py): rendered from templates_docx/pdl_m.docx, read back with
python-docx, converted with LibreOffice for the page count, and the model checks."""
from __future__ import annotations

import io
import re
import subprocess
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
from tests.conftest import require_tool

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
                     "III. Situation de référence", "3.4 Profil migratoire", "IV. Orientations stratégiques",
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
                  ("Projet",), ("Critère", "Poids"), ("Rang", "Priorité"), ("Secteur", "Coût total (FCFA)"),
                  ("Axe stratégique",), ("Catégorie", "Indicateur")):
        _table(doc, *first)
    steps = _rows(_table(doc, "N°", "Étape"))
    assert len(steps) == 1 + len(plan.process_steps) + 1 and steps[-1][1] == "Total"
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


def test_pdf_conversion(session, tricky_tc1, cases, tmp_path):
    soffice = require_tool("soffice", "libreoffice-writer-nogui")
    require_tool("pdftotext", "poppler-utils")
    pages = {}
    for name, plan in cases.items():
        docx = tmp_path / f"{name}.docx"
        docx.write_bytes(export_docx.render_docx(plan, session))
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=180)
        pdf = tmp_path / f"{name}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        pages[name] = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        flat = re.sub(r"\s+", " ", plain(text))
        assert "Plan d'investissement" in flat.replace("’", "'"), name
        assert 8 <= pages[name] <= 60, (name, pages[name])
        if name == "TC1":
            assert "160 000 000" in flat
            assert re.sub(r"\s+", " ", "PDESC de Koniakary — " + TRICKY) in flat
    print("pages:", pages)


def test_filename(cases):
    assert export_docx.docx_filename(cases["TC1"]) == "PDESC_Koniakary_2025-2029.docx"


def test_shipped_template_structure():
    """Styles, header field, TOC refreshed on opening, landscape section, repeated table headers."""
    with zipfile.ZipFile(export_docx.SHIPPED_TEMPLATE) as z:
        document = z.read("word/document.xml").decode()
        settings = z.read("word/settings.xml").decode()
        headers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
        footers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    assert '<w:updateFields w:val="true"/>' in settings
    assert 'w:instr="TOC \\o &quot;1-3&quot; \\h \\z \\u"' in document
    assert 'w:orient="landscape"' in document and "<w:tblHeader" in document
    assert "{{ collectivite }}" in headers and 'w:instr="PAGE"' in footers
    doc = Document(str(export_docx.SHIPPED_TEMPLATE))
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
