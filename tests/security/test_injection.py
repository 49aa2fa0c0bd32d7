"""The injection corpus (tests/security/corpus.py) in every free-text field of a whole plan — the Koniakary test
case, every row of every section, its actions, funding lines, indicators, associations, comments — and where it
lands: every page of the plan and the reviewers' pages (HTML escaped, scripts never broken out of), the .docx
(text kept literally, no template tag evaluated), the spreadsheets (formulas neutralised), the plan file and the
API (the same text back). The browser half (no script runs, no dialog) is tests/e2e/test_injection_browser.py.
"""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from docx import Document

from plans.core.text import without_control_characters
from plans.demo import data as D
from plans.planning.models import DiasporaAssociation, Plan
from plans.review.models import PlanComment, ReviewCheck
from tests.security.corpus import CODED, FREE_TEXT, PAYLOADS, fill, text_columns

SCRIPT_RE = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
HTML_SPECIAL = re.compile(r"[<>]")  # a quote or & in text is harmless; a tag is not


def test_the_corpus_has_at_least_thirty_payloads_of_every_kind():
    assert len(set(PAYLOADS)) >= 30
    kinds = {"<script": "HTML", "${": "template literal", "`": "backtick", "{{": "Jinja", "{%": "Jinja block",
             "DROP TABLE": "SQL", "=HYPERLINK": "formula", "\x00": "control", "\u202e": "right-to-left",
             "🇲🇱": "emoji"}
    for marker in kinds:
        assert any(marker in p for p in PAYLOADS), kinds[marker]
    assert any(len(p) > 4000 for p in PAYLOADS)


def test_every_text_column_is_classified():
    """A new String/Text column must be declared free text (and so receive the corpus) or coded."""
    for model, columns in text_columns().items():
        for column in columns:
            assert column.key in FREE_TEXT.get(model, ()) + CODED.get(model, ()), f"{model}.{column.key}"


def _storable(value: str) -> str:
    """What the forms and the plan import keep of a typed text (they drop control characters: PostgreSQL
    refuses NUL, XML holds none); stored directly here, the same is left out."""
    return without_control_characters(value)


def _poison(session, plan: Plan, reviewer) -> list[str]:
    stored: list[str] = []
    rows = [plan, *plan.process_steps, *plan.population_records, *plan.sector_diagnostics, *plan.findings,
            *([plan.migration_profile] if plan.migration_profile else []), *plan.destinations,
            *plan.codev_projects, *plan.axes, *[o for a in plan.axes for o in a.objectives], *plan.criteria,
            *plan.priorities, *plan.actions, *[f for a in plan.actions for f in a.funding_lines],
            *plan.indicators,
            *session.scalars(sa.select(DiasporaAssociation).where(DiasporaAssociation.owner_id == plan.owner_id))]
    for offset, row in enumerate(rows):
        if isinstance(row, DiasporaAssociation):
            row.contact_consent = True  # a contact is kept only with the association's consent
        for name, value in zip(FREE_TEXT.get(type(row).__name__, ()), fill(row, offset)):
            setattr(row, name, _storable(value))
            stored.append(_storable(value))
    for i, payload in enumerate(PAYLOADS[:6]):
        session.add(PlanComment(plan_id=plan.id, section="actions" if i % 2 else None,
                                action_uuid=plan.actions[0].uuid if i % 2 else None, body=_storable(payload),
                                author_id=reviewer.id))
    session.add(ReviewCheck(plan_id=plan.id, key="diagnostic_migratoire", checked=False,
                            note=_storable(PAYLOADS[1])))
    session.commit()
    return stored


@pytest.fixture
def poisoned(session, planner, reviewer, demo_cases):
    session.commit()
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    stored = _poison(session, plan, reviewer)
    return plan.id, stored


def _plan_pages(client, plan_id: int) -> list[str]:
    from plans.planning.sections import SECTIONS

    html = client.get(f"/plans/{plan_id}/actions").get_data(as_text=True)
    action_pages = sorted(set(re.findall(rf"/plans/{plan_id}/actions/\d+", html)))
    assert action_pages, "the PIP lists its actions"
    return ([f"/plans/{plan_id}", f"/plans/{plan_id}/historique", f"/plans/{plan_id}/carte",
             f"/plans/{plan_id}/revue", f"/plans/{plan_id}/versions"]
            + [f"/plans/{plan_id}/{s.key}" for s in SECTIONS] + action_pages[:3])


