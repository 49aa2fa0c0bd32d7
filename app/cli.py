"""Command-line interface: `flask --app wsgi <group> <command>`."""
from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app

from app.extensions import db
from plans import territory_loader


def register(app: Flask) -> None:
    app.cli.add_command(geodata)
    app.cli.add_command(setup)
    app.cli.add_command(users)


@click.group(help="Limites administratives (territoire).")
def geodata():
    pass


@geodata.command("load", help="Charge (ou vérifie) les régions, cercles, communes et unités étrangères de geodata/.")
@click.option("--dir", "directory", default=None, help="Dossier des fichiers GeoJSON (par défaut : geodata/).")
def geodata_load(directory: str | None):
    started = time.perf_counter()
    report = territory_loader.load_geodata(db.session, directory or current_app.config["GEODATA_DIR"])
    db.session.commit()
    click.echo(report.summary())
    click.echo(f"Durée : {time.perf_counter() - started:.1f} s")


@click.command(help="Prépare une installation : territoire si absent, comptes et plans de démonstration si base neuve.")
def setup():
    session = db.session
    if not territory_loader.territory_is_loaded(session):
        click.echo("Chargement du territoire…")
        report = territory_loader.load_geodata(session, current_app.config["GEODATA_DIR"])
        session.commit()
        click.echo(report.summary())
    if current_app.config["DEMO_DATA"]:
        from plans import demo

        logins = demo.seed_if_new(session)
        session.commit()
        if logins:
            click.echo("Comptes de démonstration (base neuve) :")
            for email, password, role in logins:
                click.echo(f"  {role:<9} {email}  mot de passe : {password}")


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
    from plans import accounts_service
    from plans.errors import ValidationError

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
    from plans import accounts_service

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
    from plans import accounts_service
    from plans.errors import ValidationError

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
