"""The « Exécution » page of a plan (per year: each action's state, progress and financial rate, the plan's rates)
and the form of one action in one year (its state and, per funding line, the FCFA mobilised and paid).

Views are thin: the rules and the writes are plans/execution/service.py's, every figure plans/execution/figures.py's.
A refused save is a 400 page that keeps what was typed, a stale form the 409 screen of app/planning/conflicts.py
(the saved record against the user's, field by field), a reader who may not record (a reviewer, an administrator,
a plan not validated or adopted) a 403 on a post and a read-only page on a get.
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, TextAreaField

from app.choices import select_choices
from app.execution import bp
from app.extensions import db
from app.loaders import readable_plan
from app.planning import conflicts, editors
from app.planning.fields import TrimmedStringField
from plans.core import formatting, limits, pool
from plans.core.errors import ConflictError, ValidationError
from plans.core.vocab import CODEV_STATES, EXECUTION_STATUSES, FUNDING_SOURCES, FUNDING_STATUSES, SECTORS
from plans.documents import execution_report, plan_document
from plans.execution import evidence, figures, measures, service
from plans.execution.models import ExecutionChange
from plans.planning import completeness, finance, indicators
from plans.planning.models import Action, Indicator, Plan
from plans.planning.sectiondata import suivi
from plans.reporting import execution_sheet


class MoneyForm(Form):
    mobilised = TrimmedStringField("Mobilisé dans l'année (FCFA)")
    paid = TrimmedStringField("Payé dans l'année (FCFA)")


class ExecutionForm(FlaskForm):
    version = HiddenField()
    status = SelectField("État d'exécution", choices=select_choices(EXECUTION_STATUSES.items()), default="prevu",
                         validate_choice=False)
    progress = TrimmedStringField("Avancement physique à la fin de l'année (%)", default="0")
    start_date = TrimmedStringField("Date de début des travaux", render_kw={"type": "date"})
    end_date = TrimmedStringField("Date de fin des travaux", render_kw={"type": "date"})
    contractor = TrimmedStringField("Entreprise ou prestataire")
    observations = TextAreaField("Observations")
    functioning = SelectField("État de fonctionnement (ouvrage réalisé)",
                              choices=select_choices(CODEV_STATES.items(), blank="— non renseigné —"),
                              validate_choice=False)
    funding = FieldList(FormField(MoneyForm), min_entries=0)


def _form_data(saved: dict) -> dict:
    """plans.execution.service.dump → the form's data, amounts written the French way."""
    return {"status": saved["status"], "progress": str(saved["progress"]), "start_date": saved["start_date"] or "",
            "end_date": saved["end_date"] or "", "contractor": saved["contractor"],
            "observations": saved["observations"], "functioning": saved["functioning"] or "",
            "funding": [{"mobilised": formatting.number(row["mobilised"], plain=True),
                         "paid": formatting.number(row["paid"], plain=True)} for row in saved["funding"]]}


def _to_data(form) -> dict:
    return {**{name: getattr(form, name).data for name in service.FIELDS},
            "funding": [{"mobilised": e.form.mobilised.data, "paid": e.form.paid.data} for e in form.funding]}


def _stored_form(action: Action, year: int):
    record = service.record_of(db.session, action, year)
    form = ExecutionForm(formdata=None, data=_form_data(service.dump(action, year, record)))
    form.version.data = str(service.version_of(record))
    return form, record


def _loaded(plan: Plan) -> Plan:
    loaded = db.session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True)
    return loaded if loaded is not None else plan


def _year(plan: Plan, raw, records) -> int:
    """The year asked (« annee »), else the latest year recorded, else this year when it is in the period, else the
    period's first year."""
    try:
        year = int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    if year in plan.years:
        return year
    recorded = [r.year for r in records if r.year in plan.years]
    if recorded:
        return max(recorded)
    today = date.today().year
    return today if today in plan.years else plan.period_start


def _common(plan: Plan) -> dict:
    return {"plan": plan, "check": completeness.check_plan(plan), "section": None,
            "can_edit": True,  # the layout's banner speaks of the plan's content; these pages say their own
            "may_record": service.may_edit(current_user, plan), "fcfa": formatting.fcfa,
            "percent": lambda x: formatting.percent(x, 2), "status_labels": EXECUTION_STATUSES,
            "sector_labels": SECTORS, "source_labels": FUNDING_SOURCES, "line_status_labels": FUNDING_STATUSES,
            "state_labels": {k: s.label for k, s in indicators.FUNDING_STATES.items()},
            "functioning_labels": CODEV_STATES, "shown": _shown}


