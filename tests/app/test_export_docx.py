"""The Word export route, the administrators' model page and the `plans docx` command."""
from __future__ import annotations

import html
import io
import re
import subprocess

import pytest
from docx import Document

from plans.accounts.models import Role
from plans.documents import office
from plans.documents import plan_document as export_docx
from tests.conftest import login, require_tool

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def model_dir(app, tmp_path):
    """Uploaded models go to a temporary folder, never to the real instance folder."""
    app.config["DOCX_TEMPLATE_DIR"] = str(tmp_path / "modeles")
    return tmp_path / "modeles"


def _download(client, plan_id):
    return client.get(f"/plans/{plan_id}/export.docx")


def test_download_for_planner_and_reviewer(plan, planner_client, reviewer_client):
    for client in (planner_client, reviewer_client):
        response = _download(client, plan.id)
        assert response.status_code == 200
        assert response.mimetype == DOCX
        assert 'filename=PDESC_Koniakary_2025-2029.docx' in response.headers["Content-Disposition"]
        doc = Document(io.BytesIO(response.data))
        texts = [p.text for p in doc.paragraphs]
        assert "PDESC de Koniakary 2025-2029" in texts and "PROJET — document non adopté" in texts


def test_planner_of_another_owner_is_refused(app, plan, make_user):
    from app.extensions import db
    from plans.owners import service as owners_service

    other_owner = owners_service.commune_owner(db.session, "ML010101")
    db.session.commit()
    other = make_user(Role.PLANNER, email="autre@commune.ml", owners=[other_owner])
    client = app.test_client()
    login(client, other.email)
    assert _download(client, plan.id).status_code == 403


