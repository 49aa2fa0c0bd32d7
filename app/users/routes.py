"""User administration (administrators only): list, create, edit, deactivate, reset a password."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.forms import show_errors
from app.extensions import db
from app.guards import role_required
from app.loaders import user_or_404
from app.users import bp
from app.users.forms import ConfirmForm, PasswordResetForm, UserCreateForm, UserEditForm
from plans.accounts import service as accounts_service
from plans.accounts.models import Role, User
from plans.core.errors import ValidationError
from plans.territory.service import unit_by_code, unit_summary

admin_only = role_required(Role.ADMIN)


def _form_choices(form) -> None:
    form.set_choices(accounts_service.owner_choices(db.session), accounts_service.region_choices(db.session))


PICKED = "owner_code"  # the hidden inputs of the type-ahead, one per collectivité chosen by its name


def _profile(form) -> tuple[dict, dict[str, list[str]]]:
    """The profile a form describes, as plans objects, and every problem found on the way (an unknown code, a
    région or a listed owner gone), keyed by field: none stops the others from being looked at."""
    errors: dict[str, list[str]] = {}
    owners, region = [], None
    lookups = ((lambda: accounts_service.owners_by_ids(db.session, form.owners.data or [])),
               (lambda: accounts_service.owners_by_codes(db.session, request.form.getlist(PICKED)
                                                         + [form.owner_codes.data or ""], field="owner_codes")))
    for lookup in lookups:
        try:
            owners += lookup()
        except ValidationError as error:
            _merge(errors, error.errors)
    try:
        region = accounts_service.region_by_id(db.session, form.region.data)
    except ValidationError as error:
        _merge(errors, error.errors)
    return ({"role": form.role.data, "full_name": form.full_name.data or "", "owners": owners, "region": region},
            errors)


def _merge(errors: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for key, messages in more.items():
        errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))


def _attach(form, errors: dict[str, list[str]]) -> None:
    """Each message under its field, with those WTForms found: a field that has a message already (an empty
    e-mail address) does not get the service's version of the same fault too. Attachments go under the owners'
    list, or under the P-code field when there is no list to show."""
    for key, messages in errors.items():
        if key == "owners" and not form.owners.choices:
            key = "owner_codes"
        field = form._fields.get(key) if key else None
        if field is None:
            form.form_errors.extend(messages)
        elif not field.errors:
            field.errors = list(messages)


def _chosen_owners() -> list[dict]:
    """The collectivités the type-ahead had chosen, listed again on a form that comes back."""
    chosen = []
    for code in dict.fromkeys(c.strip() for c in request.form.getlist(PICKED) if c.strip()):
        unit = unit_by_code(db.session, code)
        chosen.append(unit_summary(unit) if unit is not None else
                      {"code": code, "name": code, "path": "", "country_name": "", "level_label": "code inconnu"})
    return chosen


def _render_form(form, user: User | None, status: int):
    return render_template("users/form.html", form=form, user=user,
                           chosen_owners=_chosen_owners() if request.method == "POST" else []), status


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _warn(user: User) -> None:
    for message in accounts_service.account_warnings(user):
        flash(message, "warning")


@bp.route("/")
@admin_only
def index():
    return render_template("users/index.html", users=accounts_service.list_users(db.session))


@bp.route("/nouveau", methods=["GET", "POST"])
@admin_only
def create():
    form = UserCreateForm()
    _form_choices(form)
    if request.method == "GET":
        return _render_form(form, None, 200)
    # Every check runs, whatever the others found: the form comes back once with all its errors.
    valid = form.validate_on_submit()
    profile, errors = _profile(form)
    _merge(errors, accounts_service.new_account_problems(db.session, email=form.email.data or "",
                                                         password=form.password.data or None, **profile))
    if valid and not errors:
        try:
            password = form.password.data or accounts_service.generate_password(form.email.data)
            user = accounts_service.create_user(db.session, email=form.email.data, password=password, **profile,
                                                acting_user=current_user, password_generated=not form.password.data,
                                                ip=request.remote_addr or "")
        except ValidationError as error:
            errors = error.errors
        else:
            db.session.commit()
            _warn(user)
            if form.password.data:
                flash(f"Compte créé pour {user.email}.", "info")
                return redirect(url_for("users.index"))
            return _no_store(make_response(render_template("users/password_given.html", user=user,
                                                           password=password, created=True)))
    db.session.rollback()  # the owner rows a P-code would have created
    _attach(form, errors)
    return _render_form(form, None, 400)


@bp.route("/<int:user_id>/modifier", methods=["GET", "POST"])
@admin_only
def edit(user_id: int):
    user = user_or_404(user_id)
    form = UserEditForm()
    _form_choices(form)
    if request.method == "GET":
        form.full_name.data = user.full_name
        form.role.data = user.role.value
        form.owners.data = [o.id for o in user.owners]
        form.region.data = user.region_id
        return _render_form(form, user, 200)
    valid = form.validate_on_submit()
    profile, errors = _profile(form)
    if valid and not errors:
        try:
            accounts_service.update_user(db.session, user, active=user.active, acting_user=current_user,
                                         ip=request.remote_addr or "", **profile)
        except ValidationError as error:
            errors = error.errors
        else:
            db.session.commit()
            flash(f"Compte {user.email} modifié.", "info")
            _warn(user)
            return redirect(url_for("users.index"))
    db.session.rollback()
    _attach(form, errors)
    return _render_form(form, user, 400)


def _set_active(user_id: int, active: bool):
    user = user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        accounts_service.set_active(db.session, user, active, acting_user=current_user, ip=request.remote_addr or "")
    except ValidationError as error:
        db.session.rollback()
        for message in error.messages:
            flash(message, "error")
    else:
        db.session.commit()
        flash(f"Compte {user.email} {'réactivé' if active else 'désactivé'}.", "info")
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/desactiver", methods=["POST"])
@admin_only
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/reactiver", methods=["POST"])
@admin_only
def reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.route("/<int:user_id>/mot-de-passe", methods=["GET", "POST"])
@admin_only
def reset_password(user_id: int):
    user = user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            password = accounts_service.reset_password(db.session, user, form.password.data or None,
                                                       acting_user=current_user, ip=request.remote_addr or "")
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            if form.password.data:
                flash(f"Mot de passe de {user.email} remplacé ; ses sessions ouvertes sont fermées.", "info")
                return redirect(url_for("users.index"))
            return _no_store(make_response(render_template("users/password_given.html", user=user,
                                                           password=password, created=False)))
    status = 400 if request.method == "POST" else 200
    return render_template("users/reset_password.html", form=form, user=user), status
