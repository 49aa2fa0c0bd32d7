"""Command-line interface: `flask --app wsgi <group> <command>`."""
from __future__ import annotations

import sys
import time
from datetime import date

import click
import sqlalchemy as sa
from flask import Flask, current_app

from app.cli_backup import backup_group
from app.cli_execution import register as register_execution
from app.cli_planfile import register as register_planfile
from app.cli_tokens import tokens_group
from app.docx_template import council_files
from app.extensions import db
from plans.accounts import service as accounts_service
from plans.core.errors import ValidationError
from plans.demo import execution as demo_execution
from plans.demo import seed as demo
from plans.documents import plan_document as export_docx
from plans.documents import template_safety
from plans.owners import service as owners_service
from plans.owners.models import PlanOwner
from plans.planning import finance
from plans.planning import location as plan_location
from plans.planning import summary as plan_summary
from plans.planning.models import Plan
from plans.reporting import export_parts
from plans.territory import editions as territory_editions
from plans.territory import loader as territory_loader
from plans.territory.edition_files import EditionFileError, Source, parse_columns


def register(app: Flask) -> None:
    app.cli.add_command(geodata)
    app.cli.add_command(setup)
    app.cli.add_command(users)
    app.cli.add_command(demo_group)
    app.cli.add_command(plans_group)
    register_planfile(plans_group)  # plans export / plans import
    register_execution(plans_group)  # plans execution-export / plans execution-import
    app.cli.add_command(backup_group)
    app.cli.add_command(tokens_group)


@click.group(help="Limites administratives (territoire).")
def geodata():
    pass


@geodata.command("load", help="Charge (ou vérifie) les régions, cercles, communes et unités étrangères de geodata/.")
@click.option("--dir", "directory", default=None, help="Dossier des fichiers GeoJSON (par défaut : geodata/).")
def geodata_load(directory: str | None):
    started = time.perf_counter()
    report = territory_loader.load_geodata(db.session, directory or current_app.config["GEODATA_DIR"])
    renamed = owners_service.sync_collectivite_names(db.session)  # a corrected name reaches plans and documents
    reshaped = owners_service.refresh_all_geometries(db.session)  # and a corrected boundary their groupings
    db.session.commit()
    click.echo(report.summary())
    if renamed:
        click.echo(f"Collectivités renommées d'après le territoire : {renamed}")
    if reshaped:
        click.echo(f"Groupements dont le territoire a changé : {reshaped}")
    click.echo(f"Durée : {time.perf_counter() - started:.1f} s")


@geodata.command("import-edition", help=(
    "Charge une édition des limites du Mali depuis les fichiers publiés (shapefile zippé, "
    "GeoPackage FICHIER.gpkg:couche, GeoJSON, géodatabase FICHIER.gdb:couche), dans n'importe quelle "
    "projection. Rien n'est écrit si un fichier est refusé."))
@click.argument("name")
@click.option("--regions", help="Fichier des régions.")
@click.option("--cercles", help="Fichier des cercles.")
@click.option("--communes", help="Fichier des communes.")
@click.option("--column", "columns", multiple=True,
              help="champ=COLONNE ou communes.champ=COLONNE (champ : code, name, parent, name_fr, alt_name).")
