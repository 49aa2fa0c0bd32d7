"""The diaspora links map (/carte-diaspora): every association the user may see, from its host city to its
commune of origin (plans/maps/diaspora_map.py), with its table twin. Not under /plans: the map is about the
owners' associations, not one plan."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.extensions import db
from app.maps import bp
from app.maps.tiles import basemap_spec
from plans.maps.diaspora_map import build_diaspora_map, diaspora_links, region_features, visible_associations
from plans.maps.offline import map_components
from plans.territory.models import BOUNDARY_ATTRIBUTION


@bp.get("/carte-diaspora")
@login_required
def diaspora_map():
    links = diaspora_links(visible_associations(db.session, current_user))
    components = map_components(build_diaspora_map(links, region_features(db.session), basemap=basemap_spec()))
    return render_template("maps/diaspora.html", map=components, links=links,
                           drawn=[link for link in links if link.drawn],
                           not_drawn=[link for link in links if not link.drawn], attribution=BOUNDARY_ATTRIBUTION)

