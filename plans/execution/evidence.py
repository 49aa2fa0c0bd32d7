"""Evidence of an action's execution (issue 16, item 2): photos (JPEG, PNG) and documents (PDF) attached to one
action in one year, shown to the plan's readers, added and deleted by the owner's planners (who records what:
plans/execution/service.py's `edit_refusal`).

What is checked, by content and never by the name or the type the browser sends: at most `limits.EVIDENCE_BYTES`;
an image is what Pillow opens AND verifies as JPEG or PNG, of at most `limits.EVIDENCE_PIXELS` pixels (read from its
header before anything is decoded: a decompression bomb is refused without being inflated, and Pillow's own guard
is turned into a refusal too); a PDF starts with `%PDF-`, ends with `%%EOF` and declares at most
`limits.EVIDENCE_PDF_PAGES` pages. Anything else (a renamed .exe, a text, a truncated file) is a ValidationError in
French.

What is stored: an image is decoded, turned upright by its EXIF orientation (`ImageOps.exif_transpose`) and
re-encoded from its pixels alone into a new image, so that no metadata survives (EXIF with the GPS position, XMP,
comments, ICC profile); its thumbnail (`limits.EVIDENCE_THUMB` pixels on its longer side) likewise. A PDF is kept
as sent (it is served as a download, never shown inline). Files live under `<folder>/<plan uuid>/<evidence
uuid>.<ext>` (the folder is the instance's `evidence/`, given by the caller): no name on disk ever comes from the
user; the name the user's file had is kept as text in the database, for the download's Content-Disposition only.

Nothing half-saved: the files are written under temporary names and renamed into place only after the row was
flushed; a failed flush removes them (`add`), and the caller removes them if its commit fails
(`remove_files(stored_paths(…))`). A deletion removes the row (journaled) and the caller removes the files
once committed.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts.models import User
from plans.core import audit, limits
from plans.core.db import Base, utcnow
from plans.core.errors import ValidationError
from plans.core.formatting import number
from plans.core.text import without_control_characters
from plans.execution import service
from plans.planning.models import Action, Plan, new_uuid

FOLDER_NAME = "evidence"  # under the instance folder
KINDS = {"jpeg": ("image/jpeg", "jpg"), "png": ("image/png", "png"), "pdf": ("application/pdf", "pdf")}
CAPTION_CHARS = 300
NAME_CHARS = 200
# What a stored file's name may be: the backup's restore accepts nothing else (app/cli_backup.py).
STORED_NAME = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}(\.mini)?\.(jpg|png|pdf)$")

MSG_NONE = "Choisissez une photo (JPEG ou PNG) ou un document PDF à envoyer."
MSG_TOO_BIG = ("Le fichier « {name} » pèse {size} Mo : au plus {limit} Mo par fichier. Réduisez la photo "
               "(réglage de l'appareil) ou envoyez le document en plusieurs parties.")
MSG_NOT_ACCEPTED = ("Le fichier « {name} » n'est ni une photo JPEG ou PNG ni un document PDF lisible : "
                    "il n'a pas été enregistré.")
MSG_BOMB = ("L'image « {name} » est trop grande{pixels} : au plus {limit} millions de pixels. "
            "Réduisez sa définition avant de l'envoyer.")
MSG_PDF_PAGES = "Le document « {name} » a {pages} pages : au plus {limit} pages par document."
MSG_TOO_MANY = "Cette action a déjà {count} pièces pour {year} : au plus {limit}. Supprimez-en avant d'en ajouter."
MSG_CAPTION = f"La légende dépasse {CAPTION_CHARS} caractères."


class ExecutionEvidence(Base):
    """One photo or document of an action's execution in one year."""

    __tablename__ = "execution_evidence"
    __table_args__ = (sa.Index("ix_execution_evidence_action_year", "action_id", "year"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True, default=new_uuid)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    action_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"))
    year: orm.Mapped[int]
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(10))  # a key of KINDS
    original_name: orm.Mapped[str] = orm.mapped_column(sa.String(NAME_CHARS), default="")  # text, never a path
    caption: orm.Mapped[str] = orm.mapped_column(sa.String(CAPTION_CHARS), default="")
    size: orm.Mapped[int]  # bytes stored
    width: orm.Mapped[Optional[int]]
    height: orm.Mapped[Optional[int]]
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    created_by_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))

    action: orm.Mapped[Action] = orm.relationship()
    created_by: orm.Mapped[Optional[User]] = orm.relationship()

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def download_name(self) -> str:
        """The user's name for a download header: letters, digits, spaces and `.-_()` only, the extension ours."""
        stem = re.sub(r"[^\w .()-]", "_", self.original_name.rsplit(".", 1)[0]).strip(" .") or "piece"
        return f"{stem[:150]}.{KINDS[self.kind][1]}"

    @property
    def is_image(self) -> bool:
        return self.kind != "pdf"


