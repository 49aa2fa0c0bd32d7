"""Administrators' pages for an account's API tokens: list, create (the token is shown once), revoke."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.auth.forms import FrenchForm, show_errors
from app.extensions import db
from app.guards import role_required
from app.loaders import user_or_404
from app.users.forms import ConfirmForm
from plans.accounts import api_tokens as api_tokens_service
from plans.accounts.models import Role, User
from plans.core.errors import ValidationError

bp = Blueprint("api_tokens", __name__, url_prefix="/utilisateurs")
admin_only = role_required(Role.ADMIN)


class TokenForm(FrenchForm):
    name = StringField("Nom du jeton", validators=[
        DataRequired("Donnez un nom au jeton (par exemple le nom du partenaire)."),
        Length(max=api_tokens_service.NAME_MAX, message=f"{api_tokens_service.NAME_MAX} caractères au plus.")])


def _page(user: User, form: TokenForm, status: int = 200):
    tokens = api_tokens_service.list_tokens(db.session, user)
    return render_template("users/tokens.html", user=user, tokens=tokens, form=form,
                           confirm=ConfirmForm()), status


@bp.get("/<int:user_id>/jetons")
@admin_only
def index(user_id: int):
    return _page(user_or_404(user_id), TokenForm(formdata=None))


@bp.post("/<int:user_id>/jetons")
@admin_only
def create(user_id: int):
    user = user_or_404(user_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(user, form, 400)
    try:
        issued = api_tokens_service.create_token(db.session, user, form.name.data, acting_user=current_user,
                                                 ip=request.remote_addr or "")
    except ValidationError as error:
        db.session.rollback()
        show_errors(form, error)
        return _page(user, form, 400)
    db.session.commit()
    response = make_response(render_template("users/tokens_created.html", user=user, token=issued.token,
                                             secret=issued.secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:user_id>/jetons/<int:token_id>/revoquer")
@admin_only
def revoke(user_id: int, token_id: int):
    user = user_or_404(user_id)
    token = api_tokens_service.token_by_id(db.session, token_id)
    if token is None or token.user_id != user.id:
        abort(404, "Ce jeton n'existe pas.")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if api_tokens_service.revoke_token(db.session, token, acting_user=current_user, ip=request.remote_addr or ""):
        db.session.commit()
        flash(f"Jeton « {token.name} » révoqué : il n'ouvre plus l'API.", "info")
    else:
        flash(f"Le jeton « {token.name} » était déjà révoqué.", "info")
    return redirect(url_for("api_tokens.index", user_id=user.id))
