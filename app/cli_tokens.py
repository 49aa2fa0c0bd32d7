"""`flask --app wsgi tokens create|list|revoke`: the partner API's tokens from a terminal."""
from __future__ import annotations

import click

from app.extensions import db
from plans.accounts import api_tokens as api_tokens_service
from plans.accounts import service as accounts_service
from plans.core import audit as audit_service
from plans.core.errors import ValidationError


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    raise SystemExit(1)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "jamais"


@click.group("tokens", help="Jetons de l'API en lecture pour les partenaires (/api/v1).")
def tokens_group():
    pass


@tokens_group.command("create", help="Crée un jeton qui lit ce que le compte EMAIL peut lire, et l'affiche une seule "
                                     "fois. Exemple : tokens create relecteur@dgct.ml --name \"Partenaire X\"")
@click.argument("email")
@click.option("--name", required=True, help="Nom du jeton : le partenaire ou l'usage.")
def tokens_create(email: str, name: str):
    session = db.session
    user = accounts_service.user_by_email(session, email)
    if user is None:
        _fail(f"Aucun compte avec l'adresse « {email} ». La commande « users list » donne les comptes.")
    try:
        issued = api_tokens_service.create_token(session, user, name)
    except ValidationError as error:
        session.rollback()
        _fail(" ".join(error.messages))
    audit_service.record(session, None, "token.create", target=user.email,
                         details={"token_id": issued.token.id, "name": issued.token.name, "user_id": user.id,
                                  "via": "cli"})
    session.commit()
    click.echo(f"Jeton n°{issued.token.id} « {issued.token.name} » créé pour {user.email} ({user.role.label}).")
    click.echo("Le voici ; il ne sera plus affiché (envoyez-le dans l'en-tête « Authorization: Bearer <jeton> ») :")
    click.echo(issued.secret)


@tokens_group.command("list", help="Liste les jetons : n°, état, compte, nom, création, dernier usage.")
def tokens_list():
    tokens = api_tokens_service.list_tokens(db.session)
    if not tokens:
        click.echo("Aucun jeton.")
        return
    for token in tokens:
        state = f"révoqué le {_when(token.revoked_at)}" if token.revoked_at else "actif"
        click.echo(f"{token.id:>4}  {state:<8}  {token.user.email}  « {token.name} »  créé le {_when(token.created_at)}"
                   f", dernier usage : {_when(token.last_used_at)}")


@tokens_group.command("revoke", help="Révoque un jeton (définitivement). Exemple : tokens revoke 3")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int):
    session = db.session
    token = api_tokens_service.token_by_id(session, token_id)
    if token is None:
        _fail(f"Aucun jeton n°{token_id}. La commande « tokens list » donne les numéros.")
    if not api_tokens_service.revoke_token(session, token):
        click.echo(f"Le jeton n°{token.id} « {token.name} » était déjà révoqué.")
        return
    audit_service.record(session, None, "token.revoke", target=token.user.email,
                         details={"token_id": token.id, "name": token.name, "user_id": token.user_id, "via": "cli"})
    session.commit()
    click.echo(f"Jeton n°{token.id} « {token.name} » de {token.user.email} révoqué.")
