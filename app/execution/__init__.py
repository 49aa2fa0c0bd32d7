"""After the vote: the « Exécution » pages of a validated or adopted plan (plans/execution/)."""
from flask import Blueprint

bp = Blueprint("execution", __name__, url_prefix="/plans")

from app.execution import carry_over, routes  # noqa: E402,F401
