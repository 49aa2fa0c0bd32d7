"""Which Word model the council document uses: the one an administrator uploaded (app/planning/export.py, the page
/plans/modele-word), else the one shipped in templates_docx/. Shared by the export view and `flask plans docx`."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from plans.documents import plan_document as export_docx


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
