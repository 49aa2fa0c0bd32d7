"""The diaspora links map (/carte-diaspora): every association the user may see, from its host city to its
commune of origin (plans/maps/diaspora_map.py), with its table twins (the destinations, the associations). Not
under /plans: the map is about the owners' associations, not one plan.

    GET /carte-diaspora        the page
    GET /api/monde.geojson     the world's countries under the map (Natural Earth 1:110m, geodata/SOURCES.md): one
                               cached string, gzip when accepted, ETag → 304; any logged-in user (public data)
"""
from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.maps import bp
from app.maps.national import send_payload
from app.maps.tiles import basemap_spec
from plans.maps.diaspora_map import (
    WORLD_ATTRIBUTION,
    build_diaspora_map,
    destinations,
    diaspora_links,
    region_features,
    visible_associations,
    world_countries,
)
from plans.maps.offline import map_components
from plans.territory.models import BOUNDARY_ATTRIBUTION


@bp.get("/carte-diaspora")
@login_required
def diaspora_map():
    links = diaspora_links(visible_associations(db.session, current_user))
    components = map_components(build_diaspora_map(links, region_features(db.session), basemap=basemap_spec(),
                                                   world_url=url_for("maps.world_geojson")))
    return render_template("maps/diaspora.html", map=components, links=links, destinations=destinations(links),
                           drawn=[link for link in links if link.drawn],
                           not_drawn=[link for link in links if not link.drawn],
                           attribution=f"{BOUNDARY_ATTRIBUTION} ; {WORLD_ATTRIBUTION}")


@bp.get("/api/monde.geojson")
@login_required
def world_geojson():
    return send_payload(world_countries(), "application/geo+json")
