"""The diaspora links map (where the associations that fund the plans live, which a map of projects never
shows): a line from where each association lives to the commune it comes from, on an offline folium map of West
Africa, Europe and beyond.

    links = diaspora_links(visible_associations(session, user))
    m = build_diaspora_map(links, region_features(session))

- Host: plans/territory/places.py `locate(host_country, host_city)`: the city's point, else the country's capital,
  else "position inconnue" (listed in the table twin, not drawn).
- Origin: the owner's label point (a commune's `label_lat/label_lon`), else a point inside its geometry
  (a grouping's union of members); none → not drawn either.
- One line (`path.diaspora-link`) per corridor — a host place and a commune (or grouping) of origin — with
  both ends known, its thickness by the number of associations on it (`corridor_weight`: 1, 2, 3, 4, 5 and more
  each a step thicker), its tooltip naming them. Each section the text names (a city or a country) gets a thin
  dashed line (`path.diaspora-section`).
- One marker (`path.host-marker`) per host place, radius by the number of associations there, labelled with the
  place's name and that number (a permanent tooltip, `.diaspora-label`); its popup lists the associations (name,
  sectors, "section" when it is a branch). NEVER a contact name or contact detail.
- `destinations(links)`: the same places as a table (associations and sections at each, and where they come from).
- Background: the world's countries (Natural Earth 1:110m, public domain, geodata/world_countries_110m.geojson,
  geodata/SOURCES.md), fetched by the browser from the app (`WorldBasemap`, `world_countries()`: one cached string
  with its gzip and ETag; docs/ARCHITECTURE.md, pitfall 5: never `folium.GeoJson(url)`), on a sea-blue map; then
  Mali's régions (geometry_simplified, simplified again to 0.01°), not interactive. No tiles.
User text reaches the browser as JSON (`js_json`) and is shown with textContent; layer names go through
`js_safe_text` (Leaflet shows them as HTML).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import folium
import sqlalchemy as sa
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import mapping
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import Role, User
from plans.core import geo
from plans.core.formatting import country_name
from plans.core.vocab import SECTORS, label
from plans.maps import MEMBER_STYLE
from plans.maps.basemap import add_tile_layer
from plans.maps.national import Payload
from plans.maps.offline import js_json, js_safe_text, offline_map
from plans.maps.plan_map import Attribution, Legend, MetricScale, light_geometry
from plans.owners.models import PlanOwner
from plans.planning.models import DiasporaAssociation
from plans.territory import places
from plans.territory.models import BOUNDARY_ATTRIBUTION
from plans.territory.service import regions

WORLD_FILE = Path(__file__).resolve().parents[2] / "geodata" / "world_countries_110m.geojson"
WORLD_ATTRIBUTION = "Pays : Natural Earth (domaine public)"
WORLD_STYLE = {"color": "#a7a39a", "weight": 0.6, "fillColor": "#f4f1ea", "fillOpacity": 1}
SEA_COLOUR = "#dcebf3"
LINK_COLOUR = "#b8860b"
SECTION_COLOUR = "#8c6d1f"
HOST_COLOUR = "#e0a100"
ORIGIN_COLOUR = "#5b4a2f"
REGION_TOLERANCE = 0.01  # degrees (about 1 km): enough for a national view (docs/ARCHITECTURE.md, pitfall 6)
CORRIDOR_STEPS = 5  # 1, 2, 3, 4, 5 and more associations on one corridor: five thicknesses
# West Africa (ECOWAS) and Europe: the view always shows both, then grows to every point drawn (America…).
BASE_BOUNDS = [[-5.0, -20.0], [55.0, 25.0]]
LINKS_GROUP = "Liens des associations"
SECTIONS_GROUP = "Sections à l'étranger"
REGIONS_GROUP = "Régions du Mali"


def owner_label(owner: PlanOwner) -> str:
    """"Commune de Koniakary"; a grouping by its name."""
    if owner.is_grouping:
        return owner.name
    name = owner.name or ""
    article = "d'" if name[:1].lower() in "aeiouyéèêâîôûh" else "de "
    return f"{owner.kind.label} {article}{name}"


def owner_origin(owner: PlanOwner) -> tuple[float, float] | None:
    """(lat, lon) where the owner's lines end: its unit's label point, else a point inside its geometry."""
    unit = owner.unit
    if unit is not None and unit.label_lat is not None and unit.label_lon is not None:
        return round(float(unit.label_lat), 4), round(float(unit.label_lon), 4)
    if owner.is_grouping:
        points = [(u.label_lat, u.label_lon) for u in owner.member_units
                  if u.label_lat is not None and u.label_lon is not None and not u.is_foreign]
        if points:
            return (round(sum(p[0] for p in points) / len(points), 4),
                    round(sum(p[1] for p in points) / len(points), 4))
        geometry = geo.from_wkb(owner.geometry_cache)
    else:
        geometry = geo.from_wkb(unit.geometry_simplified or unit.geometry) if unit is not None else None
    if geometry is None or geometry.is_empty:
        return None
    point = geometry.representative_point()
    return round(point.y, 4), round(point.x, 4)


def visible_associations(session: Session, user: User) -> list[DiasporaAssociation]:
    """The associations of the owners the user may read: a planner's own owners, a reviewer's région (or all),
    all for an admin (plans.accounts.access.can_read_owner), by name."""
    stmt = (sa.select(DiasporaAssociation).options(orm.joinedload(DiasporaAssociation.owner))
            .order_by(DiasporaAssociation.name, DiasporaAssociation.id))
    if user.role is Role.PLANNER:
        stmt = stmt.where(DiasporaAssociation.owner_id.in_([o.id for o in user.owners] or [-1]))
    rows = list(session.scalars(stmt).unique())
    return [a for a in rows if access.can_read_owner(user, a.owner)]


@dataclass
class SectionLink:
    text: str
    place: places.Place


@dataclass
class DiasporaLink:
    """One association as the map and its table twin show it."""

    association: Any
    name: str
    sectors: list[str]  # French labels
    host: places.Place
    host_city: str  # as typed
    country: str  # French country name
    origin: tuple[float, float] | None
    origin_label: str
    sections: list[SectionLink] = field(default_factory=list)

    @property
    def drawn(self) -> bool:
        return self.host.known and self.origin is not None

    @property
    def host_label(self) -> str:
        if not self.host.known:
            return places.UNKNOWN_LABEL
        if self.host.precision == places.COUNTRY:
            return f"{self.host.city} ({places.APPROXIMATE_LABEL})"
        return self.host.city


def corridor_weight(associations: int) -> float:
    """A corridor's line thickness in pixels: 2 for one association, 1.5 more for each other, up to 5 and more."""
    return 2 + 1.5 * (min(max(associations, 1), CORRIDOR_STEPS) - 1)


