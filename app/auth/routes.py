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
    """The cookie holds a login's token (plans.accounts.models.LoginSession): None once that login ended."""
    return accounts_service.user_by_login_token(db.session, token, current_app.permanent_session_lifetime)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our login page.

    Browsers read "/\\evil.example" as "//evil.example" and drop tabs and newlines, so those are refused too.
    """
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(c.isspace() or ord(c) < 32 for c in target) and not urlsplit(target).netloc):
        return target
    return url_for("main.home")


def _start_session(user) -> None:
    """A new login on the server (committed here) and its cookie."""
    accounts_service.open_login(db.session, user, current_app.permanent_session_lifetime)
    db.session.commit()
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
        attempt_id = throttle.begin_attempt(db.session, form.email.data, ip)
        db.session.commit()  # counted by every parallel attempt from now on (plans/accounts/throttle.py)
        refused = throttle.refusal(db.session, form.email.data, ip, exclude=attempt_id)
        if refused is not None:  # the password is not even checked
            throttle.withdraw(db.session, attempt_id)
            db.session.commit()
            return _throttled(form, refused)
        user = accounts_service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            throttle.record_success(db.session, user.email)
            db.session.commit()
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        throttle.record_failure(db.session, form.email.data, ip, attempt_id=attempt_id)
        db.session.commit()
        form.password.errors.append("Adresse électronique ou mot de passe incorrect.")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    accounts_service.end_login(db.session, current_user.get_id())  # a copy of the cookie opens nothing now
    db.session.commit()
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
        ip = request.remote_addr or ""
        # The current password is checked as a login is: throttled on the account, so no oracle.
        attempt_id = throttle.begin_attempt(db.session, user.email, ip)
        db.session.commit()
        refused = throttle.refusal(db.session, user.email, ip, exclude=attempt_id)
        if refused is not None:
            throttle.withdraw(db.session, attempt_id)
            db.session.commit()
            form.form_errors.append(refused.message)
            response = make_response(render_template("auth/password.html", form=form), 429)
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        try:
            accounts_service.change_password(db.session, user, form.current_password.data, form.new_password.data,
                                             ip=ip)
        except ValidationError as error:
            db.session.rollback()
            if "current_password" in error.errors:
                throttle.record_failure(db.session, user.email, ip, attempt_id=attempt_id)
                accounts_service.record_refused_password_change(db.session, user, ip)
            else:
                throttle.withdraw(db.session, attempt_id)  # a refused new password says nothing of the current one
            db.session.commit()
            show_errors(form, error)
        else:
            throttle.record_success(db.session, user.email)
            db.session.commit()
            _start_session(user)  # every login of the account ended: this one starts again
            flash("Votre mot de passe a été changé. Vos sessions ouvertes sur d'autres appareils sont fermées.",
                  "info")
            return redirect(url_for("auth.account"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