@bp.route("/<int:plan_id>/execution")
@login_required
def page(plan_id: int):
    return _page(readable_plan(plan_id), request.args.get("annee"))


def _page(plan: Plan, raw_year, sheet_errors=(), status: int = 200):
    plan = _loaded(plan)
    records = service.records(db.session, plan) if service.is_open(plan) else []
    year = _year(plan, raw_year, records)
    ex = figures.plan_execution(plan, records, year) if service.is_open(plan) else None
    compared = measures.against_targets(plan, measures.measures(db.session, plan), year) \
        if service.is_open(plan) else []
    return render_template("execution/page.html", year=year, ex=ex, is_open=service.is_open(plan),
                           not_open=service.MSG_NOT_OPEN.format(status=plan.status.label), compared=compared,
                           groups_of=measures.groups, sheet_errors=list(sheet_errors), **_common(plan)), status


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/<int:plan_id>/execution/<int:year>/feuille.xlsx")
@login_required
def sheet_download(plan_id: int, year: int):
    plan = readable_plan(plan_id)
    if not service.is_open(plan):
        abort(403, service.MSG_NOT_OPEN.format(status=plan.status.label))
    plan = _loaded(plan)
    if year not in plan.years:
        abort(404, f"L'année {year} est hors de la période du plan ({plan.period_start}–{plan.period_end}).")
    data = execution_sheet.export_bytes(db.session, plan, year)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=execution_sheet.file_name(plan, year))


@bp.route("/<int:plan_id>/execution/<int:year>/bilan.docx")
@login_required
def report_download(plan_id: int, year: int):
    """The annual review (plans/documents/execution_report.py), through the pool of expensive work like the council
    document (plans/core/pool.py, app/heavy.py: a French 503 or 429)."""
    plan = readable_plan(plan_id)
    if not service.is_open(plan):
        abort(403, service.MSG_NOT_OPEN.format(status=plan.status.label))
    if year not in plan.years:
        abort(404, f"L'année {year} est hors de la période du plan ({plan.period_start}–{plan.period_end}).")
    with pool.slot("word", user=str(current_user.id)):
        plan = _loaded(plan)
        data = execution_report.render_docx(plan, db.session, year, evidence_folder=_evidence_folder())
    return send_file(io.BytesIO(data), mimetype=plan_document.DOCX_MIMETYPE, as_attachment=True,
                     download_name=execution_report.docx_filename(plan, year), max_age=0)


@bp.route("/<int:plan_id>/execution/<int:year>/feuille", methods=["POST"])
@login_required
def sheet_upload(plan_id: int, year: int):
    plan = readable_plan(plan_id)
    refusal = service.edit_refusal(current_user, plan)
    if refusal:
        abort(403, refusal)
    if year not in plan.years:
        abort(404, f"L'année {year} est hors de la période du plan ({plan.period_start}–{plan.period_end}).")
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        return _page(plan, year, ["Choisissez la feuille d'exécution (.xlsx) à envoyer."], 400)
    data = upload.stream.read(execution_sheet.MAX_BYTES + 1)
    try:
        # bounded on the whole server, one turn per user (plans/core/pool.py, app/heavy.py)
        with pool.slot("import", user=str(current_user.id)):
            result = execution_sheet.import_bytes(db.session, data, current_user._get_current_object(),
                                                  plan_id=plan.id, year=year, ip=request.remote_addr or "")
            db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        return _page(plan, year, ["La feuille n'a pas été importée, rien n'a été modifié :"] + error.messages[:200],
                     400)
    flash(f"Feuille d'exécution {year} importée : {len(result.saved)} action(s) enregistrée(s), "
          f"{result.unchanged} inchangée(s).", "info")
    return redirect(url_for("execution.page", plan_id=plan.id, annee=year), code=303)


def _shown(indicator: Indicator, value) -> str:
    """A measured or target figure as read: Oui/Non for a oui/non indicator, else the French number."""
    if value is None:
        return "—"
    if suivi.is_yes_no(indicator.unit):
        return suivi.display_value(indicator.unit, value)
    if (indicator.unit or "").strip().casefold() in ("année", "annee"):
        return formatting.number(value, plain=True).replace(" ", "")  # a year reads 2025, not 2 025
    return formatting.number(value)