@dataclass
class Destination:
    """A host place as the destinations table lists it."""

    place: places.Place
    label: str  # "Paris" or "Gabon (position approximative…)"
    country: str  # French name
    associations: list[str] = field(default_factory=list)  # association names living there (main seat)
    sections: list[str] = field(default_factory=list)  # association names with a section there
    origins: list[str] = field(default_factory=list)  # the owners they come from, each once

    @property
    def count(self) -> int:
        return len(self.associations) + len(self.sections)


def place_label(place: places.Place) -> str:
    """"Paris"; a place known by its country only: "Gabon (pays)" (drawn at its capital)."""
    if place.precision == places.COUNTRY:
        return f"{country_name(place.country)} (pays)"
    return place.city


def destinations(links: Iterable["DiasporaLink"]) -> list[Destination]:
    """Every drawn host place (an association's seat or one of its sections), most associations first."""
    out: dict[tuple[str, str], Destination] = {}

    def at(place: places.Place) -> Destination:
        entry = out.get(place.key)
        if entry is None:
            entry = out[place.key] = Destination(place, place_label(place), country_name(place.country))
        elif place.precision == places.CITY and entry.place.precision != places.CITY:
            entry.place, entry.label = place, place_label(place)  # the capital named: "Dakar", not "Sénégal"
        return entry

    for link in links:
        if not link.drawn:
            continue
        entry = at(link.host)
        entry.associations.append(link.name)
        if link.origin_label not in entry.origins:
            entry.origins.append(link.origin_label)
        for section in link.sections:
            if section.place.known:
                other = at(section.place)
                other.sections.append(link.name)
                if link.origin_label not in other.origins:
                    other.origins.append(link.origin_label)
    return sorted(out.values(), key=lambda d: (-d.count, d.country, d.label))


