"""Evidence of execution (plans/execution/evidence.py): what is stored of a photo (no EXIF, no GPS, upright), its
thumbnail, what is refused by content (a renamed program, a decompression bomb, a false PDF, too big) with nothing
written, the report's photos, and the backup that carries the files (app/cli_backup.py, plans/core/backup.py)."""
from __future__ import annotations

import io
import struct
import tarfile
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin

from plans.core import limits
from plans.core.errors import ValidationError
from plans.core.formatting import plain
from plans.demo import data as D
from plans.execution import evidence, service
from plans.execution.evidence import ExecutionEvidence
from plans.planning.models import Plan, PlanStatus

GPS = 0x8825


@pytest.fixture
def adopted(session, demo_cases, planner):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    return plan


@pytest.fixture
def folder(app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return tmp_path / "evidence"


def _cscom(plan):
    return next(a for a in plan.actions if a.title == "Extension du CSCOM")


def jpeg_with_gps(size=(1200, 800), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    image.paste((10, 10, 200), (0, 0, size[0] // 4, size[1] // 4))  # a blue corner, top left as stored
    exif = Image.Exif()
    exif[0x010F] = "TelephoneDuMaire"  # Make
    exif[0x0132] = "2025:03:14 10:00:00"
    if orientation:
        exif[0x0112] = orientation
    exif[GPS] = {1: "N", 2: (14.0, 26.0, 10.0), 3: "W", 4: (10.0, 52.0, 3.0)}  # Koniakary
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Photo prise chez M. Diarra")
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A PNG whose header declares side × side pixels (400 M), in a few hundred kilobytes of zeros."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + b"\x00" * side
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(200)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def _add(session, folder, plan, data, name="photo.jpg", caption="", user=None, year=2025):
    return evidence.add(session, folder, plan, _cscom(plan), year, name, data, caption, user)


def test_a_photo_is_stored_without_exif_or_gps_and_with_a_thumbnail(session, folder, adopted, planner):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS)  # the upload does carry a position
    item = _add(session, folder, adopted, original, "IMG_2031.JPG", "Le CSCOM achevé", planner)
    session.commit()
    stored = evidence.file_path(folder, adopted, item)
    assert stored.parent == folder / adopted.uuid and stored.name == f"{item.uuid}.jpg"
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (1200, 800)
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        assert "icc_profile" not in image.info
    raw = stored.read_bytes()
    assert b"Exif" not in raw and b"TelephoneDuMaire" not in raw and b"Diarra" not in raw
    with Image.open(evidence.file_path(folder, adopted, item, thumbnail=True)) as thumb:
        assert max(thumb.size) == limits.EVIDENCE_THUMB and thumb.size == (320, 213)
        assert not thumb.getexif()
    assert (item.kind, item.original_name, item.caption, item.width) == ("jpeg", "IMG_2031.JPG", "Le CSCOM achevé",
                                                                         1200)


def test_the_exif_orientation_is_applied_before_it_is_dropped(session, folder, adopted, planner):
    item = _add(session, folder, adopted, jpeg_with_gps((400, 200), orientation=6), user=planner)  # turned 90°
    with Image.open(evidence.file_path(folder, adopted, item)) as image:
        assert image.size == (200, 400)
        red, green, blue = image.convert("RGB").getpixel((190, 5))  # the blue corner is now top right
        assert blue > 150 and red < 80


def test_a_png_keeps_its_transparency_and_loses_its_text_chunks(session, folder, adopted, planner):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 14.43N 10.86W")
    out = io.BytesIO()
    Image.new("RGBA", (60, 40), (0, 128, 0, 100)).save(out, "PNG", pnginfo=info)
    item = _add(session, folder, adopted, out.getvalue(), "plan.png", user=planner)
    with Image.open(evidence.file_path(folder, adopted, item)) as image:
        assert image.mode == "RGBA" and image.getpixel((1, 1))[3] == 100 and "Comment" not in image.info
    assert b"GPS" not in evidence.file_path(folder, adopted, item).read_bytes()


@pytest.mark.parametrize("name, data, message", [
    ("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 4000, "ni une photo JPEG ou PNG ni un document PDF"),  # renamed .exe
    ("rapport.pdf", b"%PDF-1.4\nnot really a pdf", "ni une photo JPEG ou PNG ni un document PDF"),
    ("notes.png", "Bonjour, voici le rapport".encode(), "ni une photo JPEG ou PNG ni un document PDF"),
    ("coupee.jpg", jpeg_with_gps()[:3000], "ni une photo JPEG ou PNG ni un document PDF"),  # truncated
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "ni une photo JPEG ou PNG ni un document PDF"),
    ("bombe.png", png_bomb(), "est trop grande : au plus 40 millions de pixels"),  # Pillow's own guard
    ("grande.png", png_bomb(7_000), "trop grande (49 000 000 pixels) : au plus 40 millions de pixels"),
    ("vide.jpg", b"", "Choisissez une photo"),
])
def test_refused_by_content_with_nothing_written(session, folder, adopted, planner, name, data, message):
    with pytest.raises(ValidationError) as refused:
        _add(session, folder, adopted, data, name, user=planner)
    assert message in plain(str(refused.value))
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionEvidence)) == 0
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_too_big_is_refused_before_being_read_as_an_image(session, folder, adopted, planner):
    data = b"\xff\xd8\xff" + b"\x00" * limits.EVIDENCE_BYTES
    with pytest.raises(ValidationError, match="au plus 10 Mo par fichier"):
        _add(session, folder, adopted, data, user=planner)


def test_a_pdf_is_kept_as_sent_and_bounded_in_pages(session, folder, adopted, planner):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n2 0 obj << /Type /Pages /Count 1 >> endobj\n%%EOF\n"
    item = _add(session, folder, adopted, pdf, "PV de réception.pdf", user=planner)
    assert item.kind == "pdf" and evidence.file_path(folder, adopted, item).read_bytes() == pdf
    assert not evidence.file_path(folder, adopted, item, thumbnail=True).exists()
    many = b"%PDF-1.4\n" + b"<< /Type /Page >>\n" * (limits.EVIDENCE_PDF_PAGES + 1) + b"%%EOF\n"
    with pytest.raises(ValidationError, match="301 pages : au plus 300 pages"):
        _add(session, folder, adopted, many, "gros.pdf", user=planner)


def test_a_failed_insert_leaves_no_file(session, folder, adopted, planner, monkeypatch):
    def broken_flush(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("disque plein"))

    monkeypatch.setattr(session, "flush", broken_flush)
    with pytest.raises(sa.exc.OperationalError):
        _add(session, folder, adopted, jpeg_with_gps(), user=planner)
    monkeypatch.undo()
    session.rollback()
    assert not any(p.is_file() for p in folder.rglob("*"))


def test_a_failed_file_write_leaves_no_row(session, folder, adopted, planner, monkeypatch):
    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence, "_write", full_disk)
    with pytest.raises(OSError):
        _add(session, folder, adopted, jpeg_with_gps(), user=planner)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionEvidence)) == 0