def _action_of(plan: Plan, action_id: int, year: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or action.plan_id != plan.id:
        abort(404, "Cette action n'existe pas dans ce plan.")
    if year not in plan.years:
        abort(404, f"L'année {year} est hors de la période du plan ({plan.period_start}–{plan.period_end}).")
    return action


def _render_form(plan: Plan, action: Action, year: int, form, status: int = 200, evidence_errors=(),
                 caption: str = ""):
    records = service.records(db.session, plan)
    ax = figures.plan_execution(plan, records, year).for_action(action)
    return render_template("execution/action_form.html", action=action, year=year, form=form, ax=ax,
                           history=service.history(db.session, plan, action, year),
                           current_version=service.version_of(ax.record),
                           evidence=evidence.of_action(db.session, plan, action, year),
                           evidence_errors=list(evidence_errors), evidence_caption=caption,
                           evidence_limit_mb=limits.EVIDENCE_BYTES // 1_048_576, **_common(plan)), status


def _conflict_page(plan: Plan, action: Action, year: int, mine_form, missing=(), choices=None):
    theirs, record = _stored_form(action, year)
    labels = {f"funding-{i}-{key}": f"{label} — {service.line_label(line)} (FCFA)"
              for i, line in enumerate(action.funding_lines)
              for key, label in (("mobilised", "Mobilisé"), ("paid", "Payé"))}
    saved_by = record.saved_by if record is not None else None
    conflict = {"version": service.version_of(record), "saved_at": record.saved_at if record else None,
                "saved_by": (saved_by.full_name or saved_by.email) if saved_by else "",
                "comparison": conflicts.compare(mine_form, theirs, labels), "missing": list(missing),
                "choices": dict(choices or {})}
    url = url_for("execution.action_form", plan_id=plan.id, action_id=action.id, year=year)
    return render_template("execution/conflict.html", action=action, year=year, conflict=conflict, post_url=url,
                           reload_url=url, **_common(plan)), 409


@bp.route("/<int:plan_id>/execution/<int:year>/actions/<int:action_id>", methods=["GET", "POST"])
@login_required
def action_form(plan_id: int, year: int, action_id: int):
    plan = readable_plan(plan_id)
    if not service.is_open(plan):
        abort(403, service.MSG_NOT_OPEN.format(status=plan.status.label))
    plan = _loaded(plan)
    action = _action_of(plan, action_id, year)
    if request.method != "POST":
        form, _record = _stored_form(action, year)
        return _render_form(plan, action, year, form)
    refusal = service.edit_refusal(current_user, plan)
    if refusal:
        abort(403, refusal)
    if conflicts.RESOLVING in request.form:  # a post from the 409 screen
        theirs, _record = _stored_form(action, year)
        merged, missing, choices = conflicts.resolution_formdata(theirs, request.form)
        if missing:
            return _conflict_page(plan, action, year, ExecutionForm(
                formdata=conflicts.all_mine_formdata(theirs, request.form)), missing, choices)
        form = ExecutionForm(formdata=merged)
    else:
        form = ExecutionForm()
    if not form.validate():  # CSRF; the rules are plans/'s
        flash("Rien n'a été enregistré : le formulaire a expiré, rechargez la page.", "error")
        return _render_form(plan, action, year, form, 400)
    try:
        service.save(db.session, plan, action, year, _to_data(form), form.version.data, current_user,
                     ip=request.remote_addr or "")
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        editors.attach_errors(form, error)
        flash("Rien n'a été enregistré : corrigez les champs signalés.", "error")
        return _render_form(plan, action, year, form, 400)
    except ConflictError:
        db.session.rollback()
        return _conflict_page(plan, action, year, form)
    flash(f"Exécution {year} de « {action.title} » enregistrée.", "info")
    return redirect(url_for("execution.page", plan_id=plan.id, annee=year) + f"#action-{action.id}", code=303)


@bp.route("/<int:plan_id>/execution/historique/<int:change_id>/restaurer", methods=["POST"])
@login_required
def restore(plan_id: int, change_id: int):
    plan = readable_plan(plan_id)
    refusal = service.edit_refusal(current_user, plan)
    if refusal:
        abort(403, refusal)
    plan = _loaded(plan)
    try:
        record = service.restore(db.session, plan, change_id, request.form.get("version"), current_user,
                                 ip=request.remote_addr or "")
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        flash(" ".join(error.messages), "error")
        return redirect(url_for("execution.page", plan_id=plan.id), code=303)
    except ConflictError:
        db.session.rollback()
        change = db.session.get(ExecutionChange, change_id)
        action = db.session.scalar(sa.select(Action).where(Action.plan_id == plan.id,
                                                           Action.uuid == change.action_uuid))
        flash("Cette exécution a été enregistrée entre-temps : la version affichée n'était plus la dernière. "
              "Rien n'a été restauré ; voici la version enregistrée, choisissez à nouveau.", "error")
        form, _record = _stored_form(action, change.year)
        return _render_form(plan, action, change.year, form, 409)
    flash("La version choisie a été restaurée (elle devient la version en cours ; l'historique la garde).", "info")
    return redirect(url_for("execution.action_form", plan_id=plan.id, action_id=record.action_id,
                            year=record.year), code=303)


# ----- Indicators measured ------------------------------------------------------------------------------------

class MeasureForm(FlaskForm):
    version = HiddenField()
    value = TrimmedStringField("Valeur mesurée")
    source = TrimmedStringField("Source de la mesure")
    measured_on = TrimmedStringField("Date de la mesure", render_kw={"type": "date"})


def _measure_form_class(indicator: Indicator) -> type:
    """The form with one input per group the indicator is measured by (plans/execution/measures.py, `groups`)."""
    fields = {f"group_{key}": TrimmedStringField(f"Valeur : {label}", name=f"group-{key}")
              for key, label in measures.groups(indicator)}
    return type("IndicatorMeasureForm", (MeasureForm,), fields)


def _measure_data(indicator: Indicator, row) -> dict:
    if row is None:
        return {}
    data = {"value": _shown(indicator, row.value) if row.value is not None else "", "source": row.source,
            "measured_on": row.measured_on.isoformat() if row.measured_on else ""}
    for key, _label in measures.groups(indicator):
        raw = (row.breakdown or {}).get(key)
        data[f"group_{key}"] = _shown(indicator, raw) if raw not in (None, "") else ""
    return data


def _indicator_of(plan: Plan, indicator_id: int, year: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.plan_id != plan.id:
        abort(404, "Cet indicateur n'existe pas dans ce plan.")
    if year not in plan.years:
        abort(404, f"L'année {year} est hors de la période du plan ({plan.period_start}–{plan.period_end}).")
    return indicator


def _render_measure(plan: Plan, indicator: Indicator, year: int, form, status: int = 200, conflict=None):
    target = next(a.target for a in measures.against_targets(plan, [], year) if a.indicator.id == indicator.id)
    return render_template("execution/measure_form.html", indicator=indicator, year=year, form=form,
                           target=_shown(indicator, target), conflict=conflict,
                           group_fields=[getattr(form, f"group_{key}") for key, _ in measures.groups(indicator)],
                           **_common(plan)), status


@bp.route("/<int:plan_id>/execution/<int:year>/indicateurs/<int:indicator_id>", methods=["GET", "POST"])
@login_required
def measure_form(plan_id: int, year: int, indicator_id: int):
    plan = readable_plan(plan_id)
    if not service.is_open(plan):
        abort(403, service.MSG_NOT_OPEN.format(status=plan.status.label))
    indicator = _indicator_of(plan, indicator_id, year)
    cls = _measure_form_class(indicator)
    row = measures.measure_of(db.session, indicator, year)
    if request.method != "POST":
        form = cls(formdata=None, data=_measure_data(indicator, row))
        form.version.data = str(row.version if row is not None else 0)
        return _render_measure(plan, indicator, year, form)
    refusal = service.edit_refusal(current_user, plan)
    if refusal:
        abort(403, refusal)
    form = cls()
    if not form.validate():
        flash("Rien n'a été enregistré : le formulaire a expiré, rechargez la page.", "error")
        return _render_measure(plan, indicator, year, form, 400)
    data = {"value": form.value.data, "source": form.source.data, "measured_on": form.measured_on.data,
            "groups": {key: getattr(form, f"group_{key}").data for key, _ in measures.groups(indicator)}}
    try:
        measures.save(db.session, plan, indicator, year, data, form.version.data, current_user,
                      ip=request.remote_addr or "")
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        editors.attach_errors(form, error)
        flash("Rien n'a été enregistré : corrigez les champs signalés.", "error")
        return _render_measure(plan, indicator, year, form, 400)
    except ConflictError:
        db.session.rollback()
        saved = measures.measure_of(db.session, indicator, year)
        theirs = cls(formdata=None, data=_measure_data(indicator, saved))
        conflict = {"version": saved.version if saved is not None else 0,
                    "comparison": conflicts.compare(form, theirs)}
        form.version.data = str(conflict["version"])
        flash("Quelqu'un a enregistré cette mesure pendant que vous la saisissiez : rien n'a été enregistré. "
              "Comparez les deux versions ; votre saisie est gardée dans le formulaire, enregistrez-la à nouveau "
              "pour remplacer la version enregistrée.", "error")
        return _render_measure(plan, indicator, year, form, 409, conflict=conflict)
    flash(f"Mesure {year} de « {indicator.name} » enregistrée.", "info")
    return redirect(url_for("execution.page", plan_id=plan.id, annee=year) + f"#indicateur-{indicator.id}",
                    code=303)


# ----- Evidence: photos and documents of an action's year (plans/execution/evidence.py) -------------------------

def _evidence_folder():
    return Path(current_app.config.get("EVIDENCE_DIR") or evidence.folder_of(current_app.instance_path))


@bp.route("/<int:plan_id>/execution/<int:year>/actions/<int:action_id>/pieces", methods=["POST"])
@login_required
def evidence_upload(plan_id: int, year: int, action_id: int):
    plan = readable_plan(plan_id)
    refusal = service.edit_refusal(current_user, plan)
    if refusal:
        abort(403, refusal)
    plan = _loaded(plan)
    action = _action_of(plan, action_id, year)
    caption = request.form.get("legende", "")
    form, _record = _stored_form(action, year)
    if not FlaskForm().validate():  # CSRF
        return _render_form(plan, action, year, form, 400, ["Rien n'a été envoyé : le formulaire a expiré, "
                                                            "rechargez la page."], caption)
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        return _render_form(plan, action, year, form, 400, [evidence.MSG_NONE], caption)
    data = upload.stream.read(limits.EVIDENCE_BYTES + 1)
    folder = _evidence_folder()
    try:
        item = evidence.add(db.session, folder, plan, action, year, upload.filename, data, caption,
                            current_user._get_current_object(), ip=request.remote_addr or "")
    except ValidationError as error:
        db.session.rollback()
        return _render_form(plan, action, year, form, 400, error.messages, caption)
    written = evidence.stored_paths(folder, plan, item)
    name = item.original_name
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        evidence.remove_files(written)  # no file without its row
        raise
    flash(f"« {name} » ajouté aux pièces de l'exécution {year}.", "info")
    return redirect(url_for("execution.action_form", plan_id=plan.id, year=year, action_id=action.id)
                    + "#pieces", code=303)


def _evidence_or_404(plan: Plan, evidence_id: int):
    item = evidence.get(db.session, plan, evidence_id)
    if item is None:
        abort(404, "Cette pièce n'existe pas dans ce plan.")
    return item


def _send_evidence(plan: Plan, evidence_id: int, thumbnail: bool):
    item = _evidence_or_404(plan, evidence_id)
    if thumbnail and not item.is_image:
        abort(404, "Un document PDF n'a pas de miniature.")
    path = evidence.file_path(_evidence_folder(), plan, item, thumbnail)
    if not path.is_file():
        abort(404, "Le fichier de cette pièce est introuvable sur le serveur (sauvegarde restaurée sans ses "
                   "fichiers ?).")
    response = send_file(path, mimetype=item.content_type, as_attachment=not item.is_image,
                         download_name=("miniature-" if thumbnail else "") + item.download_name,
                         conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # never run as a page, whatever a browser would make of it
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:plan_id>/execution/pieces/<int:evidence_id>")
@login_required
def evidence_file(plan_id: int, evidence_id: int):
    return _send_evidence(readable_plan(plan_id), evidence_id, thumbnail=False)


@bp.route("/<int:plan_id>/execution/pieces/<int:evidence_id>/miniature")
@login_required
def evidence_thumbnail(plan_id: int, evidence_id: int):
    return _send_evidence(readable_plan(plan_id), evidence_id, thumbnail=True)


@bp.route("/<int:plan_id>/execution/pieces/<int:evidence_id>/supprimer", methods=["POST"])
@login_required
def evidence_delete(plan_id: int, evidence_id: int):
    plan = readable_plan(plan_id)
    refusal = service.edit_refusal(current_user, plan)
    if refusal:
        abort(403, refusal)
    item = _evidence_or_404(plan, evidence_id)
    if not FlaskForm().validate():
        abort(400, "Rien n'a été supprimé : le formulaire a expiré, rechargez la page.")
    year, action_id, name = item.year, item.action_id, item.original_name
    doomed = evidence.stored_paths(_evidence_folder(), plan, item)
    evidence.delete(db.session, plan, item.id, current_user._get_current_object(), ip=request.remote_addr or "")
    db.session.commit()
    evidence.remove_files(doomed)  # once the row is gone for good
    flash(f"« {name} » supprimé des pièces de l'exécution {year}.", "info")
    return redirect(url_for("execution.action_form", plan_id=plan.id, year=year, action_id=action_id) + "#pieces",
                    code=303)
