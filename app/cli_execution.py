"""`flask plans execution-export` and `flask plans execution-import`: the year's execution sheet (XLSX,
plans/reporting/execution_sheet.py), to fill a plan's execution offline and bring it back in one go."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app

from app.extensions import db
from plans.accounts import service as accounts_service
from plans.core.errors import ValidationError
from plans.documents import execution_report, template_safety
from plans.execution import evidence
from plans.planning import finance
from plans.planning.models import Plan
from plans.reporting import execution_sheet


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    raise SystemExit(1)


@click.command("execution-export", help="Écrit la feuille d'exécution d'une année d'un plan validé ou adopté "
                                        "(XLSX, une ligne par action et ligne de financement). "
                                        "Exemple : plans execution-export 12 --year 2025 -o execution.xlsx")
@click.argument("plan_id", type=int)
@click.option("--year", "year", required=True, type=int, help="L'année de l'exécution (dans la période du plan).")
@click.option("-o", "--output", "output", default=None, metavar="FICHIER.xlsx",
              help="Fichier à écrire (par défaut : execution-<uuid>-r<révision>-<année>.xlsx).")
def execution_export(plan_id: int, year: int, output: str | None):
    plan = db.session.get(Plan, plan_id, options=finance.load_options())
    if plan is None:
        _fail(f"Aucun plan n°{plan_id}. La commande « plans list » donne les numéros.")
    try:
        data = execution_sheet.export_bytes(db.session, plan, year)
    except ValidationError as error:
        _fail(" ".join(error.messages))
    path = output or execution_sheet.file_name(plan, year)
    try:
        with open(path, "wb") as out:
            out.write(data)
    except OSError as error:
        _fail(f"Écriture impossible de « {path} » : {error.strerror}.")
    click.echo(f"{path} écrit : exécution {year} du plan n°{plan.id} ({plan.title}).", err=True)


@click.command("execution-import", help="Importe une feuille d'exécution remplie : chaque cellule est vérifiée, "
                                        "rien n'est enregistré en cas d'erreur. "
                                        "Exemple : plans execution-import execution.xlsx --as planificateur@mairie.ml")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--as", "as_email", default=None, metavar="EMAIL",
              help="Importe au nom de ce compte (ses droits s'appliquent et le journal le nomme) ; sans cette "
                   "option, au nom de l'administration du serveur.")
def execution_import(path: str, as_email: str | None):
    session = db.session
    user = None
    if as_email:
        user = accounts_service.user_by_email(session, as_email)
        if user is None:
            _fail(f"Aucun compte « {as_email} ». La commande « users list » donne les comptes.")
    if not os.path.exists(path):
        _fail(f"Fichier introuvable : « {path} ».")
    if os.path.getsize(path) > execution_sheet.MAX_BYTES:
        _fail(f"Fichier trop volumineux : au plus {execution_sheet.MAX_BYTES // (1024 * 1024)} Mo.")
    try:
        with open(path, "rb") as source:
            data = source.read()
    except OSError as error:
        _fail(f"Lecture impossible de « {path} » : {error.strerror}.")
    try:
        result = execution_sheet.import_bytes(session, data, user)
        session.commit()
    except ValidationError as error:
        session.rollback()
        lines = error.messages
        click.echo(f"Erreur : import refusé, rien n'a été modifié ({len(lines)} problème(s)).", err=True)
        for line in lines:
            click.echo(f"  - {line}", err=True)
        raise SystemExit(1) from None
    except PermissionError as error:
        session.rollback()
        _fail(str(error))
    click.echo(f"Exécution {result.year} du plan n°{result.plan.id} importée : {len(result.saved)} action(s) "
               f"enregistrée(s), {result.unchanged} inchangée(s).")


@click.command("execution-report", help="Écrit le bilan annuel d'exécution (Word) d'un plan validé ou adopté, pour "
                                        "le conseil et la commission de suivi. "
                                        "Exemple : plans execution-report 12 --year 2025 -o bilan-2025.docx")
@click.argument("plan_id", type=int)
@click.option("--year", "year", required=True, type=int, help="L'année du bilan (dans la période du plan).")
@click.option("-o", "--output", "output", default=None, metavar="FICHIER.docx",
              help="Fichier à écrire (par défaut : Bilan_execution_<collectivité>_<année>.docx).")
def execution_report_command(plan_id: int, year: int, output: str | None):
    plan = db.session.get(Plan, plan_id, options=finance.load_options())
    if plan is None:
        _fail(f"Aucun plan n°{plan_id}. La commande « plans list » donne les numéros.")
    try:
        data = execution_report.render_docx(plan, db.session, year, evidence_folder=Path(
            current_app.config.get("EVIDENCE_DIR") or evidence.folder_of(current_app.instance_path)))
    except execution_report.NotReportable as error:
        _fail(str(error))
    except template_safety.TemplateRefused as error:
        _fail(template_safety.export_refusal(error))
    path = output or execution_report.docx_filename(plan, year)
    try:
        with open(path, "wb") as out:
            out.write(data)
    except OSError as error:
        _fail(f"Écriture impossible de « {path} » : {error.strerror}.")
    click.echo(f"{path} écrit : bilan d'exécution {year} du plan n°{plan.id} ({plan.title}, "
               f"{len(data) // 1024} Ko).")


def register(plans_group: click.Group) -> None:
    plans_group.add_command(execution_export)
    plans_group.add_command(execution_import)
    plans_group.add_command(execution_report_command)
