"""Command-line interface: `flask --app wsgi <group> <command>`."""
from __future__ import annotations

import time

import click
from flask import Flask, current_app

from app.extensions import db
from plans import territory_loader


def register(app: Flask) -> None:
    app.cli.add_command(geodata)
    app.cli.add_command(setup)


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
