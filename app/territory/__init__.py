from flask import Blueprint

bp = Blueprint("territory", __name__, url_prefix="/territoire")

from app.territory import routes  # noqa: E402,F401
