"""The plan file in the browser: download a plan as JSON, upload one (plans/review/planfile.py does the work).

GET  /plans/<id>/plan.json   the plan file (anyone who may read the plan; a masked point only for those who may see it)
GET  /plans/importer         the upload form (planners: plans of their collectivités; administrators)
POST /plans/importer         a .json file: imported whole, or refused with the French reasons (400), nothing changed
"""
from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.loaders import readable_plan
from app.planning import bp
from plans.accounts.models import Role
from plans.core import pool
from plans.core.errors import ValidationError
from plans.planning import finance
from plans.review import planfile, planfile_import

IMPORTERS = (Role.PLANNER, Role.ADMIN)


@bp.route("/<int:plan_id>/plan.json")
@login_required
def export_planfile(plan_id: int):
    plan = readable_plan(plan_id, finance.load_options())
    data = planfile.document_bytes(planfile.export_for(db.session, plan, current_user))
    return send_file(io.BytesIO(data), mimetype=planfile.MEDIA_TYPE, as_attachment=True,
                     download_name=planfile.file_name(plan), max_age=0)


def _page(problems: list[str] | None = None, status: int = 200):
    return render_template("planning/import.html", problems=problems or [],
                           max_mb=planfile.MAX_DOCUMENT_MB), status


@bp.route("/importer", methods=["GET", "POST"])
@login_required
def import_planfile():
    if current_user.role not in IMPORTERS:
        abort(403, "Seuls les planificateurs et les administrateurs importent un fichier de plan.")
    if request.method == "GET":
        return _page()
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        return _page(["Choisissez le fichier du plan (.json) à envoyer."], 400)
    data = upload.stream.read(planfile.MAX_DOCUMENT_BYTES + 1)
    try:
        # bounded on the whole server, one turn per user: a French 503 or 429 (plans/core/pool.py, app/heavy.py)
        with pool.slot("import", user=str(current_user.id)):
            result = planfile_import.import_document(db.session, data, current_user._get_current_object(),
                                                     source=upload.filename, ip=request.remote_addr or "")
            db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        lines = planfile.error_lines(error)
        return _page(["Le fichier n'a pas été importé, rien n'a été modifié :"] + lines[:planfile.MAX_MESSAGES], 400)
    except (IntegrityError, OperationalError):  # the commit itself failed: another write at the same instant
        db.session.rollback()
        return _page(["Le fichier n'a pas été importé, rien n'a été modifié :", planfile_import.MSG_BUSY], 400)
    plan = result.plan
    if result.created:
        flash(f"Plan « {plan.title} » créé à partir du fichier {upload.filename}.", "info")
    elif result.new_revision:
        flash(f"Révision {plan.revision} du plan « {plan.title} » créée à partir du fichier {upload.filename}.", "info")
    else:
        flash(f"Plan « {plan.title} » mis à jour à partir du fichier {upload.filename}.", "info")
    for warning in result.warnings:
        flash(warning, "warning")
    return redirect(url_for("planning.overview", plan_id=plan.id), code=303)
