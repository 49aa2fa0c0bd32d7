"""The home page: what each role starts from."""
from flask import render_template
from flask_login import current_user, login_required

from app.extensions import db
from app.main import bp
from plans.accounts import service as accounts_service
from plans.accounts.models import Role
from plans.planning import service as plan_service


@bp.route("/")
@login_required
def home():
    if current_user.role is Role.ADMIN:
        return render_template("main/home_admin.html", counts=accounts_service.overview_counts(db.session))
    if current_user.role is Role.REVIEWER:
        return render_template("main/home_reviewer.html", plans=plan_service.visible_plans(db.session, current_user))
    return render_template("main/home_planner.html", owners=current_user.owners,
                           plans=plan_service.visible_plans(db.session, current_user))