@dataclass(frozen=True)
class Checked:
    kind: str
    data: bytes  # what is stored
    thumbnail: Optional[bytes]
    width: Optional[int]
    height: Optional[int]


def _mb(size: int) -> str:
    return number(round(size / 1_048_576, 1)) if size % 1_048_576 else number(size // 1_048_576)


def _clean_name(name: str) -> str:
    """The user's file name as text: its last part only, no control character, bounded."""
    name = without_control_characters(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:NAME_CHARS] or "fichier"


def _pixels_only(image: Image.Image, kind: str) -> Image.Image:
    """A new image holding the pixels only: no EXIF, XMP, comment or ICC profile can follow."""
    if kind == "jpeg":
        wanted = "L" if image.mode == "L" else "RGB"
    else:
        wanted = "RGBA" if ("A" in image.mode or "transparency" in image.info) else \
            ("L" if image.mode == "L" else "RGB")
    image = image.convert(wanted) if image.mode != wanted else image
    clean = Image.new(wanted, image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "jpeg":
        (image if image.mode in ("RGB", "L") else image.convert("RGB")).save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _check_image(data: bytes, name: str) -> Checked:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("JPEG", "PNG"):
                    raise ValidationError(MSG_NOT_ACCEPTED.format(name=name))
                width, height = probe.size
                if width * height > limits.EVIDENCE_PIXELS:  # before any pixel is decoded
                    raise ValidationError(MSG_BOMB.format(name=name, pixels=f" ({number(width * height)} pixels)",
                                                           limit=number(limits.EVIDENCE_PIXELS // 1_000_000)))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format.lower()
                image.load()
                clean = _pixels_only(ImageOps.exif_transpose(image), kind)
            thumb = clean.copy()
            thumb.thumbnail((limits.EVIDENCE_THUMB, limits.EVIDENCE_THUMB))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(MSG_BOMB.format(name=name, pixels="",
                                               limit=number(limits.EVIDENCE_PIXELS // 1_000_000))) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(MSG_NOT_ACCEPTED.format(name=name)) from None
    return Checked(kind, _encode(clean, kind), _encode(thumb, kind), clean.width, clean.height)


PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def _check_pdf(data: bytes, name: str) -> Checked:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise ValidationError(MSG_NOT_ACCEPTED.format(name=name))
    pages = len(PAGE.findall(data))
    if pages == 0:
        raise ValidationError(MSG_NOT_ACCEPTED.format(name=name))
    if pages > limits.EVIDENCE_PDF_PAGES:
        raise ValidationError(MSG_PDF_PAGES.format(name=name, pages=number(pages),
                                                    limit=number(limits.EVIDENCE_PDF_PAGES)))
    return Checked("pdf", data, None, None, None)


def check_file(data: bytes, name: str) -> Checked:
    """What would be stored for this upload; ValidationError (French) when it is refused."""
    name = _clean_name(name)
    if not data:
        raise ValidationError(MSG_NONE)
    if len(data) > limits.EVIDENCE_BYTES:
        raise ValidationError(MSG_TOO_BIG.format(name=name, size=_mb(len(data)),
                                                  limit=_mb(limits.EVIDENCE_BYTES)))
    if data.startswith(b"%PDF-"):
        return _check_pdf(data, name)
    return _check_image(data, name)


# ----- Where the files are -----------------------------------------------------------------------------------

def folder_of(instance_path: str | Path) -> Path:
    """The evidence folder of an installation: `<instance>/evidence`."""
    return Path(instance_path) / FOLDER_NAME


def file_path(folder: Path, plan: Plan, item: ExecutionEvidence, thumbnail: bool = False) -> Path:
    ext = KINDS[item.kind][1]
    return Path(folder) / plan.uuid / f"{item.uuid}{'.mini' if thumbnail else ''}.{ext}"


def stored_paths(folder: Path, plan: Plan, item: ExecutionEvidence) -> list[Path]:
    """The files of one piece (the file, and its thumbnail for an image)."""
    return [file_path(folder, plan, item)] + ([file_path(folder, plan, item, True)] if item.is_image else [])


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> Path:
    """Writes under a temporary name in the same folder; the caller renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return temporary


# ----- Reading -----------------------------------------------------------------------------------------------

def of_action(session: Session, plan: Plan, action: Action, year: int) -> list[ExecutionEvidence]:
    return list(session.scalars(sa.select(ExecutionEvidence).where(
        ExecutionEvidence.plan_id == plan.id, ExecutionEvidence.action_id == action.id,
        ExecutionEvidence.year == year).order_by(ExecutionEvidence.id)))


def counts(session: Session, plan: Plan, year: int) -> dict[int, int]:
    """Pieces per action id in the year (the « Exécution » page shows the count)."""
    rows = session.execute(sa.select(ExecutionEvidence.action_id, sa.func.count()).where(
        ExecutionEvidence.plan_id == plan.id, ExecutionEvidence.year == year).group_by(ExecutionEvidence.action_id))
    return {action_id: count for action_id, count in rows}


def get(session: Session, plan: Plan, evidence_id: int) -> Optional[ExecutionEvidence]:
    item = session.get(ExecutionEvidence, evidence_id)
    return item if item is not None and item.plan_id == plan.id else None


@dataclass(frozen=True)
class ReportPhoto:
    action: Action
    evidence: ExecutionEvidence
    path: Path  # the stored image, metadata stripped
    thumbnail: Path


def photos_for_report(session: Session, plan: Plan, year: int, folder: Path) -> list[ReportPhoto]:
    """The photos of the year's realised works (actions whose record of `year` is « réalisé »), in the plan's action
    order then upload order: what the annual review (plans/documents/execution_report.py) prints."""
    realised = {r.action_id for r in service.records(session, plan) if r.year == year and r.status == "realise"}
    items = session.scalars(sa.select(ExecutionEvidence).where(
        ExecutionEvidence.plan_id == plan.id, ExecutionEvidence.year == year,
        ExecutionEvidence.kind != "pdf").order_by(ExecutionEvidence.id)).all()
    order = {a.id: i for i, a in enumerate(plan.actions)}
    chosen = sorted((e for e in items if e.action_id in realised), key=lambda e: (order.get(e.action_id, 0), e.id))
    return [ReportPhoto(e.action, e, file_path(folder, plan, e), file_path(folder, plan, e, True)) for e in chosen]


# ----- Writing -----------------------------------------------------------------------------------------------

def add(session: Session, folder: Path, plan: Plan, action: Action, year: int, name: str, data: bytes,
        caption: str, user: Optional[User], ip: str = "") -> ExecutionEvidence:
    """Checks and stores one piece of evidence; the row is flushed, the caller commits (and calls `remove_files`
    if its commit fails). ValidationError (French) when refused: then nothing is written."""
    refusal = service.edit_refusal(user, plan)
    if refusal:
        raise ValidationError(refusal)
    if action.plan_id != plan.id or year not in plan.years:
        raise ValidationError("Cette action ou cette année n'est pas celle de ce plan.")
    caption = without_control_characters(caption or "").strip()
    if len(caption) > CAPTION_CHARS:
        raise ValidationError({"caption": [MSG_CAPTION]})
    count = len(of_action(session, plan, action, year))
    if count >= limits.EVIDENCE_PER_RECORD:
        raise ValidationError(MSG_TOO_MANY.format(count=count, year=year, limit=limits.EVIDENCE_PER_RECORD))
    checked = check_file(data, name)
    item = ExecutionEvidence(plan_id=plan.id, action_id=action.id, year=year, kind=checked.kind,
                             original_name=_clean_name(name), caption=caption, size=len(checked.data),
                             width=checked.width, height=checked.height, uuid=new_uuid(),
                             created_by_id=user.id if user is not None else None)
    written: list[tuple[Path, Path]] = []
    try:
        written.append((_write(file_path(folder, plan, item), checked.data), file_path(folder, plan, item)))
        if checked.thumbnail is not None:
            written.append((_write(file_path(folder, plan, item, True), checked.thumbnail),
                            file_path(folder, plan, item, True)))
        session.add(item)
        audit.record(session, user, "execution.evidence_add", target=f"plan:{plan.id}",
                     details={"action": action.uuid, "year": year, "evidence": item.uuid,
                              "name": item.original_name, "kind": item.kind, "size": item.size}, ip=ip)
        session.flush()
        for temporary, final in written:
            os.replace(temporary, final)
    except BaseException:
        for temporary, final in written:
            temporary.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
        raise
    return item


def delete(session: Session, plan: Plan, evidence_id: int, user: Optional[User], ip: str = "") -> ExecutionEvidence:
    """Deletes the row (journaled); the caller takes `stored_paths` first, commits, then calls `remove_files`."""
    refusal = service.edit_refusal(user, plan)
    if refusal:
        raise ValidationError(refusal)
    item = get(session, plan, evidence_id)
    if item is None:
        raise LookupError(evidence_id)
    audit.record(session, user, "execution.evidence_delete", target=f"plan:{plan.id}",
                 details={"action": item.action.uuid, "year": item.year, "evidence": item.uuid,
                          "name": item.original_name, "kind": item.kind}, ip=ip)
    session.delete(item)
    session.flush()
    return item