def test_only_the_owners_planners_add_and_delete(session, folder, adopted, planner, reviewer):
    with pytest.raises(ValidationError, match="Seuls les planificateurs"):
        _add(session, folder, adopted, jpeg_with_gps(), user=reviewer)
    item = _add(session, folder, adopted, jpeg_with_gps(), user=planner)
    session.commit()
    with pytest.raises(ValidationError, match="Seuls les planificateurs"):
        evidence.delete(session, adopted, item.id, reviewer)
    paths = evidence.stored_paths(folder, adopted, item)
    evidence.delete(session, adopted, item.id, planner)
    session.commit()
    evidence.remove_files(paths)
    assert session.get(ExecutionEvidence, item.id) is None and not any(p.exists() for p in paths)


def test_photos_for_report_are_those_of_the_years_realised_works(session, folder, adopted, planner):
    cscom = _cscom(adopted)
    other = next(a for a in adopted.actions if a is not cscom)
    service.save(session, adopted, cscom, 2025, {**service.dump(cscom, 2025, None), "status": "realise",
                                                  "progress": 100}, 0, planner)
    photo = _add(session, folder, adopted, jpeg_with_gps(), user=planner)
    _add(session, folder, adopted, b"%PDF-1.4\n<< /Type /Page >>\n%%EOF\n", "pv.pdf", user=planner)
    evidence.add(session, folder, adopted, other, 2025, "autre.jpg", jpeg_with_gps(), "", planner)  # not realised
    session.commit()
    photos = evidence.photos_for_report(session, adopted, 2025, folder)
    assert [(p.action.id, p.evidence.id) for p in photos] == [(cscom.id, photo.id)]
    assert photos[0].path.is_file() and photos[0].thumbnail.is_file()
    assert evidence.photos_for_report(session, adopted, 2026, folder) == []


def test_the_backup_carries_the_files_and_the_restore_puts_them_back(app, runner, session, folder, adopted,
                                                                     planner, tmp_path):
    item = _add(session, folder, adopted, jpeg_with_gps(), "IMG_1.jpg", user=planner)
    session.commit()
    stored = evidence.file_path(folder, adopted, item)
    content = stored.read_bytes()
    created = runner.invoke(args=["backup", "create", str(tmp_path / "pdlm.bak")])
    assert created.exit_code == 0, created.output
    assert "2 fichier(s)" in created.output  # the photo and its thumbnail
    assert (tmp_path / "pdlm.bak.fichiers.tar").is_file()

    stored.unlink()
    (folder / adopted.uuid / "intrus.jpg").write_bytes(b"not ours")  # what came after the backup goes
    restored = runner.invoke(args=["backup", "restore", str(tmp_path / "pdlm.bak"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "Pièces de l'exécution restaurées : 2 fichier(s)" in restored.output
    assert stored.read_bytes() == content
    assert not (folder / adopted.uuid / "intrus.jpg").exists()


def test_a_files_archive_with_a_path_outside_is_refused_and_nothing_changes(app, runner, session, folder, adopted,
                                                                          planner, tmp_path):
    item = _add(session, folder, adopted, jpeg_with_gps(), user=planner)
    session.commit()
    stored = evidence.file_path(folder, adopted, item)
    assert runner.invoke(args=["backup", "create", str(tmp_path / "pdlm.bak")]).exit_code == 0
    with tarfile.open(tmp_path / "pdlm.bak.fichiers.tar", "w") as archive:
        info = tarfile.TarInfo("../../etc/cron.d/x")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"bad"))
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "pdlm.bak"), "--yes"])
    assert result.exit_code == 1 and "n'est pas un fichier de PDL-M" in result.output
    assert stored.is_file()
