from flask import Blueprint

bp = Blueprint("groupings", __name__, url_prefix="/groupements")

from app.groupings import routes  # noqa: E402,F401
