"""GET /journal: the audit log for administrators, newest first, filtered by action, 50 entries a page."""
from flask import render_template, request

from app.audit import bp
from app.extensions import db
from app.guards import role_required
from plans.accounts.models import Role
from plans.reporting import journal as audit_journal


@bp.route("/journal")
@role_required(Role.ADMIN)
def journal():
    action = request.args.get("action", "").strip()[:60] or None
    page = audit_journal.journal_page(db.session, request.args.get("page", 1, type=int), action)
    return render_template("audit/journal.html", page=page, action=action,
                           choices=audit_journal.action_choices(db.session),
                           action_label=audit_journal.action_label, describe=audit_journal.describe_details,
                           plan_id_of=audit_journal.target_plan_id)
