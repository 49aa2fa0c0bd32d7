"""The review of a plan: its status (transitions), the reviewers' comments and checklist."""
from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/plans")

from app.review import routes  # noqa: E402,F401
