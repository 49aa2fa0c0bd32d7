"""The maps: a plan's interactive map with its table twin and its static PNG, the comparison of plans (under
/plans), and the national views (the national map and its JSON documents, the diaspora map, the basemap's tiles).

No URL prefix: the blueprint's URLs are not all under /plans, so each route spells its whole path. Each views module
below adds its URLs to `bp` ("maps." endpoints); they import `bp` from this package and nothing else from it.
"""
from flask import Blueprint

bp = Blueprint("maps", __name__)

# The views modules, imported once the blueprint exists, for the URLs they add to it.
from app.maps import (  # noqa: E402,F401
    compare,  # /plans/comparer
    diaspora,  # /carte-diaspora
    national,  # /carte-nationale and its JSON documents (/api/communes.geojson, /api/carte-nationale/...)
    routes,  # /plans/<id>/carte and /plans/<id>/carte.png
    tiles,  # /tuiles/<z>/<x>/<y>.<ext>, the optional basemap
)
