"""The council document as a council reads it: the three test cases and a 150-action plan rendered
(plans/documents/plan_document.py), converted by LibreOffice with the sommaire updated (plans/documents/office.py),
and read back with poppler (pdftotext -layout, pdfinfo). The four conversions run once for the module."""
from __future__ import annotations

import re
import subprocess
from io import BytesIO

import pytest
import sqlalchemy as sa
from docx import Document

from app import create_app
from app.extensions import db
from plans.core.formatting import number, plain
from plans.demo import data as D
from plans.demo import seed as demo
from plans.documents import office as office_module
from plans.documents import plan_document as export_docx
from plans.planning import finance, indicators
from plans.planning.models import Plan
from tests.conftest import app_config, require_tool

BIG = 150
CHAPTERS = ("Sigles et abréviations", "Résumé", "I. Introduction", "II. Présentation du territoire",
            "III. Situation de référence", "IV. Orientations stratégiques", "V. Programmation", "VI. Suivi-évaluation",
            "Annexes")
# The header row of each table of the shipped model (the cells' first words, in order): pdftotext -layout must
# show each of these words whole on one line — a word broken by a narrow column (« Homm/es ») is not there.
TABLE_HEADERS = (
    ("Sigle", "Signification"), ("Donnée", "Valeur"), ("État", "Montant", "Part"),
    ("N°", "Étape", "Date", "Lieu", "Participants"), ("Rubrique", "Valeur"), ("Année", "Population", "Source",
                                                                            "Observation"),
    ("Pays", "Ville", "Effectif", "Tendance"), ("Code", "Critère", "Poids"), ("Rang", "Priorité", "Axe"),
    ("N°", "Secteur", "Action", "Localité(s)", "Quantité", "Coût", "Coût"), ("Source", "Total", "Part"),
    ("Secteur", "Coût", "Part"), ("Axe", "Actions", "Coût"), ("N°", "Action", "Secteur", "Montant"),
    ("Catégorie", "Indicateur", "Unité", "Référence", "Cibles", "Source"),
    ("N°", "Étape", "Hommes", "Femmes", "Total", "dont", "dont"), ("Action", "Association", "Montant", "Part"),
    ("Rubrique", "Description"), ("Année", "Montant"), ("Source", "Financeur", "Statut", "Montant", "Part"),
)


def _years_of(plan) -> set[int]:
    years = set(plan.years) | {r.year for r in plan.population_records if r.year}
    years |= {c.year for c in plan.codev_projects if c.year} | {s.date.year for s in plan.process_steps if s.date}
    years |= {i.baseline_year for i in plan.indicators if i.baseline_year}
    if plan.migration_profile is not None and plan.migration_profile.data_year:
        years.add(plan.migration_profile.data_year)
    return years


def _words_in_order(line: str, words: tuple[str, ...]) -> bool:
    position = 0
    for word in words:
        match = re.compile(r"(?<!\S)" + re.escape(word) + r"(?!\S)").search(line, position)
        if match is None:
            return False
        position = match.end()
    return True


@pytest.fixture(scope="module")
def converted(databases, seeded_template_database, tmp_path_factory):
    """{name: (plan facts, [page texts], sommaire entries, .docx with pages)} for TC1, TC2, TC3 and a plan of 150
    actions: one LibreOffice conversion each, for the whole module."""
    require_tool("soffice", "libreoffice-writer-nogui")
    require_tool("pdftotext", "poppler-utils")
    office = office_module.Office(soffice="soffice", timeout=300)
    reason = office.unavailable()
    if reason is not None:
        pytest.fail(reason)
    url = databases.copy_of(seeded_template_database)
    app = create_app(app_config(url))
    out = {}
    folder = tmp_path_factory.mktemp("pdf")
    try:
        with app.app_context():
            big = demo.seed_random_plans(db.session, 1, actions=BIG, seed=13)[0]
            db.session.commit()
            uuids = {"TC1": D.TC1_UUID, "TC2": D.TC2_UUID, "TC3": D.TC3_UUID}
            ids = {name: db.session.scalar(sa.select(Plan.id).where(Plan.uuid == uuid)) for name, uuid in uuids.items()}
            ids["BIG"] = big.id
            for name, plan_id in ids.items():
                db.session.expire_all()
                plan = db.session.get(Plan, plan_id, options=finance.load_options())
                pf = finance.plan_finance(plan)
                facts = {"title": plan.title, "actions": [a.title for a in plan.actions],
                         "states": indicators.funding_states(pf), "total": pf.total,
                         "header": f"PDESC {plan.period_start}-{plan.period_end}",
                         "years": _years_of(plan)}
                data = export_docx.render_docx(plan, db.session, toc_note=False)
                result = office.convert(data)
                pdf = folder / f"{name}.pdf"
                pdf.write_bytes(result.pdf)
                text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                                      text=True).stdout
                info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
                pages = [plain(p) for p in text.split("\f")]
                count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
                out[name] = (facts, pages[:count], result.toc, export_docx.set_toc_pages(data, result.toc))
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        databases.drop(url)
    return out


