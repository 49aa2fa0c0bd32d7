"""The reviewers' dashboard: every readable plan in one sortable, filterable table, and its exports."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/revue")

from app.dashboard import routes  # noqa: E402,F401