def _docx_bytes(extra: str | None = None, *, base=None) -> bytes:
    doc = Document(str(base or export_docx.SHIPPED_TEMPLATE))
    if extra:
        doc.add_paragraph(extra)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _upload(client, data: bytes, name="modele.docx"):
    return client.post("/plans/modele-word", data={"action": "upload", "modele": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_template_upload_is_checked_and_can_be_reset(admin_client, planner_client, plan, model_dir):
    assert admin_client.get("/plans/modele-word").status_code == 200
    assert planner_client.get("/plans/modele-word").status_code == 403
    target = model_dir / "pdl_m.docx"

    broken = _upload(admin_client, b"PK\x03\x04 pas un document Word")
    assert broken.status_code == 400 and "endommagé" in broken.get_data(as_text=True)
    assert not target.exists()
    unknown = _upload(admin_client, _docx_bytes("{{ variable_inconnue }}"))
    assert unknown.status_code == 400 and "variable_inconnue" in unknown.get_data(as_text=True)
    assert not target.exists() and not list(model_dir.iterdir())  # no temporary file left behind

    good = _upload(admin_client, _docx_bytes("Modèle maison de la DGCT"))
    assert good.status_code == 303 and target.is_file()
    doc = Document(io.BytesIO(_download(planner_client, plan.id).data))
    assert "Modèle maison de la DGCT" in [p.text for p in doc.paragraphs]  # the uploaded model is used

    refused = _upload(admin_client, _docx_bytes("{{ autre_inconnue }}"))
    assert refused.status_code == 400
    doc = Document(io.BytesIO(_download(planner_client, plan.id).data))
    assert "Modèle maison de la DGCT" in [p.text for p in doc.paragraphs]  # the previous model is kept

    downloaded = admin_client.get("/plans/modele-word/telecharger")
    assert downloaded.status_code == 200 and downloaded.mimetype == DOCX
    assert "Modèle maison de la DGCT" in [p.text for p in Document(io.BytesIO(downloaded.data)).paragraphs]

    reset = admin_client.post("/plans/modele-word", data={"action": "reset"})
    assert reset.status_code == 303 and not target.exists()
    doc = Document(io.BytesIO(_download(planner_client, plan.id).data))
    assert "Modèle maison de la DGCT" not in [p.text for p in doc.paragraphs]


def test_cli_writes_the_file(runner, plan, tmp_path):
    out = tmp_path / "plan.docx"
    result = runner.invoke(args=["plans", "docx", str(plan.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "écrit" in result.output
    assert "PDESC de Koniakary 2025-2029" in [p.text for p in Document(str(out)).paragraphs]
    missing = runner.invoke(args=["plans", "docx", "999999", "-o", str(out)])
    assert missing.exit_code == 1 and "Aucun plan" in missing.output


def test_the_plan_pages_link_to_the_word_document(planner_client, plan):
    page = planner_client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f'href="/plans/{plan.id}/export.docx"' in page


def test_without_libreoffice_the_pdf_link_says_why(app, planner_client, runner, plan, tmp_path):
    """SOFFICE names a missing program: no conversion; the plan page and /export.pdf say why in French, the
    command fails with the same reason, and the .docx still comes with its sommaire (headings, unnumbered)."""
    app.config["SOFFICE"] = str(tmp_path / "pas-de-libreoffice" / "soffice")
    page = html.unescape(planner_client.get(f"/plans/{plan.id}").get_data(as_text=True))
    assert f'href="/plans/{plan.id}/export.pdf"' not in page
    assert "Document PDF non proposé : LibreOffice n'est pas installé sur ce serveur" in page
    response = planner_client.get(f"/plans/{plan.id}/export.pdf")
    assert response.status_code == 503
    body = html.unescape(response.get_data(as_text=True))
    assert "LibreOffice n'est pas installé" in body and "libreoffice-writer-nogui" in body
    result = runner.invoke(args=["plans", "pdf", str(plan.id), "-o", str(tmp_path / "plan.pdf")])
    assert result.exit_code == 1 and "LibreOffice n'est pas installé" in result.output
    assert not (tmp_path / "plan.pdf").exists()
    doc = Document(io.BytesIO(_download(planner_client, plan.id).data))
    sommaire = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert "I. Introduction" in sommaire and "V. Programmation" in sommaire
    assert export_docx.TOC_NOTE in [p.text for p in doc.paragraphs]


def test_pdf_route_and_command_with_libreoffice(app, planner_client, reviewer_client, runner, plan, tmp_path):
    require_tool("soffice", "libreoffice-writer-nogui")
    app.config["SOFFICE"] = "soffice"
    page = planner_client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f'href="/plans/{plan.id}/export.pdf"' in page
    response = reviewer_client.get(f"/plans/{plan.id}/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and "PDESC_Koniakary_2025-2029.pdf" in response.headers[
        "Content-Disposition"]
    out = tmp_path / "plan.pdf"
    result = runner.invoke(args=["plans", "pdf", str(plan.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "conversion LibreOffice" in result.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(r"I\. Introduction\s*\.{3,}\s*\d+", text)  # the sommaire is numbered


def test_a_conversion_that_overruns_is_stopped(tmp_path):
    require_tool("soffice", "libreoffice-writer-nogui")
    slow = office.Office(soffice="soffice", timeout=0.5)
    if slow.unavailable():
        pytest.fail(slow.unavailable())
    with pytest.raises(office.OfficeError, match="a dépassé 0.5 secondes"):
        slow.convert(_docx_bytes())


def _saved_again(docx: bytes, title: str) -> bytes:
    """The same document saved once more with another title in its properties (docProps/core.xml only)."""
    doc = Document(io.BytesIO(docx))
    doc.core_properties.title = title
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_the_same_document_is_converted_once(tmp_path):
    """Downloading the same plan again (as .docx or PDF) reuses the conversion kept in the instance folder; the
    render's save time (docProps/core.xml) does not count, a change of content does."""
    require_tool("soffice", "libreoffice-writer-nogui")
    cache = tmp_path / "conversions"
    kept = office.Office(soffice="soffice", timeout=300, cache_dir=cache)
    if kept.unavailable():
        pytest.fail(kept.unavailable())
    document = _docx_bytes("Plan de Koniakary")
    first = kept.convert(document)
    assert first.seconds > 0 and len(list(cache.glob("*.pdf"))) == 1
    again = kept.convert(_saved_again(document, "Autre titre"))
    assert again.seconds == 0.0 and again.pdf == first.pdf and again.toc == first.toc
    changed = kept.convert(_docx_bytes("Plan de Koniakary, révisé"))
    assert changed.seconds > 0 and len(list(cache.glob("*.pdf"))) == 2
    assert office.content_digest(document) != office.content_digest(_docx_bytes("Plan de Koniakary, révisé"))
