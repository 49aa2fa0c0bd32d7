"""The home page: what each role starts from (a reviewer: their work queue, plans/reporting/work_queue.py)."""
from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.main import bp
from app.summaries import ensure_summaries
from plans.accounts import service as accounts_service
from plans.accounts.models import Role
from plans.planning import service as plan_service
from plans.reporting import desk, work_queue


@bp.route("/")
@login_required
def home():
    if current_user.role is Role.ADMIN:
        return render_template("main/home_admin.html", counts=accounts_service.overview_counts(db.session))
    if current_user.role is Role.REVIEWER:
        ensure_summaries()
        queue = work_queue.work_queue(db.session, current_user, desk.parse_page(request.args.get("page")))
        pages = [{"number": n, "current": n == queue.rest.number,
                  "url": url_for("main.home", page=n) + "#autres-plans" if n else None} for n in queue.rest.window()]
        return render_template("main/home_reviewer.html", queue=queue, titles=work_queue.GROUP_TITLES, pages=pages)
    return render_template("main/home_planner.html", owners=current_user.owners,
                           plans=plan_service.visible_plans(db.session, current_user))
