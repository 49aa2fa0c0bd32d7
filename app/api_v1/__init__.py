"""The read-only JSON API for partners (/api/v1), authenticated by a bearer token, and the administrators'
pages that issue and revoke those tokens (/utilisateurs/<id>/jetons)."""
from flask import Blueprint, Flask

from app.extensions import csrf

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

from app.api_v1 import routes  # noqa: E402,F401
from app.api_v1.admin import bp as admin_bp  # noqa: E402


def register(app: Flask) -> None:
    csrf.exempt(bp)  # read-only GETs with a bearer header: no cookie, nothing a forged form could use
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
