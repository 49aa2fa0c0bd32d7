"""Evidence on the execution form of an action (app/execution/routes.py, plans/execution/evidence.py): a planner
uploads a photo, a refusal is a French 400 that keeps the caption typed and writes nothing, a reader sees the
thumbnail and opens the image (its stored type, nosniff, Content-Disposition), another collectivité's planner is
refused, the owner's planner deletes it (journaled)."""
from __future__ import annotations

import html
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from plans.accounts.models import Role
from plans.core.audit import AuditEntry
from plans.core.formatting import plain
from plans.demo import data as D
from plans.execution.evidence import ExecutionEvidence
from plans.owners import service as owners_service
from plans.planning.models import Plan, PlanStatus
from tests.conftest import login
from tests.plans.test_execution_evidence import jpeg_with_gps


@pytest.fixture
def adopted(session, demo_cases, planner, app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    return plan


def _cscom(plan):
    return next(a for a in plan.actions if a.title == "Extension du CSCOM")


def _form_url(plan, action, year=2025):
    return f"/plans/{plan.id}/execution/{year}/actions/{action.id}"


def _upload(client, plan, action, data, name, caption="Le CSCOM achevé"):
    return client.post(_form_url(plan, action) + "/pieces", content_type="multipart/form-data",
                       data={"fichier": (io.BytesIO(data), name), "legende": caption})


def _text(response) -> str:
    return plain(html.unescape(response.get_data(as_text=True)))


def _count(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(ExecutionEvidence))


def test_a_planner_uploads_a_photo_and_a_reviewer_sees_its_thumbnail(planner_client, reviewer_client, adopted,
                                                                     session):
    action = _cscom(adopted)
    sent = _upload(planner_client, adopted, action, jpeg_with_gps(), "IMG_2031.JPG")
    assert sent.status_code == 303 and sent.headers["Location"].endswith(_form_url(adopted, action) + "#pieces")
    item = session.scalars(sa.select(ExecutionEvidence)).one()

    page = reviewer_client.get(_form_url(adopted, action))
    body = page.get_data(as_text=True)
    thumb_url = f"/plans/{adopted.id}/execution/pieces/{item.id}/miniature"
    full_url = f"/plans/{adopted.id}/execution/pieces/{item.id}"
    assert f'src="{thumb_url}"' in body and f'href="{full_url}"' in body
    assert "Le CSCOM achevé" in _text(page) and "IMG_2031.JPG" in _text(page)
    assert "Ajouter la pièce" not in body and "Supprimer" not in body  # a reader only

    thumb = reviewer_client.get(thumb_url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 320
    full = reviewer_client.get(full_url)
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert full.headers["Content-Disposition"] == "inline; filename=IMG_2031.jpg"
    assert "sandbox" in full.headers["Content-Security-Policy"]
    assert not Image.open(io.BytesIO(full.data)).getexif()  # what is served has no GPS


def test_a_refused_file_is_a_french_400_that_keeps_the_caption_and_saves_nothing(planner_client, adopted, session,
                                                                                  tmp_path):
    action = _cscom(adopted)
    for data, name, message in [
        (b"MZ\x90\x00" + b"\x00" * 2000, "photo.jpg", "n'est ni une photo JPEG ou PNG ni un document PDF lisible"),
        (b"%PDF-1.7 faux", "rapport.pdf", "n'est ni une photo JPEG ou PNG ni un document PDF lisible"),
        (b"", "", "Choisissez une photo (JPEG ou PNG) ou un document PDF"),
    ]:
        refused = _upload(planner_client, adopted, action, data, name, caption="Réception provisoire <b>")
        assert refused.status_code == 400, name
        assert message in _text(refused)
        assert 'value="Réception provisoire &lt;b&gt;"' in refused.get_data(as_text=True)  # kept, escaped
        assert "Enregistrer l'exécution 2025" in _text(refused)  # the rest of the page is there
    assert _count(session) == 0
    assert not any(p.is_file() for p in (tmp_path / "evidence").rglob("*"))


def test_a_planner_of_another_collectivite_is_refused(app, adopted, planner_client, make_user, session):
    action = _cscom(adopted)
    assert _upload(planner_client, adopted, action, jpeg_with_gps(), "a.jpg").status_code == 303
    item = session.scalars(sa.select(ExecutionEvidence)).one()
    other = make_user(Role.PLANNER, email="autre@kayes.ml", owners=[owners_service.commune_owner(session, "ML010101")])
    client = app.test_client()
    assert login(client, other.email).status_code == 302
    assert client.get(f"/plans/{adopted.id}/execution/pieces/{item.id}").status_code == 403
    assert client.get(f"/plans/{adopted.id}/execution/pieces/{item.id}/miniature").status_code == 403
    assert _upload(client, adopted, action, jpeg_with_gps(), "b.jpg").status_code == 403
    assert client.post(f"/plans/{adopted.id}/execution/pieces/{item.id}/supprimer").status_code == 403
    assert _count(session) == 1


def test_the_owners_planner_deletes_a_piece_and_it_is_journaled(planner_client, reviewer_client, adopted, session,
                                                               tmp_path):
    action = _cscom(adopted)
    pdf = b"%PDF-1.4\n<< /Type /Page >>\n%%EOF\n"
    assert _upload(planner_client, adopted, action, pdf, "PV de réception.pdf", caption="").status_code == 303
    item_id = session.scalars(sa.select(ExecutionEvidence.id)).one()
    served = reviewer_client.get(f"/plans/{adopted.id}/execution/pieces/{item_id}")
    assert served.mimetype == "application/pdf" and served.headers["Content-Disposition"].startswith("attachment;")
    assert reviewer_client.post(f"/plans/{adopted.id}/execution/pieces/{item_id}/supprimer").status_code == 403
    deleted = planner_client.post(f"/plans/{adopted.id}/execution/pieces/{item_id}/supprimer")
    assert deleted.status_code == 303
    assert _count(session) == 0
    assert not any(p.is_file() for p in (tmp_path / "evidence").rglob("*"))
    assert [e.action for e in session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action.like("execution.evidence%")).order_by(AuditEntry.id))] == [
        "execution.evidence_add", "execution.evidence_delete"]
    assert planner_client.get(f"/plans/{adopted.id}/execution/pieces/{item_id}").status_code == 404


def test_the_file_name_and_caption_are_text_on_the_page_and_in_the_download(planner_client, reviewer_client, adopted,
                                                                           session, tmp_path):
    action = _cscom(adopted)
    name = '../../<img src=x onerror=alert(1)>.jpg'
    sent = _upload(planner_client, adopted, action, jpeg_with_gps(), name, caption="<script>alert(2)</script>")
    assert sent.status_code == 303
    item = session.scalars(sa.select(ExecutionEvidence)).one()
    assert item.original_name == "<img src=x onerror=alert(1)>.jpg"  # the last part only, kept as text
    stored = [p.name for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert sorted(stored) == sorted([f"{item.uuid}.jpg", f"{item.uuid}.mini.jpg"])  # never the user's name
    body = reviewer_client.get(_form_url(adopted, action)).get_data(as_text=True)
    assert "<script>alert(2)" not in body and "&lt;script&gt;alert(2)&lt;/script&gt;" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;.jpg" in body
    served = reviewer_client.get(f"/plans/{adopted.id}/execution/pieces/{item.id}")
    assert served.headers["Content-Disposition"] == 'inline; filename="_img src_x onerror_alert(1)_.jpg"'
