"""Which Word model the council document uses (the one an administrator uploaded on /plans/modele-word, else the one
shipped in templates_docx/), and the council document's files: the .docx and, when LibreOffice is on the server,
the PDF, both with a numbered sommaire. Shared by the export views (app/planning/export.py) and `flask plans docx`
/ `flask plans pdf` (app/cli.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.extensions import db
from plans.documents import office as office_module
from plans.documents import plan_document as export_docx
from plans.review import diff as plandiff


def uploaded_template_path() -> Path:
    """Where an administrator's replacement model lives: <instance>/templates_docx/pdl_m.docx, or DOCX_TEMPLATE_DIR."""
    directory = current_app.config.get("DOCX_TEMPLATE_DIR")
    if not directory:
        directory = Path(current_app.instance_path) / export_docx.TEMPLATE_SUBDIR
    return Path(directory) / export_docx.TEMPLATE_NAME


def active_template_path() -> Path:
    """The uploaded model when there is one, else the shipped one."""
    uploaded = uploaded_template_path()
    return uploaded if uploaded.is_file() else export_docx.SHIPPED_TEMPLATE


def office() -> office_module.Office:
    """LibreOffice as configured (SOFFICE, UNO_PYTHON, SOFFICE_TIMEOUT, CONVERSION_CACHE_DIR in app/config.py)."""
    config = current_app.config
    return office_module.Office(soffice=config.get("SOFFICE") or None,
                                python=config.get("UNO_PYTHON") or office_module.DEFAULT_PYTHON,
                                timeout=float(config.get("SOFFICE_TIMEOUT") or office_module.DEFAULT_TIMEOUT),
                                cache_dir=Path(config["CONVERSION_CACHE_DIR"]) if config.get("CONVERSION_CACHE_DIR")
                                else None)


def pdf_unavailable() -> str | None:
    """Why the PDF is not offered on this server, in French; None when it is."""
    return office().unavailable()


@dataclass
class CouncilFiles:
    docx: bytes
    pdf: bytes | None  # None when LibreOffice is missing or failed: `problem` says why
    problem: str | None
    seconds: float = 0.0  # the conversion's time


def council_files(plan) -> CouncilFiles:
    """The plan's council document as .docx and, with LibreOffice, as PDF: the sommaire numbered by LibreOffice in
    both. Without LibreOffice (or when it fails, logged) the .docx's sommaire lists the headings without pages and
    Word numbers them on opening."""
    converter = office()
    reason = converter.unavailable()
    data = export_docx.render_docx(plan, db.session, active_template_path(),
                                   changes=plandiff.changes_since_adoption(db.session, plan),
                                   toc_note=reason is not None)
    if reason is not None:
        return CouncilFiles(docx=data, pdf=None, problem=reason)
    try:
        converted = converter.convert(data)
    except office_module.OfficeError as error:
        current_app.logger.warning("Conversion LibreOffice du plan %s : %s", plan.id, error)
        return CouncilFiles(docx=data, pdf=None, problem=str(error))
    return CouncilFiles(docx=export_docx.set_toc_pages(data, converted.toc), pdf=converted.pdf, problem=None,
                        seconds=converted.seconds)