@lru_cache(maxsize=1)
def world_countries() -> Payload:
    """The world basemap's GeoJSON (geodata/world_countries_110m.geojson), read once, with its gzip and ETag."""
    return Payload.of(WORLD_FILE.read_text(encoding="utf-8").strip())


class WorldBasemap(MacroElement):
    """The countries of the world under everything else (a pane below the overlays), fetched from `url` (the app's
    own /api/monde.geojson) once the map is drawn; the sea is the map's background. Not interactive."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
          map.getContainer().style.background = {{ this.sea|tojson }};
          map.createPane("monde").style.zIndex = 250;
          fetch({{ this.url|tojson }}, {credentials: "same-origin"}).then(function (r) {
            if (!r.ok) { throw new Error("HTTP " + r.status); }
            return r.json();
          }).then(function (world) {
            L.geoJSON(world, {pane: "monde", interactive: false, style: {{ this.style|tojson }},
                              className: "world-country"}).addTo(map);
          });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, url: str):
        super().__init__()
        self._name = "WorldBasemap"
        self.url, self.sea, self.style = url, SEA_COLOUR, {**WORLD_STYLE, "className": "world-country"}


def _sector_labels(sectors: str | None) -> list[str]:
    keys = [k.strip() for k in (sectors or "").split(",") if k.strip()]
    return [label(SECTORS, k) or k for k in keys]


def diaspora_links(associations: Iterable[DiasporaAssociation]) -> list[DiasporaLink]:
    origins: dict[int, tuple[float, float] | None] = {}
    out = []
    for a in associations:
        owner = a.owner
        if owner.id not in origins:
            origins[owner.id] = owner_origin(owner)
        out.append(DiasporaLink(
            association=a, name=a.name or "", sectors=_sector_labels(a.sectors),
            host=places.locate(a.host_country, a.host_city), host_city=a.host_city or "",
            country=country_name(a.host_country), origin=origins[owner.id], origin_label=owner_label(owner),
            sections=[SectionLink(text, places.locate_section(text)) for text in places.section_lines(a.sections)]))
    return out


def region_features(session: Session) -> list[dict]:
    """Mali's régions (current edition), light enough for a national view, as GeoJSON features."""
    features = []
    for unit in regions(session):
        geometry = geo.from_wkb(unit.geometry_simplified or unit.geometry) if unit.has_geometry else None
        light = light_geometry(geometry, REGION_TOLERANCE)
        if light is not None:
            features.append({"type": "Feature", "properties": {"style": MEMBER_STYLE},
                             "geometry": mapping(light)})
    return features


