"""`flask plans export` and `flask plans import`: the plan file (plans/review/planfile.py) from a terminal, to carry
a plan between a commune's laptop and the national server."""
from __future__ import annotations

import os

import click

from app.extensions import db
from plans.accounts import service as accounts_service
from plans.core import audit as audit_service
from plans.core import limits
from plans.core.errors import ValidationError
from plans.planning import finance
from plans.planning.models import Plan
from plans.review import planfile, planfile_import


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    raise SystemExit(1)


@click.command("export", help="Écrit le fichier d'un plan (JSON, format pdl-m-plan). "
                              "Exemple : plans export 12 -o plan.json")
@click.argument("plan_id", type=int)
@click.option("-o", "--output", "output", default=None, metavar="FICHIER.json",
              help="Fichier à écrire (par défaut : plan-<uuid>-r<révision>.json dans le dossier courant ; "
                   "« - » pour la sortie standard).")
def plans_export(plan_id: int, output: str | None):
    plan = db.session.get(Plan, plan_id, options=finance.load_options())
    if plan is None:
        _fail(f"Aucun plan n°{plan_id}. La commande « plans list » donne les numéros.")
    data = planfile.document_bytes(planfile.export_document(db.session, plan))
    if output == "-":
        click.echo(data.decode("utf-8"), nl=False)
        return
    path = output or planfile.file_name(plan)
    with open(path, "wb") as out:
        out.write(data)
    click.echo(f"{path} écrit ({len(data) // 1024} Ko) : plan n°{plan.id}, révision {plan.revision}.", err=True)


@click.command("import", help="Importe un fichier de plan : met à jour le plan de même UUID, en crée une nouvelle "
                              "révision s'il est adopté, ou le crée. Rien n'est modifié en cas d'erreur. "
                              "Exemple : plans import plan.json --as planificateur@mairie.ml")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--as", "as_email", default=None, metavar="EMAIL",
              help="Importe au nom de ce compte (ses droits s'appliquent et l'historique le nomme) ; sans cette "
                   "option, l'import est fait au nom de l'administration du serveur.")
def plans_import(path: str, as_email: str | None):
    session = db.session
    user = None
    if as_email:
        user = accounts_service.user_by_email(session, as_email)
        if user is None:
            _fail(f"Aucun compte « {as_email} ». La commande « users list » donne les comptes.")
    try:
        if path == "-":
            data = click.get_binary_stream("stdin").read(planfile.MAX_DOCUMENT_BYTES + 1)
        else:
            if not os.path.exists(path):
                _fail(f"Fichier introuvable : « {path} ».")
            if limits.file_too_large(os.path.getsize(path)):
                _fail(limits.file_too_large(os.path.getsize(path)))
            with open(path, "rb") as source:
                data = source.read()
    except OSError as error:
        _fail(f"Lecture impossible de « {path} » : {error.strerror}.")
    try:
        result = planfile_import.import_document(session, data, user, source=os.path.basename(path))
        audit_service.record(session, user, "plan.import", result.plan.uuid,
                             {"revision": result.plan.revision, "file": os.path.basename(path),
                              "created": result.created, "new_revision": result.new_revision, "via": "cli"})
        session.commit()
    except ValidationError as error:
        session.rollback()
        lines = planfile.error_lines(error)
        click.echo(f"Erreur : import refusé, rien n'a été modifié ({len(lines)} problème(s)).", err=True)
        for line in lines:
            click.echo(f"  - {line}", err=True)
        raise SystemExit(1)
    plan = result.plan
    what = ("créé" if result.created else f"nouvelle révision {plan.revision} créée" if result.new_revision
            else "mis à jour")
    click.echo(f"Plan n°{plan.id} {what} : {plan.title} (UUID {plan.uuid}, révision {plan.revision}).")
    for warning in result.warnings:
        click.echo(f"Attention : {warning}", err=True)


def register(plans_group: click.Group) -> None:
    plans_group.add_command(plans_export)
    plans_group.add_command(plans_import)