@click.option("--title", help="Nom affiché de l'édition (par défaut : NAME).")
@click.option("--valid-on", help="Date de validité des limites (AAAA-MM-JJ).")
@click.option("--licence", default="", help="Licence des données.")
@click.option("--attribution", default="", help="Mention de la source, affichée sur les cartes.")
@click.option("--not-current", is_flag=True, help="Charger sans en faire l'édition courante.")
@click.option("--crosswalk", help="Table de correspondance CSV (ancien_code, nouveau_code) depuis l'édition d'avant.")
@click.option("--from-edition", help="L'édition dont part la table (par défaut : la courante, sinon la plus récente).")
def geodata_import_edition(name, regions, cercles, communes, columns, title, valid_on, licence, attribution,
                           not_current, crosswalk, from_edition):
    started = time.perf_counter()
    given = {1: regions, 2: cercles, 3: communes}
    try:
        report = territory_editions.import_edition(
            db.session, name, {level: Source.parse(path) for level, path in given.items() if path},
            parse_columns(columns), name=title, valid_on=valid_on, licence=licence, attribution=attribution,
            current=not not_current, crosswalk=crosswalk, from_edition=from_edition)
        db.session.commit()
    except EditionFileError as exc:
        db.session.rollback()
        click.echo("Édition refusée, rien n'a été chargé :", err=True)
        for message in exc.messages:
            click.echo(f"  - {message}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"Édition {name} : {report.summary()}")
    click.echo(f"Durée : {time.perf_counter() - started:.1f} s")


@geodata.command("editions", help="Liste les éditions des limites du Mali chargées, avec leurs unités.")
def geodata_editions():
    for summary in territory_editions.list_editions(db.session):
        click.echo(summary.line())


@geodata.command("check-points", help=(
    "Liste les actions dont le point est hors du territoire de leur plan (au-delà de la tolérance), par exemple "
    "après le chargement d'une nouvelle édition des limites."))
@click.option("--tolerance", default=plan_location.DEFAULT_TOLERANCE_M, show_default=True, type=click.FloatRange(0),
              help="Tolérance en mètres, comme le formulaire d'une action.")
def geodata_check_points(tolerance: float):
    stray = plan_location.points_outside(db.session, tolerance_m=tolerance)
    for point in stray:
        click.echo(point.line())
    if not stray:
        click.echo("Toutes les actions placées sont dans le territoire de leur plan.")
    else:
        click.echo(f"{len(stray)} action(s) hors du territoire de leur plan.")
        raise SystemExit(1)


@click.command(help="Prépare une installation : territoire si absent, comptes et plans de démonstration si base neuve.")
def setup():
    session = db.session
    if not territory_loader.territory_is_loaded(session):
        click.echo("Chargement du territoire…")
        report = territory_loader.load_geodata(session, current_app.config["GEODATA_DIR"])
        owners_service.sync_collectivite_names(session)
        session.commit()
        click.echo(report.summary())
    if current_app.config["DEMO_DATA"]:
        report = demo.seed_new_install(session)
        session.commit()
        if report.logins:
            click.echo("Comptes de démonstration (base neuve) :")
            width = max(len(email) for email, _, _ in report.logins)
            role_width = max(len(role) for _, _, role in report.logins)
            for email, password, role in report.logins:
                click.echo(f"  {role:<{role_width}}  {email:<{width}}  mot de passe : {password}")
        if report.plans:
            click.echo("Plans de démonstration (cas d'essai) :")
            for seeded in report.plans:
                click.echo("  " + seeded.line())
        if report.execution:
            click.echo("Exécution de démonstration : " + report.execution)
    _fill_summaries(session)


def _fill_summaries(session) -> None:
    """Plans saved before their summary existed (an upgraded database) get it: the national desk reads them."""
    started = time.perf_counter()
    count = plan_summary.refresh_stale(session)
    session.commit()
    if count:
        click.echo(f"Synthèses des plans calculées : {count} ({time.perf_counter() - started:.1f} s).")


# ---------------------------------------------------------------------------------------------------------------
# users: accounts from the command line (the first administrator of a new installation, a forgotten password)


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    raise SystemExit(1)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    while True:
        first = click.prompt("Mot de passe", hide_input=True, default="", show_default=False)
        second = click.prompt("Confirmez le mot de passe", hide_input=True, default="", show_default=False)
        if first == second:
            return first
        click.echo("Les deux saisies sont différentes ; recommencez.", err=True)


@click.group(help="Comptes des utilisateurs.")
def users():
    pass


@users.command("create", help="Crée un compte. Exemple : users create prenom.nom@mairie.ml --role planner "
                              "--owner ML010115 --password-stdin")
@click.argument("email")
@click.option("--role", required=True, metavar="planner|reviewer|admin",
              help="planner (planificateur), reviewer (relecteur DGCT) ou admin (administrateur).")
@click.option("--owner", "owner_refs", multiple=True, metavar="P-CODE|NOM",
              help="Planificateurs : P-code d'une commune, d'un cercle ou d'une région, ou nom exact d'un "
                   "groupement existant. Répétable.")
@click.option("--region", "region_code", default=None, metavar="P-CODE",
              help="Relecteurs : P-code de la région suivie (par défaut : tout le pays).")
@click.option("--name", "full_name", default="", help="Nom et prénom.")
@click.option("--password-stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard (une ligne).")
def users_create(email, role, owner_refs, region_code, full_name, password_stdin):
    session = db.session
    try:
        role = accounts_service.parse_role(role)
        owners = [accounts_service.owner_by_reference(session, ref) for ref in owner_refs]
        region = accounts_service.region_by_code(session, region_code) if region_code else None
        if accounts_service.user_by_email(session, email) is not None:
            raise ValidationError({"email": "Un compte existe déjà avec cette adresse électronique."})
        password = _read_password(password_stdin)
        user = accounts_service.create_user(session, email=email, password=password, role=role,
                                            full_name=full_name, owners=owners, region=region)
    except ValidationError as error:
        session.rollback()
        _fail(" ".join(error.messages))
    session.commit()
    click.echo(f"Compte créé : {user.email} ({user.role.label}).")
    for warning in accounts_service.account_warnings(user):
        click.echo(f"Attention : {warning}")


@users.command("list", help="Liste les comptes.")
def users_list():
    accounts = accounts_service.list_users(db.session)
    if not accounts:
        click.echo("Aucun compte.")
        return
    for user in accounts:
        details = []
        if user.owners:
            details.append("rattachements : " + ", ".join(o.name for o in user.owners))
        if user.role.value == "reviewer":
            details.append("région : " + (user.region.display_name if user.region else "tout le pays"))
        if not user.active:
            details.append("DÉSACTIVÉ")
        click.echo(f"{user.email:<40} {user.role.label:<30} {' ; '.join(details)}".rstrip())


@users.command("password", help="Remplace le mot de passe d'un compte (ferme ses sessions ouvertes).")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard (une ligne).")
def users_password(email, password_stdin):
    session = db.session
    user = accounts_service.user_by_email(session, email)
    if user is None:
        _fail(f"Aucun compte avec l'adresse « {email} ».")
    password = _read_password(password_stdin)
    if not password:
        _fail("Le mot de passe est vide.")
    try:
        accounts_service.reset_password(session, user, password)
    except ValidationError as error:
        session.rollback()
        _fail(" ".join(error.messages))
    session.commit()
    click.echo(f"Mot de passe remplacé pour {user.email}.")


# ---------------------------------------------------------------------------------------------------------------
# demo: realistic plans for demonstrations and load tests


@click.group("demo", help="Données de démonstration.")
def demo_group():
    pass


@demo_group.command("seed", help="Crée les trois plans des cas d'essai (s'ils manquent) et N plans aléatoires "
                                 "réalistes sur des communes réelles. Exemple : demo seed --plans 50 --actions 40")
@click.option("--plans", "count", default=0, show_default=True, type=click.IntRange(0, 10_000),
              help="Nombre de plans aléatoires en plus des cas d'essai.")
@click.option("--actions", default=20, show_default=True, type=click.IntRange(1, 500),
              help="Nombre d'actions de chaque plan aléatoire.")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Graine du tirage : la même graine donne les mêmes plans sur la même base.")
def demo_seed(count: int, actions: int, seed: int):
    session = db.session
    started = time.perf_counter()
    try:
        cases = demo.seed_test_cases(session)
        session.flush()
        executed = demo_execution.seed_koniakary_execution(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    click.echo("Cas d'essai :")
    for seeded in cases:
        click.echo("  " + seeded.line())
    if executed:
        click.echo("Exécution de démonstration : " + executed)
    if count:
        click.echo(f"Plans aléatoires ({count} × {actions} actions, graine {seed}) :")
        random_started = time.perf_counter()
        created = demo.seed_random_plans(session, count, actions, seed,
                                         progress=lambda seeded: click.echo("  " + seeded.line()))
        elapsed = time.perf_counter() - random_started
        total = sum(p.total for p in created)
        click.echo(f"{len(created)} plan(s) aléatoire(s) créé(s), {sum(p.actions for p in created)} actions, "
                   f"{demo._fcfa(total)} ; {elapsed:.1f} s ({elapsed / max(len(created), 1):.2f} s par plan).")
    click.echo(f"Durée totale : {time.perf_counter() - started:.1f} s")


# ---------------------------------------------------------------------------------------------------------------
# plans: reading plans from a terminal


@click.group("plans", help="Plans de développement.")
def plans_group():
    pass


@plans_group.command("list", help="Liste les plans, un par ligne : n°, UUID, collectivité, statut, période.")
@click.option("--owner", "owner_ref", default=None, metavar="P-CODE|NOM",
              help="Seulement les plans d'une collectivité (P-code, par exemple ML010115) ou d'un groupement (nom "
                   "exact).")
@click.option("--full-uuid", is_flag=True, help="Affiche l'UUID complet (sinon ses 8 premiers caractères).")
def plans_list(owner_ref: str | None, full_uuid: bool):
    session = db.session
    owner = None
    if owner_ref:
        unit = owners_service.unit_by_code(session, owner_ref)
        if unit is not None:
            owner = session.scalar(sa.select(PlanOwner).where(PlanOwner.unit_id == unit.id))
            if owner is None:
                click.echo(f"Aucun plan pour {unit.display_name} ({unit.code}).")
                return
        else:
            owner = owners_service.grouping_by_name(session, owner_ref)
            if owner is None:
                _fail(f"Ni P-code ni groupement connu : « {owner_ref} ». Exemple : --owner ML010115.")
    found = demo.list_plans(session, owner)
    if not found:
        click.echo("Aucun plan.")
        return
    rows = [(str(p.id), p.uuid if full_uuid else p.uuid[:8] + "…", demo.owner_label(p.owner), p.status.value,
             f"{p.period_start}-{p.period_end}") for p in found]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [row[0].rjust(widths[0])] + [c.ljust(w) for c, w in zip(row[1:], widths[1:])]
        click.echo("  ".join(cells).rstrip())


@plans_group.command("refresh-summaries", help="Calcule les synthèses des plans (carte nationale, tableau de bord, "
                                               "totaux par territoire) qui manquent ou sont périmées ; --all : "
                                               "toutes.")
@click.option("--all", "everything", is_flag=True, help="Recalcule la synthèse de chaque plan.")
def plans_refresh_summaries(everything: bool):
    session = db.session
    started = time.perf_counter()
    count = plan_summary.refresh_all(session) if everything else plan_summary.refresh_stale(session)
    session.commit()
    click.echo(f"{count} synthèse(s) de plan calculée(s) en {time.perf_counter() - started:.1f} s.")


@plans_group.command("prepare-exports", help="Prépare les exports du pays entier (les lignes CSV de chaque plan et "
                                             "le classeur XLSX sans filtre) pour que leur téléchargement soit "
                                             "immédiat. À lancer après une mise à jour, puis par un minuteur.")
def plans_prepare_exports():
    session = db.session
    started = time.perf_counter()
    plan_summary.refresh_stale(session)
    session.commit()
    prepared = export_parts.prepare_national(session, date.today())
    session.commit()
    state = "écrit" if prepared.workbook else "déjà à jour"
    click.echo(f"{prepared.plans} plan(s) : {prepared.parts} partie(s) CSV écrite(s), classeur {state}, "
               f"en {time.perf_counter() - started:.1f} s.")


def _council_files(plan_id: int):
    """The plan and its council files (app/docx_template.py), or the command ends with a French message."""
    plan = db.session.get(Plan, plan_id, options=finance.load_options())
    if plan is None:
        _fail(f"Aucun plan n°{plan_id}. La commande « plans list » donne les numéros.")
    try:
        return plan, council_files(plan)
    except template_safety.TemplateRefused as refused:
        _fail(template_safety.export_refusal(refused))


@plans_group.command("docx", help="Écrit le document du conseil (Word) d'un plan. Exemple : plans docx 12 -o "
                                  "PDESC_Koniakary_2025-2029.docx")
@click.argument("plan_id", type=int)
@click.option("-o", "--output", "output", default=None, metavar="FICHIER.docx",
              help="Fichier à écrire (par défaut : PDESC_<collectivité>_<période>.docx dans le dossier courant).")
def plans_docx(plan_id: int, output: str | None):
    started = time.perf_counter()
    plan, files = _council_files(plan_id)
    path = output or export_docx.docx_filename(plan)
    with open(path, "wb") as out:
        out.write(files.docx)
    note = "sommaire numéroté par LibreOffice" if files.pdf is not None else \
        "sommaire sans numéros de page : Word les inscrit à l'ouverture"
    click.echo(f"{path} écrit ({len(files.docx) // 1024} Ko, {time.perf_counter() - started:.1f} s ; {note}).")


@plans_group.command("pdf", help="Écrit le document du conseil en PDF (LibreOffice, sommaire numéroté). Exemple : "
                                 "plans pdf 12 -o PDESC_Koniakary_2025-2029.pdf")
@click.argument("plan_id", type=int)
@click.option("-o", "--output", "output", default=None, metavar="FICHIER.pdf",
              help="Fichier à écrire (par défaut : PDESC_<collectivité>_<période>.pdf dans le dossier courant).")
def plans_pdf(plan_id: int, output: str | None):
    started = time.perf_counter()
    plan, files = _council_files(plan_id)
    if files.pdf is None:
        _fail(f"PDF non produit : {files.problem}")
    path = output or export_docx.pdf_filename(plan)
    with open(path, "wb") as out:
        out.write(files.pdf)
    click.echo(f"{path} écrit ({len(files.pdf) // 1024} Ko, {time.perf_counter() - started:.1f} s, dont "
               f"{files.seconds:.1f} s de conversion LibreOffice).")