class DiasporaLayer(MacroElement):
    """Lines and host markers from JSON arrays; popups and tooltips built with textContent.

    `strings`: every text once; `links`: [{"o": [lat, lon], "h": [lat, lon], "w": weight, "n": name index}];
    `sections`: [{"o", "h", "n"}]; `hosts`: [{"p": [lat, lon], "r": radius, "t": title index, "l": label index
    (the place's name and its number of associations, written beside it), "i": [[name index, detail index], …]}]."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (links, sections, hosts, S, linkGroup, sectionGroup, hostGroup) {
          function add(parent, tag, text) {
            var node = document.createElement(tag);
            if (text) node.textContent = text;
            if (parent) parent.appendChild(node);
            return node;
          }
          links.forEach(function (l) {
            L.polyline([l.o, l.h], {color: {{ this.link_colour|tojson }}, weight: l.w, opacity: 0.8,
              className: "diaspora-link"}).bindTooltip(add(null, "span", S[l.n])).addTo(linkGroup);
          });
          sections.forEach(function (l) {
            L.polyline([l.o, l.h], {color: {{ this.section_colour|tojson }}, weight: 1.5, opacity: 0.7,
              dashArray: "4 4", className: "diaspora-section"}).bindTooltip(add(null, "span", S[l.n]))
              .addTo(sectionGroup);
          });
          hosts.forEach(function (h) {
            L.circleMarker(h.p, {radius: h.r, color: "#222", weight: 1, fillColor: {{ this.host_colour|tojson }},
              fillOpacity: 0.9, className: "host-marker"})
              .bindTooltip(add(null, "span", S[h.l]), {permanent: true, direction: "right", offset: [h.r, 0],
                                                      className: "diaspora-label"})
              .bindPopup(function () {
                var box = add(null, "div");
                box.className = "map-popup";
                add(box, "strong", S[h.t]);
                var list = add(box, "ul");
                h.i.forEach(function (item) {
                  var li = add(list, "li", S[item[0]]);
                  if (S[item[1]]) add(li, "div", S[item[1]]);
                });
                return box;
              }, {maxWidth: 320})
              .addTo(hostGroup);
          });
        })({{ this.links_json }}, {{ this.sections_json }}, {{ this.hosts_json }}, {{ this.strings_json }},
           {{ this.link_group.get_name() }}, {{ this.section_group.get_name() }}, {{ this.host_group.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, link_group, section_group, host_group):
        super().__init__()
        self._name = "DiasporaLayer"
        self.link_group, self.section_group, self.host_group = link_group, section_group, host_group
        self.link_colour, self.section_colour, self.host_colour = LINK_COLOUR, SECTION_COLOUR, HOST_COLOUR
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        self.links: list[dict] = []
        self.sections: list[dict] = []
        self.hosts: list[dict] = []

    def text(self, value: str) -> int:
        index = self._index.get(value)
        if index is None:
            index = self._index[value] = len(self.strings)
            self.strings.append(value)
        return index

    @property
    def links_json(self) -> str:
        return js_json(self.links)

    @property
    def sections_json(self) -> str:
        return js_json(self.sections)

    @property
    def hosts_json(self) -> str:
        return js_json(self.hosts)

    @property
    def strings_json(self) -> str:
        return js_json(self.strings)


def _latlon(place: places.Place) -> list[float]:
    return [place.lat, place.lon]


def build_diaspora_map(links: list[DiasporaLink], regions: list[dict] = (), basemap: dict | None = None,
                       world_url: str | None = None) -> folium.Map:
    """The links map (vendored Leaflet, no jQuery; no tiles unless `basemap`, plans.maps.basemap's spec; the
    world's countries fetched from `world_url` when given)."""
    m = offline_map(zoom_start=3, location=[25.0, 0.0])
    m.default_js = [js for js in m.default_js if js[0] != "jquery"]
    MetricScale().add_to(m)
    if world_url:
        WorldBasemap(world_url).add_to(m)
    add_tile_layer(m, basemap)
    if regions:
        folium.GeoJson({"type": "FeatureCollection", "features": list(regions)}, name=js_safe_text(REGIONS_GROUP),
                       interactive=False).add_to(m)

    drawn = [link for link in links if link.drawn]
    section_count = sum(1 for link in drawn for s in link.sections if s.place.known)
    link_group = folium.FeatureGroup(name=js_safe_text(f"{LINKS_GROUP} ({len(drawn)})")).add_to(m)
    section_group = folium.FeatureGroup(name=js_safe_text(f"{SECTIONS_GROUP} ({section_count})")).add_to(m)
    host_group = folium.FeatureGroup(name=js_safe_text("Lieux d'accueil")).add_to(m)
    layer = DiasporaLayer(link_group, section_group, host_group)

    hosts: dict[tuple[str, str], dict] = {}

    def host(place: places.Place, name: str, detail: str) -> None:
        entry = hosts.get(place.key)
        if entry is None:
            title = f"{place.city} ({country_name(place.country)})"
            if place.precision == places.COUNTRY:
                title = f"{country_name(place.country)} ({places.APPROXIMATE_LABEL})"
            entry = hosts[place.key] = {"p": _latlon(place), "t": layer.text(title), "i": [], "count": 0,
                                        "label": place.city if place.precision == places.CITY
                                        else country_name(place.country)}
        elif place.precision == places.CITY:
            entry["t"], entry["label"] = layer.text(f"{place.city} ({country_name(place.country)})"), place.city
        entry["i"].append([layer.text(name), layer.text(detail)])
        entry["count"] += 1

    points = []
    corridors: dict[tuple, list[DiasporaLink]] = {}
    for link in drawn:
        corridors.setdefault((link.host.key, link.origin), []).append(link)
    for group in corridors.values():
        first, count = group[0], len(group)
        names = ", ".join(link.name for link in group)
        what = f"{count} association{'s' if count > 1 else ''}"
        layer.links.append({"o": list(first.origin), "h": _latlon(first.host), "w": corridor_weight(count),
                            "n": layer.text(f"{place_label(first.host)} → {first.origin_label} : {what} ({names})")})
    for link in drawn:
        origin = list(link.origin)
        points += [origin, _latlon(link.host)]
        host(link.host, link.name, ", ".join(link.sectors))
        for section in link.sections:
            if not section.place.known:
                continue
            points.append(_latlon(section.place))
            layer.sections.append({"o": origin, "h": _latlon(section.place),
                                   "n": layer.text(f"{link.name} (section : {section.text})")})
            host(section.place, link.name, f"section : {section.text}")
    for entry in hosts.values():
        count = entry.pop("count")
        entry["r"] = min(5 + 2 * count, 16)
        entry["l"] = layer.text(f"{entry.pop('label')} ({count})")
        layer.hosts.append(entry)
    layer.add_to(m)

    Legend(legend_items(world=bool(world_url)), title="Diaspora").add_to(m)
    Attribution(BOUNDARY_ATTRIBUTION + (" ; " + WORLD_ATTRIBUTION if world_url else "")).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)

    south = min([BASE_BOUNDS[0][0]] + [p[0] for p in points])
    west = min([BASE_BOUNDS[0][1]] + [p[1] for p in points])
    north = max([BASE_BOUNDS[1][0]] + [p[0] for p in points])
    east = max([BASE_BOUNDS[1][1]] + [p[1] for p in points])
    m.fit_bounds([[south, west], [north, east]], padding=(10, 10))
    return m


def legend_items(world: bool = True) -> list[dict]:
    """The map's legend: the background, the places, and what a line's thickness says."""
    items = [{"kind": "area", "colour": WORLD_STYLE["color"], "label": "Pays (Natural Earth)"}] if world else []
    items += [{"kind": "area", "colour": ORIGIN_COLOUR, "label": "Régions du Mali"},
              {"kind": "dot", "colour": HOST_COLOUR, "label": "Lieu d'accueil (associations)"}]
    for count, text in ((1, "1 association"), (CORRIDOR_STEPS, f"{CORRIDOR_STEPS} associations et plus")):
        items.append({"kind": "line", "colour": LINK_COLOUR, "width": corridor_weight(count),
                      "label": f"Lien : {text}"})
    items.append({"kind": "dashed", "colour": SECTION_COLOUR, "width": 1.5, "label": "Section à l'étranger"})
    return items


def layer_of(m: folium.Map) -> DiasporaLayer | None:
    """The map's DiasporaLayer (for tests)."""
    def walk(element):
        for child in element._children.values():
            yield child
            yield from walk(child)
    return next((c for c in walk(m) if isinstance(c, DiasporaLayer)), None)
