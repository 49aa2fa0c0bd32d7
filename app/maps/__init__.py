"""Maps of the plans: the plan's interactive map with its table twin, and its static PNG."""
from flask import Blueprint

bp = Blueprint("maps", __name__, url_prefix="/plans")

from app.maps import routes  # noqa: E402,F401
from app.maps import compare  # noqa: E402,F401
from app.maps import diaspora  # noqa: E402,F401
from app.maps import national  # noqa: E402,F401  /carte-nationale and its JSON documents
from app.maps import tiles  # noqa: E402,F401  /tuiles/<z>/<x>/<y>.<ext>, the optional basemap