def test_every_page_has_the_header_and_page_n_of_m(converted):
    for name, (facts, pages, _, _) in converted.items():
        total = len(pages)
        assert total >= 15, (name, total)
        for n, page in enumerate(pages[1:], 2):  # the cover (page 1) is bare, as a council document's is
            assert facts["header"] in page, (name, n)
            assert f"Page {n} sur {total}" in page, (name, n)
        assert "Page 1 sur" not in pages[0]


def test_sommaire_lists_the_chapters_with_their_pages(converted):
    for name, (_, pages, toc, docx) in converted.items():
        sommaire = pages[1]
        assert "Sommaire" in sommaire
        for chapter in CHAPTERS:
            entry = next((e for e in toc if e["text"] == chapter), None)
            assert entry is not None and entry["level"] == 1, (name, chapter)
            page = int(entry["page"])
            assert re.search(re.escape(chapter) + r"\s*\.{3,}\s*" + str(page) + r"\s*$", sommaire, re.M), \
                (name, chapter)
            # the chapter starts on the page the sommaire gives
            assert re.search(r"^\s*" + re.escape(chapter) + r"\s*$", pages[page - 1], re.M), (name, chapter, page)
        # the .docx carries the same numbers
        assert f"I. Introduction\t{next(e['page'] for e in toc if e['text'] == 'I. Introduction')}".encode() \
            in _document_xml_text(docx)


def _document_xml_text(docx: bytes) -> bytes:
    return "\n".join(p.text for p in Document(BytesIO(docx)).paragraphs).encode()


def test_table_headers_unbroken_and_no_year_grouped(converted):
    for name, (facts, pages, _, _) in converted.items():
        lines = [line for page in pages for line in page.splitlines()]
        for header in TABLE_HEADERS:
            assert any(_words_in_order(line, header) for line in lines), (name, header)
        text = "\n".join(pages)
        for year in facts["years"]:  # every year the plan holds, never grouped like an amount (« 2 019 »)
            grouped = re.compile(r"(?<!\d)(?<!\d )" + re.escape(number(year, plain=True)) + r"(?!\d)(?! \d{3})")
            assert not grouped.search(text), (name, year)


def _states_rows(page: str) -> dict[str, str]:
    rows = {}
    for label in ("Financement identifié", "Acquis", "Promis", "À rechercher", "Non couvert"):
        match = re.search(r"^\s*" + re.escape(label) + r"\s+([\d ]+\d)\s+\d", page, re.M)
        if match:
            rows[label] = match.group(1).strip()
    return rows


def test_resume_amounts_equal_chapter_v(converted):
    for name, (facts, pages, toc, _) in converted.items():
        start = {e["text"]: int(e["page"]) for e in toc}
        resume = "\n".join(pages[start["Résumé"] - 1:start["I. Introduction"] - 1])
        chapter = "\n".join(pages[start["5.2 Plan de financement par source et par année"] - 1:
                                  start["5.3 Coûts par secteur et par axe"] - 1])
        states = facts["states"]
        expected = {"Financement identifié": states.identified, "Acquis": states.secured,
                    "Promis": states.promised, "À rechercher": states.to_find, "Non couvert": states.not_covered}
        expected = {k: number(v, plain=True) for k, v in expected.items()}
        assert _states_rows(resume) == expected, name
        assert _states_rows(chapter) == expected, name
        sentence = f"à rechercher : {expected['À rechercher']} FCFA"
        assert sentence in re.sub(r"\s+", " ", resume) and sentence in re.sub(r"\s+", " ", chapter), name


def test_each_action_has_its_sheet(converted):
    for name, (facts, pages, _, _) in converted.items():
        text = re.sub(r"\s+", " ", "\n".join(pages))
        for n, title in enumerate(facts["actions"], 1):
            one_line = re.sub(r"\s+", " ", title)
            assert f"Fiche action n° {n} : {one_line}" in text, (name, n)
        assert len(re.findall(r"Fiche action n° \d+ :", text)) == len(facts["actions"])