def _assert_inert(url: str, html: str, stored: list[str]) -> None:
    for value in stored:
        if HTML_SPECIAL.search(value) and len(value) > 3:
            assert value not in html, f"{url}: raw payload {value[:60]!r}"
    for script in SCRIPT_RE.findall(html):  # user text in a script is JSON: no template literal can open
        assert "${" not in script and "`" not in script.replace("\\u0060", ""), f"{url}: template literal"


def test_plan_pages_show_every_payload_escaped(poisoned, planner_client, reviewer_client):
    plan_id, stored = poisoned
    for client in (planner_client, reviewer_client):
        for url in _plan_pages(client, plan_id):
            response = client.get(url)
            assert response.status_code == 200, url
            _assert_inert(url, response.get_data(as_text=True), stored)
    overview = planner_client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;" in overview  # shown, as text
    confirmation = planner_client.get(f"/plans/{plan_id}/supprimer")  # the deletion's page names the plan
    assert confirmation.status_code == 200
    _assert_inert(f"/plans/{plan_id}/supprimer", confirmation.get_data(as_text=True), stored)


def test_reviewers_pages_show_every_payload_escaped(poisoned, reviewer_client, session):
    plan_id, stored = poisoned
    other = session.scalar(sa.select(Plan.id).where(Plan.uuid == D.TC2_UUID))
    urls = ["/carte-nationale", "/api/carte-nationale/indicateurs.json", "/api/carte-nationale/actions.json",
            "/revue/plans", "/carte-diaspora", f"/plans/comparer?plans={plan_id}&plans={other}"]
    for url in urls:
        response = reviewer_client.get(url)
        assert response.status_code == 200, url
        if response.mimetype == "application/json":  # data, never rendered as a page (and served nosniff)
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            response.get_json()
        else:
            assert response.mimetype == "text/html"
            _assert_inert(url, response.get_data(as_text=True), stored)


def test_an_official_name_is_shown_escaped_wherever_the_unit_is_named(admin_client, planner_client, reviewer_client,
                                                                    session, demo_cases):
    """The one free text of the territory: an administrator's « Nom officiel », set through the page, reaches the
    unit's page, the search, the plans of its collectivité and the national map, always as text."""
    plan_id = session.scalar(sa.select(Plan.id).where(Plan.uuid == D.TC1_UUID))
    url = f"/territoire/{D.KONIAKARY_PCODE}"
    names = [p for p in PAYLOADS if HTML_SPECIAL.search(p) and re.search(r"[a-zA-Z]", p) and len(p) <= 150][:6]
    assert len(names) == 6
    seen = ""
    for name in names:
        data = {"official_name": name, "seen": seen}  # the suite's app runs without CSRF; the browser tests with it
        assert admin_client.post(f"{url}/nom-officiel", data=data).status_code == 303, name
        stored = [without_control_characters(" ".join(name.split()))]
        seen = stored[0]
        for client, pages in ((admin_client, [url]), (planner_client, [f"/plans/{plan_id}", f"/plans/{plan_id}/carte",
                                                                        f"/plans/{plan_id}/identification"]),
                              (reviewer_client, ["/carte-nationale", "/revue/plans"])):
            for page_url in pages:
                response = client.get(page_url)
                assert response.status_code == 200, page_url
                _assert_inert(page_url, response.get_data(as_text=True), stored)
        found = planner_client.get("/territoire/recherche.json?q=koniakary")
        assert found.status_code == 200 and found.headers["X-Content-Type-Options"] == "nosniff"
        assert stored[0] in [r["name"] for r in found.get_json()["results"]]  # given back as data, exactly


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def _printable(value: str) -> str:
    """What a .docx can hold of a text, whitespace folded: XML 1.0 has no control characters but tab and line
    breaks (the exporter drops the others), and Word turns line breaks into breaks or paragraphs."""
    return " ".join(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value).split())


