"""The audit log in the web layer: the administrators' journal page /journal, and `log_action()` for the one change
made by the web layer itself, the Word model's file (app/docx_template.py). Every operation of plans/ writes its
own entry (plans/core/audit.py)."""
from flask import Blueprint

bp = Blueprint("audit", __name__)

from app.audit import routes  # noqa: E402,F401
from app.audit.recording import log_action  # noqa: E402,F401
