"""The council document: the plan as a Word file, and the administrators' page for the Word model.

GET  /plans/<id>/export.docx          the plan as .docx (every status; a draft carries "PROJET — document non adopté";
                                      once a version was adopted, an annex lists what changed since); its sommaire
                                      numbered by LibreOffice when the server has it
GET  /plans/<id>/export.pdf           the same as PDF, converted by LibreOffice (app/docx_template.council_files);
                                      without LibreOffice: 503 and a French page saying why
GET  /plans/modele-word               the model in use (administrators)
POST /plans/modele-word               action=upload with a .docx file: checked by plans/documents/template_check.py
                                      first (package bounds, tags, a bounded trial on the three test cases), kept
                                      only when usable (else 400 and the previous model stays); action=reset: back to
                                      the shipped model
GET  /plans/modele-word/telecharger   the model in use, to edit it in Word (administrators)
"""
from __future__ import annotations

import io
import os
import tempfile
from datetime import datetime
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.audit import log_action
from app.docx_template import active_template_path, council_files, uploaded_template_path
from app.errors import error_response
from app.extensions import db
from app.guards import role_required
from app.loaders import readable_plan
from app.planning import bp
from plans.accounts.models import Role
from plans.core import pool
from plans.documents import office, template_check, template_safety
from plans.documents import plan_document as export_docx
from plans.planning import finance

admin_only = role_required(Role.ADMIN)


@bp.route("/<int:plan_id>/export.docx")
@login_required
def export_docx_file(plan_id: int):
    plan = readable_plan(plan_id)
    # Bounded on the whole server, one turn per user: a French 503 or 429 (plans/core/pool.py, app/heavy.py). The
    # plan's actions are loaded inside (plan_document.build_context): a refused request costs nothing but its answer.
    with pool.slot("word", user=str(current_user.id)):
        files = council_files(plan)
    return send_file(io.BytesIO(files.docx), mimetype=export_docx.DOCX_MIMETYPE, as_attachment=True,
                     download_name=export_docx.docx_filename(plan), max_age=0)


@bp.route("/<int:plan_id>/export.pdf")
@login_required
def export_pdf_file(plan_id: int):
    plan = readable_plan(plan_id, finance.load_options())  # actions, schedules, lines: a few queries
    files = council_files(plan)
    if files.pdf is None:
        return error_response(503, f"Le document du plan n'est pas disponible en PDF : {files.problem} "
                                   "Le document Word (.docx) reste téléchargeable depuis la page du plan.")
    return send_file(io.BytesIO(files.pdf), mimetype=office.PDF_MIMETYPE, as_attachment=True,
                     download_name=export_docx.pdf_filename(plan), max_age=0)


def _model_state() -> dict:
    uploaded = uploaded_template_path()
    if uploaded is not None and uploaded.is_file():
        stamp = datetime.fromtimestamp(uploaded.stat().st_mtime)
        return {"custom": True, "since": stamp.strftime("%d/%m/%Y à %H:%M")}
    return {"custom": False, "since": None}


def _page(problems: list[str] | None = None, status: int = 200):
    return render_template("planning/docx_template.html", state=_model_state(), problems=problems or [],
                           variables=sorted(export_docx.VARIABLES),
                           required=sorted(export_docx.REQUIRED_VARIABLES),
                           filters=template_safety.ALLOWED_FILTERS), status


@bp.route("/modele-word", methods=["GET", "POST"])
@admin_only
def docx_template():
    if request.method == "GET":
        return _page()
    target = uploaded_template_path()
    if request.form.get("action") == "reset":
        if target.is_file():
            target.unlink()
            log_action("docx_template.reset")
            db.session.commit()
        flash("Le modèle Word livré avec l'application est de nouveau utilisé.", "info")
        return redirect(url_for("planning.docx_template"), code=303)
    upload = request.files.get("modele")
    if upload is None or not upload.filename:
        return _page(["Choisissez un fichier Word (.docx) à envoyer."], 400)
    if not upload.filename.lower().endswith(".docx"):
        return _page(["Le modèle doit être un fichier Word au format .docx."], 400)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(suffix=".docx", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            upload.save(out)
        problems = template_check.check_replacement(db.session, temp)
        if problems:
            return _page(["Le modèle n'a pas été remplacé : " + problems[0]] + problems[1:], 400)
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()
    log_action("docx_template.upload", upload.filename)
    db.session.commit()
    flash(f"Nouveau modèle Word enregistré ({upload.filename}) : il sert désormais à tous les exports.", "info")
    return redirect(url_for("planning.docx_template"), code=303)


@bp.route("/modele-word/telecharger")
@admin_only
def docx_template_download():
    path = active_template_path()
    if not path.is_file():
        abort(404, "Le modèle Word est introuvable.")
    return send_file(path, mimetype=export_docx.DOCX_MIMETYPE, as_attachment=True, download_name="pdl_m.docx",
                     max_age=0)
