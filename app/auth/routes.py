"""Log in and out, the account page and the password change."""
import time
from urllib.parse import urlsplit

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, PasswordChangeForm, show_errors
from app.extensions import db, login_manager
from plans.accounts import service as accounts_service
from plans.accounts import throttle
from plans.core.errors import ValidationError

login_manager.login_view = "auth.login"
login_manager.login_message = "Veuillez vous connecter pour accéder à cette page."
login_manager.login_message_category = "warning"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(token: str):
    return accounts_service.user_by_session_token(db.session, token)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our login page.

    Browsers read "/\\evil.example" as "//evil.example" and drop tabs and newlines, so those are refused too.
    """
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(c.isspace() or ord(c) < 32 for c in target) and not urlsplit(target).netloc):
        return target
    return url_for("main.home")


def _start_session(user) -> None:
    session.permanent = True  # the cookie is refused once PERMANENT_SESSION_LIFETIME passes without a request
    session["login_at"] = int(time.time())
    login_user(user)


@bp.before_app_request
def end_expired_login():
    """A login lasts SESSION_HOURS however busy its user is: the signed cookie's age restarts at every request,
    the login time it carries does not."""
    if "_user_id" not in session:
        return
    login_at = session.get("login_at")
    if not isinstance(login_at, int) or time.time() - login_at > current_app.permanent_session_lifetime.total_seconds():
        logout_user()
        session.pop("login_at", None)
        flash("Votre session a expiré. Veuillez vous reconnecter.", "warning")


def _throttled(form, refused: throttle.Refusal):
    form.form_errors.append(refused.message)
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(refused.retry_after)
    return response


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        ip = request.remote_addr or ""
        refused = throttle.refusal(db.session, form.email.data, ip)
        if refused is not None:  # the password is not even checked
            return _throttled(form, refused)
        user = accounts_service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            throttle.record_success(db.session, user.email)
            db.session.commit()
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        throttle.record_failure(db.session, form.email.data, ip)
        db.session.commit()
        form.password.errors.append("Adresse électronique ou mot de passe incorrect.")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
@login_required
def account():
    return render_template("auth/account.html", user=current_user)


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts_service.change_password(db.session, user, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            _start_session(user)  # the token rotated: this session follows it, every other one ends
            flash("Votre mot de passe a été changé. Vos sessions ouvertes sur d'autres appareils sont fermées.",
                  "info")
            return redirect(url_for("auth.account"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
