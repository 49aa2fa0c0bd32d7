from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/plans")

from app.planning import routes  # noqa: E402,F401
from app.planning import section_modules  # noqa: E402,F401
