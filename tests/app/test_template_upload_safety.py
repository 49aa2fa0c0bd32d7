"""The administrators' Word model page and the export against hostile models (issue 14): the upload refuses a tag
outside the documented ones, a zip bomb, a model that balloons or hangs, and keeps the previous model; a hostile
model stored without the check cannot run at export, which answers in French."""
from __future__ import annotations

import html
import io
import random
import string
import zipfile

import pytest
from docx import Document
from docx.shared import RGBColor

from plans.documents import plan_document, template_check
from tests.plans.test_template_safety import PAYLOAD, with_body_xml

SHIPPED = plan_document.SHIPPED_TEMPLATE


@pytest.fixture(autouse=True)
def model_dir(app, tmp_path):
    """Uploaded models go to a temporary folder, never to the real instance folder."""
    app.config["DOCX_TEMPLATE_DIR"] = str(tmp_path / "modeles")
    return tmp_path / "modeles"


def docx_bytes(*paragraphs: str) -> bytes:
    doc = Document(str(SHIPPED))
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "modele.docx"):
    return client.post("/plans/modele-word", data={"action": "upload", "modele": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def exported_paragraphs(client, plan) -> list[str]:
    response = client.get(f"/plans/{plan.id}/export.docx")
    assert response.status_code == 200
    return [p.text for p in Document(io.BytesIO(response.data)).paragraphs]


def test_the_issue_payload_is_refused_at_upload_and_the_previous_model_stays(admin_client, planner_client, plan,
                                                                               model_dir, tmp_path):
    assert upload(admin_client, docx_bytes("Modèle maison de la DGCT")).status_code == 303
    kept = (model_dir / "pdl_m.docx").read_bytes()
    marker = tmp_path / "pwned"
    refused = upload(admin_client, docx_bytes(PAYLOAD.replace("MARKER", str(marker))))
    assert refused.status_code == 400
    page = text_of(refused)
    assert "Le modèle n'a pas été remplacé : La balise « {% for c in ''.__class__.__mro__[1].__subclasses__() %} » : " \
           "« __class__ » n'est pas permis" in page
    assert (model_dir / "pdl_m.docx").read_bytes() == kept and sorted(model_dir.iterdir()) == [model_dir / "pdl_m.docx"]
    assert "Modèle maison de la DGCT" in exported_paragraphs(planner_client, plan)
    assert not marker.exists()


def test_a_hostile_model_stored_without_the_check_cannot_run_at_export(admin_client, planner_client, plan, runner,
                                                                        model_dir, tmp_path):
    marker = tmp_path / "pwned"
    model_dir.mkdir()
    (model_dir / "pdl_m.docx").write_bytes(docx_bytes(PAYLOAD.replace("MARKER", str(marker))))
    response = planner_client.get(f"/plans/{plan.id}/export.docx")
    assert response.status_code == 503
    page = text_of(response)
    assert "Le document Word ne peut pas être produit : le modèle Word utilisé est refusé." in page
    assert "« __class__ » n'est pas permis" in page and "revenir au modèle livré" in page
    assert "Traceback" not in page and str(model_dir) not in page
    cli = runner.invoke(args=["plans", "docx", str(plan.id), "-o", str(tmp_path / "plan.docx")])
    assert cli.exit_code == 1 and "Le document Word ne peut pas être produit" in cli.output
    assert not marker.exists() and not (tmp_path / "plan.docx").exists()

    assert admin_client.post("/plans/modele-word", data={"action": "reset"}).status_code == 303
    assert "PDESC de Koniakary 2025-2029" in exported_paragraphs(planner_client, plan)  # the shipped model works


def test_a_zip_bomb_is_refused_without_a_server_path(admin_client, model_dir, tmp_path):
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        with out.open("word/media/image1.png", "w") as member:
            zeros = bytes(1024 * 1024)
            for _ in range(1024):
                member.write(zeros)
    assert len(bomb.getvalue()) < 2 * 1024 * 1024
    refused = upload(admin_client, bomb.getvalue())
    assert refused.status_code == 400
    page = text_of(refused)
    assert ("Le modèle n'a pas été remplacé : Une partie du fichier Word est trop grande une fois décompressée "
            "(word/media/image1.png : 1024 Mo, au plus 16 Mo).") in page
    assert str(model_dir) not in page and str(tmp_path) not in page and "/tmp" not in page
    assert not model_dir.exists() or not list(model_dir.iterdir())


@pytest.mark.parametrize("tag, said", [
    ("{{ titre|center(1000) }}", "La balise « {{ titre|center(1000) }} » : le filtre « center » n'est pas permis"),
    ("{{ commune_inconnue }}", "La balise « {{ commune_inconnue }} » : la variable « commune_inconnue » n'existe pas"),
])
def test_a_tag_outside_the_documented_ones_is_refused_by_name(admin_client, model_dir, tag, said):
    refused = upload(admin_client, docx_bytes(tag))
    assert refused.status_code == 400 and said in text_of(refused)
    assert not (model_dir / "pdl_m.docx").exists()


def test_a_model_that_balloons_or_hangs_is_refused_and_the_previous_stays(admin_client, planner_client, plan,
                                                                          model_dir, tmp_path, monkeypatch):
    assert upload(admin_client, docx_bytes("Modèle maison de la DGCT")).status_code == 303
    kept = (model_dir / "pdl_m.docx").read_bytes()
    rng = random.Random(14)
    big = with_body_xml(tmp_path, "".join(f"<w:p><w:r><w:t>{''.join(rng.choices(string.ascii_letters, k=2500))}"
                                          "</w:t></w:r></w:p>" for _ in range(4000)), "gros.docx")
    monkeypatch.setattr(template_check, "TRIAL_MEMORY_BYTES", 160 * 1024 * 1024)
    refused = upload(admin_client, big.read_bytes())
    assert refused.status_code == 400
    assert "son essai sur les trois cas tests a dépassé la mémoire permise (160 Mo)" in text_of(refused)

    slow = with_body_xml(tmp_path, "".join(f"<w:p><w:r><w:t>{{{{ titre }}}} {rng.random()} {{{{ periode }}}}</w:t>"
                                           "</w:r></w:p>" for _ in range(30000)), "lent.docx")
    monkeypatch.setattr(template_check, "TRIAL_MEMORY_BYTES", 2048 * 1024 * 1024)
    monkeypatch.setattr(template_check, "TRIAL_CPU_SECONDS", 1)
    refused = upload(admin_client, slow.read_bytes())
    assert refused.status_code == 400
    assert "son essai sur les trois cas tests a dépassé le temps permis (1 s de calcul" in text_of(refused)

    assert (model_dir / "pdl_m.docx").read_bytes() == kept
    assert "Modèle maison de la DGCT" in exported_paragraphs(planner_client, plan)


def test_a_restyled_model_is_accepted_and_used_by_the_next_export(admin_client, planner_client, plan, session):
    plan.title = 'Ségou & Markala <test> "guillemets" {{ 7*7 }} {% if %}'
    session.commit()
    doc = Document(str(SHIPPED))
    doc.styles["Heading 1"].font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    out = io.BytesIO()
    doc.save(out)
    assert upload(admin_client, out.getvalue(), "dgct.docx").status_code == 303
    response = planner_client.get(f"/plans/{plan.id}/export.docx")
    exported = Document(io.BytesIO(response.data))
    assert exported.styles["Heading 1"].font.color.rgb == RGBColor(0x12, 0x34, 0x56)
    assert 'Ségou & Markala <test> "guillemets" {{ 7*7 }} {% if %}' in [p.text for p in exported.paragraphs]