def test_the_word_export_keeps_every_payload_as_literal_text(poisoned, planner_client, session):
    plan_id, _stored = poisoned
    plan = session.get(Plan, plan_id)
    templates = [p for p in PAYLOADS if "{{" in p or "{%" in p]
    for action, payload in zip(plan.actions, templates):  # the template tags where the PIP prints them
        action.title = payload
    session.commit()
    response = planner_client.get(f"/plans/{plan_id}/export.docx")
    assert response.status_code == 200
    text = _printable(_docx_text(response.data))
    printed = [plan.title, *(a.title for a in plan.actions), *(a.title for a in plan.axes),
               *(i.name for i in plan.indicators)]
    for value in printed:
        assert _printable(value) in text, value[:60]
    assert "{{ 7*7 }}" in text and "{% for x in range(3) %}boucle{% endfor %}" in text
    assert "bouclebouclebouclee" not in text  # the loop did not run


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(,\d+)?")  # a negative number is a number, not a formula


def test_spreadsheets_neutralise_every_formula_and_keep_the_text(poisoned, reviewer_client):
    import csv

    from openpyxl import load_workbook

    plan_id, stored = poisoned
    seen = set()
    for entity in ("plans", "actions", "financements", "indicateurs", "associations"):
        response = reviewer_client.get(f"/revue/export/{entity}.csv")
        assert response.status_code == 200, entity
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
        for cell in (c for row in rows[1:] for c in row):
            assert NUMBER.fullmatch(cell) or not cell.startswith(FORMULA_START), (entity, cell[:40])
            seen.add(cell[1:] if cell.startswith("'") else cell)
    book = load_workbook(io.BytesIO(reviewer_client.get("/revue/export/plans.xlsx").data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2, values_only=True):
            for cell in row:
                if isinstance(cell, str):
                    assert not cell.startswith(FORMULA_START), (sheet.title, cell[:40])
    for payload in ("=HYPERLINK(\"http://exemple.invalid\",\"clic\")", "+33 6 12 34 56 78", "-2+3", "@SUM(A1:A9)"):
        landed = [v for v in stored if v == payload]
        assert all(v in seen for v in landed), payload  # kept, behind the neutralising quote


def test_the_plan_file_and_the_api_give_every_payload_back_exactly(poisoned, session, admin, client):
    import json

    from plans.accounts import api_tokens as api_tokens_service
    from plans.review import planfile, planfile_import

    plan_id, stored = poisoned
    plan = session.get(Plan, plan_id)
    document = planfile.export_document(session, plan)
    text = json.dumps(document, ensure_ascii=False)
    for value in stored:
        assert json.dumps(value, ensure_ascii=False)[1:-1] in text, value[:60]
    result = planfile_import.import_document(session, planfile.document_bytes(document), None)  # re-import: an update
    session.commit()
    again = planfile.export_document(session, session.get(Plan, result.plan.id))
    assert planfile.without_timestamp(again) == planfile.without_timestamp(document)

    token = api_tokens_service.create_token(session, admin, "Partenaire « test »")
    session.commit()
    response = client.get(f"/api/v1/plans/{plan.uuid}", headers={"Authorization": f"Bearer {token.secret}"})
    assert response.status_code == 200
    assert planfile.without_timestamp(response.get_json()) == planfile.without_timestamp(again)


def test_a_plan_file_with_nul_and_control_characters_is_imported_without_them(poisoned, session):
    from plans.review import planfile, planfile_import

    plan_id, _ = poisoned
    document = planfile.export_document(session, session.get(Plan, plan_id))
    document["plan"]["title"] = "Titre\x00avec NUL\x07 et\ttabulation"
    result = planfile_import.import_document(session, planfile.document_bytes(document), None)
    session.commit()
    assert session.get(Plan, result.plan.id).title == "Titreavec NUL et\ttabulation"


def test_forms_drop_control_characters_but_keep_tabs_and_line_breaks(plan, planner_client, session):
    from tests.app.test_planning import identification_form

    response = planner_client.post(f"/plans/{plan.id}/identification", data=identification_form(
        plan, 0, title="PDESC\x00 de\x1f Koniakary", summary="l1\r\nl2\tfin\x0b"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    session.refresh(plan)
    assert plan.title == "PDESC de Koniakary" and plan.summary.replace("\r\n", "\n") == "l1\nl2\tfin"
