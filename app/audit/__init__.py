"""The audit log in the web layer: `log_action()` for the routes that change accounts, groupings, the Word model
(the entry joins the route's transaction), and the administrators' journal page /journal."""
from flask import Blueprint

bp = Blueprint("audit", __name__)

from app.audit.recording import log_action  # noqa: E402,F401
from app.audit import routes  # noqa: E402,F401
