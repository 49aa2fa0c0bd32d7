"""Recording an action of the signed-in user in the audit log, with the client's address."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from app.extensions import db
from plans.core import audit as audit_service


def log_action(action: str, target: str = "", **details) -> None:
    """Adds an entry to the current transaction: it is kept exactly when the change it describes is committed."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    audit_service.record(db.session, user, action, target, details, request.remote_addr or "")
