"""The interactive map of one plan: the owner's territory and the plan's actions, as a folium.Map (pure builder).

    entries = map_actions(plan)                      # what the map, its table twin and the PNG all show
    m = build_plan_map(plan, owner_geometry(plan.owner), members=territory_shapes(plan.owner))

- Territory: a commune's polygon; for a grouping each member (foreign ones dashed blue) under the union's outline.
  Polygons are simplified (0.0005°, ~50 m, right for one commune or a cercle) and rounded to 1e-5° before being
  embedded, and are not interactive (they are the basemap: there are no tiles).
- Actions: one CircleMarker per located action, coloured by sector (plans/maps SECTOR_COLOURS), in one
  FeatureGroup per sector, plus a "Financé par la diaspora" group of rings around the actions the diaspora
  finances (plans.planning.indicators.is_diaspora_funded: decided from the funding lines, not from a tag);
  an approximate location has a dotted outline. An action whose location is "masquee" (a sensitive site) is
  placed only for a reader who may see it (`map_actions(…, reveal_masked=…)`, from
  plans.accounts.access.can_see_masked_location: the owner's planners, the administrators), with a dashed outline
  and a popup that says so; for anyone else its coordinates do not even reach the page, and the table twin lists
  it as "localisation masquée". The PNG (plans/maps/static_map.py) is the Word document's map: never.
  The layer control switches sectors; a "Filtrer les actions" control beside it ticks axes and statuses.
- Popups: title, sector, status, total cost and each funding line with its amount, from plans.planning.finance (never
  recomputed here), formatted by plans.core.formatting. User text reaches the browser as JSON (`js_json`: no <, >, &,
  ` or $ left raw) and is put in the page with textContent; what Leaflet shows as HTML (layer names, the
  attribution) goes through `js_safe_text`.

Size. folium's CircleMarker + Popup + Tooltip write about 1.4 KB of JS per action (210 KB for 150 actions), so
the markers are one `ActionLayer` element: a JSON array (`js_json`) and a short loop calling L.circleMarker and
building each popup with textContent when it opens, about 0.3 KB per action. They are still Leaflet
CircleMarkers in folium FeatureGroups (one per sector), so the LayerControl and folium's rendering treat them
as usual.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import folium
import shapely
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import selectinload

from plans.core import geo
from plans.core.formatting import fcfa
from plans.core.vocab import ACTION_STATUSES, FUNDING_SOURCES, FUNDING_STATUSES, SECTORS, label
from plans.maps import (
    APPROXIMATE_LABEL,
    DIASPORA_COLOUR,
    DIASPORA_GROUP,
    FOREIGN_ATTRIBUTION,
    FOREIGN_MEMBER_STYLE,
    MASKED_LABEL,
    MASKED_SHOWN_LABEL,
    MEMBER_STYLE,
    NO_AXIS_LABEL,
    NOT_LOCATED_LABEL,
    TERRITORY_GROUP,
    TERRITORY_STYLE,
    UNION_OUTLINE_STYLE,
    sector_colour,
)
from plans.maps.basemap import add_tile_layer
from plans.maps.offline import FeatureGroup, PreRendered, js_json, js_safe_text, offline_map
from plans.planning import indicators, location
from plans.planning.finance import PlanFinance, plan_finance
from plans.planning.models import Action, FundingLine, Plan
from plans.territory.models import BOUNDARY_ATTRIBUTION

SIMPLIFY_DEGREES = 0.0005
COORD_DECIMALS = 5
MARKER_RADIUS = 7
PLACED, APPROXIMATE, MASKED, NOT_LOCATED = "exacte", "approximative", "masquee", "absente"


# --- what the map shows, shared with the table twin and the PNG --------------------------------------------------

@dataclass(frozen=True)
class FundingEntry:
    source: str  # the source's French label
    name: str  # the funder's name (association, partner…), "" when not given
    status: str  # Acquis / Promis / À rechercher
    amount: int

    @property
    def label(self) -> str:
        return f"{self.source} — {self.name}" if self.name else self.source


@dataclass
class MapAction:
    """One action as every map of the plan shows it. `lat`/`lon` are None unless the action is placed (a masked
    one only for a reader who may see it)."""

    action: Any
    number: int  # 1-based, in the PIP's order
    title: str
    sector: str
    sector_label: str
    axis_label: str
    status_label: str
    total: int
    gap: int  # « non couvert » (plans.planning.indicators.FUNDING_STATES): the cost no funding line covers
    funding: list[FundingEntry]
    diaspora: bool  # diaspora-funded, plans.planning.indicators.is_diaspora_funded (from the funding lines)
    location: str  # PLACED, APPROXIMATE, MASKED or NOT_LOCATED
    lat: float | None = None
    lon: float | None = None

    @property
    def placed(self) -> bool:
        return self.location in (PLACED, APPROXIMATE) or (self.location == MASKED and self.lat is not None)

    @property
    def colour(self) -> str:
        return sector_colour(self.sector)

    @property
    def location_label(self) -> str:
        if self.location == MASKED and not self.placed:
            return MASKED_LABEL
        if self.location == NOT_LOCATED:
            return NOT_LOCATED_LABEL
        text = f"{self.lat:.5f}, {self.lon:.5f}".replace(".", ",").replace(", ", " ; ", 1)
        if self.location == MASKED:
            return f"{text} ({MASKED_SHOWN_LABEL})"
        return f"{text} ({APPROXIMATE_LABEL})" if self.location == APPROXIMATE else text


def _location(action, reveal_masked: bool) -> tuple[str, float | None, float | None]:
    # "masquee", or a value we do not know: a sensitive site, shown only to a reader who may see it.
    precision = MASKED if location.is_masked(action.location_precision) else (action.location_precision or PLACED)
    lon, lat = location.visible_point(action, reveal_masked)
    if lat is None or lon is None:
        return (MASKED if precision == MASKED else NOT_LOCATED), None, None
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return (MASKED if precision == MASKED else NOT_LOCATED), None, None
    return precision, lat, lon


def load_options():
    """SQLAlchemy loader options for a Plan whose map is about to be drawn, beside finance's: the associations the
    popups name as funders, in one query (read line by line, one query per association)."""
    return (selectinload(Plan.actions).selectinload(Action.funding_lines).selectinload(FundingLine.association),)


def _funder_name(line) -> str:
    association = getattr(line, "association", None)
    if association is not None and association.name:
        return association.name
    return (line.source_name or "").strip()


def _axis_label(action) -> str:
    objective = action.objective
    if objective is None or objective.axis is None:
        return NO_AXIS_LABEL
    return objective.axis.title or NO_AXIS_LABEL


def map_actions(plan, finance: PlanFinance | None = None, *, reveal_masked: bool = False) -> list[MapAction]:
    """Every action of the plan, in the PIP's order, with its figures from plans.planning.finance and where it goes.
    `reveal_masked`: the reader may see masked sites (plans.accounts.access.can_see_masked_location); by default
    nobody does (the PNG, the Word document)."""
    finance = finance or plan_finance(plan)
    out = []
    for number, action in enumerate(plan.actions, start=1):
        f = finance.figures_for(action)
        funding = [FundingEntry(label(FUNDING_SOURCES, line.source_type), _funder_name(line),
                                label(FUNDING_STATUSES, line.status or "promis"), amount)
                   for line, amount in zip(action.funding_lines, f.line_amounts)]
        where, lat, lon = _location(action, reveal_masked)
        out.append(MapAction(
            action=action, number=number, title=action.title or "", sector=action.sector or "",
            sector_label=label(SECTORS, action.sector) or "Secteur non précisé",
            axis_label=_axis_label(action),
            status_label=label(ACTION_STATUSES, action.status or "prevu"), total=f.total, gap=f.gap,
            funding=funding, diaspora=indicators.is_diaspora_funded(f),
            location=where, lat=lat, lon=lon))
    return out


# --- the territory ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TerritoryShape:
    """One polygon of the owner's territory: a member of a grouping (foreign or not), or the collectivité."""

    name: str
    geometry: BaseGeometry | None
    foreign: bool = False


def territory_shapes(owner) -> list[TerritoryShape]:
    """A grouping's members with their (simplified when available) geometry; [] for a collectivité.
    Members without geometry come back with geometry None (listed beside the map, not drawn)."""
    if not owner.is_grouping:
        return []
    shapes = []
    for unit in owner.member_units:
        geometry = None
        if unit.has_geometry:
            geometry = geo.from_wkb(unit.geometry_simplified or unit.geometry)
        shapes.append(TerritoryShape(unit.display_name, geometry, unit.is_foreign))
    return shapes


def light_geometry(geometry: BaseGeometry | None, tolerance: float = SIMPLIFY_DEGREES) -> BaseGeometry | None:
    """Simplified (topology kept) and rounded to COORD_DECIMALS: what is worth sending to a browser."""
    if geometry is None or geometry.is_empty:
        return None
    light = geometry.simplify(tolerance, preserve_topology=True)
    scale = 10 ** COORD_DECIMALS
    return shapely.transform(light, lambda c: (c * scale).round() / scale)


def _feature(geometry: BaseGeometry, style: dict) -> dict:
    return {"type": "Feature", "properties": {"style": style}, "geometry": mapping(geometry)}


def territory_features(owner_geometry: BaseGeometry | None, members: Sequence[TerritoryShape] = ()) -> list[dict]:
    features = []
    for member in members:
        light = light_geometry(member.geometry)
        if light is not None:
            features.append(_feature(light, FOREIGN_MEMBER_STYLE if member.foreign else MEMBER_STYLE))
    light = light_geometry(owner_geometry)
    if light is not None:
        features.append(_feature(light, UNION_OUTLINE_STYLE if features else TERRITORY_STYLE))
    return features


# --- folium elements ------------------------------------------------------------------------------------------------

class ActionLayer(PreRendered, MacroElement):
    """The CircleMarkers of the plan's actions, drawn from one JSON array (see the module's docstring).

    `groups`: the FeatureGroup of each sector, in order; `sectors`: [{"label", "colour"}] in the same order;
    `strings`: every text once (titles, statuses, amounts formatted by plans.core.formatting, funder labels: a PIP
    repeats them a lot); `points`: [{"g" (group index), "lat", "lon", "t" (title), "s" (status), "c" (total
    cost), "f": [[funder, line status, amount], …], "r" (« non couvert », optional), "a" (approximate, optional),
    "d" (financed by the diaspora, optional), "x" (axis)}], texts given by their index in `strings`. Popups and tooltips
    are built with textContent when opened, so user text is never parsed as HTML; the JSON is escaped by js_json.
    "m" (a masked site, drawn for a reader who may see it, optional).
    `ring_group`: the FeatureGroup of the diaspora rings (non-interactive circles around those actions).
    `filter_order`: the axes and statuses in the order the "Filtrer les actions" control lists them (the layer
    control filters by sector; a marker is shown when its axis and status are ticked too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, groups, ring, sectors, S, points, filters) {
          function add(parent, tag, text) {
            var node = document.createElement(tag);
            if (text) node.textContent = text;
            if (parent) parent.appendChild(node);
            return node;
          }
          function popup(p) {
            return function () {
              var box = add(null, "div");
              box.className = "map-popup";
              add(box, "strong", S[p.t]);
              add(box, "div", sectors[p.g].label + " · " + S[p.s]);
              add(box, "div", "Coût total : " + S[p.c]);
              if (p.f.length) {
                add(box, "div", "Financements :");
                var list = add(box, "ul");
                p.f.forEach(function (f) { add(list, "li", S[f[0]] + " (" + S[f[1]] + ") : " + S[f[2]]); });
              } else {
                add(box, "div", "Aucun financement saisi.");
              }
              if (p.r !== undefined) add(box, "div", {{ this.not_covered_label|tojson }} + " : " + S[p.r]);
              if (p.a) add(box, "em", "Localisation approximative");
              if (p.m) add(box, "em", {{ this.masked_label|tojson }});
              return box;
            };
          }
          var markers = points.map(function (p) {
            var marker = L.circleMarker([p.lat, p.lon], {radius: {{ this.radius }}, color: "#222",
              weight: p.m ? 2 : 1, dashArray: p.m ? "4 3" : (p.a ? "2 2" : null), fillColor: sectors[p.g].colour,
              fillOpacity: p.m ? 0.5 : 0.9, className: p.m ? "action-marker masked-site" : "action-marker"})
              .bindPopup(popup(p), {maxWidth: 320}).bindTooltip(add(null, "span", S[p.t])).addTo(groups[p.g]);
            var halo = null;
            if (p.d && ring) {
              halo = L.circleMarker([p.lat, p.lon], {radius: {{ this.radius + 4 }},
                color: {{ this.ring_colour|tojson }}, weight: 3, fill: false, interactive: false,
                className: "diaspora-ring"}).addTo(ring);
            }
            return {p: p, marker: marker, halo: halo};
          });
          // Axis and status filters: a marker stays in its sector's layer (the layer control) only while its
          // axis and its status are both ticked.
          if (filters.x.length < 2 && filters.s.length < 2) return;
          var shown = {x: {}, s: {}};
          function place(layer, group, on) {
            if (!layer || !group) return;
            if (on && !group.hasLayer(layer)) group.addLayer(layer);
            if (!on && group.hasLayer(layer)) group.removeLayer(layer);
          }
          function apply() {
            markers.forEach(function (k) {
              var on = shown.x[k.p.x] && shown.s[k.p.s];
              place(k.marker, groups[k.p.g], on);
              place(k.halo, ring, on);
            });
          }
          function fieldset(parent, legendText, key) {
            var set = add(parent, "fieldset");
            add(set, "legend", legendText);
            filters[key].forEach(function (index) {
              shown[key][index] = true;
              var row = add(set, "label");
              row.style.display = "block";
              var box = add(row, "input");
              box.type = "checkbox";
              box.checked = true;
              box.className = "map-filter-" + key;
              box.addEventListener("change", function () { shown[key][index] = box.checked; apply(); });
              row.appendChild(document.createTextNode(" " + S[index]));
            });
          }
          var control = L.control({position: "topright"});
          control.onAdd = function () {
            var box = L.DomUtil.create("div", "map-filter leaflet-bar");
            box.style.cssText = "background:#fff;padding:4px 8px;font-size:12px;" +
              "max-width:18rem;max-height:50vh;overflow:auto";
            var details = add(box, "details");
            add(details, "summary", "Filtrer les actions");
            if (filters.x.length > 1) fieldset(details, "Axe stratégique", "x");
            else filters.x.forEach(function (index) { shown.x[index] = true; });
            if (filters.s.length > 1) fieldset(details, "Statut", "s");
            else filters.s.forEach(function (index) { shown.s[index] = true; });
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            return box;
          };
          control.addTo(map);
        })({{ this._parent.get_name() }},
           [{% for g in this.groups %}{{ g.get_name() }}{{ "," if not loop.last }}{% endfor %}],
           {{ this.ring_group.get_name() if this.ring_group else "null" }}, {{ this.sectors_json }},
           {{ this.strings_json }}, {{ this.points_json }}, {{ this.filters_json }});
        {% endmacro %}
    """)

    def __init__(self, groups: list, sectors: list[dict], ring_group=None, radius: int = MARKER_RADIUS,
                 filter_order: tuple[Sequence[str], Sequence[str]] = ((), ()), filterable: bool = True):
        super().__init__()
        self.filter_order = filter_order
        self.filterable = filterable  # False: no "Filtrer les actions" control (a small map among others)
        self._name = "ActionLayer"
        self.groups = groups
        self.sectors = sectors
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        self.points: list[dict] = []
        self.ring_group = ring_group
        self.radius = radius
        self.ring_colour = DIASPORA_COLOUR
        self.not_covered_label = indicators.FUNDING_STATES[indicators.NOT_COVERED].label
        self.masked_label = MASKED_SHOWN_LABEL[0].upper() + MASKED_SHOWN_LABEL[1:]

    def _text(self, text: str) -> int:
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self.strings)
            self.strings.append(text)
        return index

    def text(self, index: int) -> str:
        return self.strings[index]

    def add_action(self, entry: MapAction, group: int) -> None:
        point = {"g": group, "lat": round(entry.lat, 6), "lon": round(entry.lon, 6), "t": self._text(entry.title),
                 "s": self._text(entry.status_label), "x": self._text(entry.axis_label),
                 "c": self._text(fcfa(entry.total)),
                 "f": [[self._text(line.label), self._text(line.status.lower()), self._text(fcfa(line.amount))]
                       for line in entry.funding]}
        if entry.gap:
            point["r"] = self._text(fcfa(entry.gap))
        if entry.location == APPROXIMATE:
            point["a"] = 1
        if entry.location == MASKED:
            point["m"] = 1
        if entry.diaspora:
            point["d"] = 1
        self.points.append(point)

    @property
    def filters_json(self) -> str:
        """The string indexes of the axes and statuses the points use, in `filter_order`."""
        used = {"x": {p["x"] for p in self.points}, "s": {p["s"] for p in self.points}}
        if not self.filterable:
            return js_json({"x": [], "s": []})
        out = {}
        for key, order in zip(("x", "s"), self.filter_order):
            ranked = {text: rank for rank, text in enumerate(order)}
            out[key] = sorted(used[key], key=lambda i: (ranked.get(self.strings[i], len(ranked)), self.strings[i]))
        return js_json(out)

    @property
    def sectors_json(self) -> str:
        return js_json(self.sectors)

    @property
    def strings_json(self) -> str:
        return js_json(self.strings)

    @property
    def points_json(self) -> str:
        return js_json(self.points)


class Legend(PreRendered, MacroElement):
    """A small HTML legend in a Leaflet control, built with textContent (no branca colormap, hence no d3).

    `items`: [{"kind": "dot"|"ring"|"area"|"foreign"|"approx"|"masked"|"line"|"dashed", "colour", "label"}] (a
    line's or dashed line's thickness in "width", pixels)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
          var legend = L.control({position: "bottomright"});
          legend.onAdd = function () {
            var box = L.DomUtil.create("div", "map-legend leaflet-bar");
            box.style.cssText = "background:#fff;padding:6px 8px;font-size:12px;line-height:1.5;max-width:16rem";
            // It folds (a <details>): open on a tall map, folded on a small one (a tablet's).
            var fold = L.DomUtil.create("details", "map-legend-fold", box);
            fold.open = map.getSize().y >= 420;
            var title = L.DomUtil.create("summary", "", fold);
            title.style.cssText = "font-weight:700;cursor:pointer";
            title.textContent = {{ this.title|tojson }};
            {{ this.items_json }}.forEach(function (item) {
              var row = L.DomUtil.create("div", "", fold);
              var mark = L.DomUtil.create("span", "map-legend-mark", row);
              var css = "display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle;";
              if (item.kind === "dot") css += "border-radius:50%;border:1px solid #222;background:" + item.colour;
              else if (item.kind === "ring") css += "border-radius:50%;border:3px solid " + item.colour;
              else if (item.kind === "approx") css += "border-radius:50%;border:1px dashed #222;background:#fff";
              else if (item.kind === "masked") css += "border-radius:50%;border:2px dashed #222;background:#eee";
              else if (item.kind === "foreign") css += "border:1.5px dashed " + item.colour + ";background:#dbe7f5";
              else if (item.kind === "line" || item.kind === "dashed") css = "display:inline-block;width:22px;" +
                "margin-right:6px;vertical-align:middle;border-top:" + (item.width || 2) + "px " +
                (item.kind === "dashed" ? "dashed " : "solid ") + item.colour;
              else css += "border:2px solid " + item.colour + ";background:#f3ead3";
              mark.style.cssText = css;
              row.appendChild(document.createTextNode(item.label));
            });
            L.DomEvent.disableClickPropagation(box);
            return box;
          };
          legend.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, items: list[dict], title: str = "Légende"):
        super().__init__()
        self._name = "Legend"
        self.items = items
        self.title = title

    @property
    def items_json(self) -> str:
        return js_json(self.items)


class MetricScale(PreRendered, MacroElement):
    """Leaflet's scale bar in kilometres only (folium's control_scale adds miles)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class Attribution(PreRendered, MacroElement):
    """The boundaries' attribution in Leaflet's attribution control, with a plain "Leaflet" prefix (Leaflet's
    default prefix is a link to leafletjs.com: this map has no link to another host)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix("Leaflet");
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_json }});
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text

    @property
    def text_json(self) -> str:
        return js_json(js_safe_text(self.text))


# --- the builder ----------------------------------------------------------------------------------------------------

def legend_items(entries: Iterable[MapAction], *, grouping: bool = False, foreign: bool = False) -> list[dict]:
    entries = list(entries)
    placed = [e for e in entries if e.placed]
    present = {e.sector for e in placed}
    items = [{"kind": "dot", "colour": sector_colour(k), "label": v} for k, v in SECTORS.items() if k in present]
    items += [{"kind": "dot", "colour": sector_colour(k), "label": k or "Secteur non précisé"}
              for k in sorted(present - set(SECTORS))]
    if any(e.diaspora for e in placed):
        items.append({"kind": "ring", "colour": DIASPORA_COLOUR, "label": DIASPORA_GROUP})
    if any(e.location == APPROXIMATE for e in placed):
        items.append({"kind": "approx", "colour": "#222", "label": APPROXIMATE_LABEL.capitalize()})
    if any(e.location == MASKED for e in placed):
        items.append({"kind": "masked", "colour": "#222", "label": "Site sensible (localisation masquée)"})
    items.append({"kind": "area", "colour": TERRITORY_STYLE["color"],
                  "label": "Communes membres" if grouping else "Territoire"})
    if foreign:
        items.append({"kind": "foreign", "colour": FOREIGN_MEMBER_STYLE["color"], "label": "Membres étrangers"})
    return items


def plan_legend(entries: Iterable[MapAction], members: Sequence[TerritoryShape] = ()) -> list[dict]:
    """The legend of a plan's map (legend_items), for the map's control or, beside a small map, a page's list."""
    foreign = any(m.foreign and m.geometry is not None for m in members)
    return legend_items(entries, grouping=bool(members), foreign=foreign)


def _bounds(features: list[dict], entries: list[MapAction]) -> list[list[float]] | None:
    boxes = [shapely.geometry.shape(f["geometry"]).bounds for f in features]
    boxes += [(e.lon, e.lat, e.lon, e.lat) for e in entries if e.placed]
    if not boxes:
        return None
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return [[south, west], [north, east]]


def build_plan_map(plan, owner_geometry: BaseGeometry | None, *, members: Sequence[TerritoryShape] = (),
                   entries: list[MapAction] | None = None, finance: PlanFinance | None = None,
                   attribution: str | None = None, basemap: dict | None = None, compact: bool = False) -> folium.Map:
    """The plan's folium map (no basemap, vendored Leaflet). `owner_geometry`: plans.owners.service.owner_geometry;
    `members`: territory_shapes(owner) for a grouping; `entries`: map_actions(plan), if the caller has them;
    `basemap`: plans.maps.basemap.tile_layer_spec (None, the default: no tiles). `compact`: a small map among
    others (the comparison): no legend, layer control or filters over it — the page lists plan_legend beside it."""
    entries = entries if entries is not None else map_actions(plan, finance)
    foreign = any(m.foreign and m.geometry is not None for m in members)
    m = offline_map(zoom_start=6)
    # No jQuery: nothing here calls $ (folium's Popup and GeoJson(embed=False) would; our popups use the DOM).
    # 87 KB less on a first visit over a slow link; a folium element needing it would fail the browser tests.
    m.default_js = [js for js in m.default_js if js[0] != "jquery"]
    MetricScale().add_to(m)
    add_tile_layer(m, basemap)

    features = territory_features(owner_geometry, members)
    if features:
        folium.GeoJson({"type": "FeatureCollection", "features": features}, name=TERRITORY_GROUP,
                       interactive=False).add_to(m)

    placed = [e for e in entries if e.placed]
    by_sector: dict[str, list[MapAction]] = {}
    for e in placed:
        by_sector.setdefault(e.sector, []).append(e)
    order = {k: i for i, k in enumerate(SECTORS)}
    groups, sectors, by_group = [], [], []
    for sector in sorted(by_sector, key=lambda k: (order.get(k, len(order)), k)):
        group_entries = by_sector[sector]
        name = f"{group_entries[0].sector_label} ({len(group_entries)})"
        groups.append(FeatureGroup(name=js_safe_text(name)).add_to(m))
        sectors.append({"label": group_entries[0].sector_label, "colour": group_entries[0].colour})
        by_group.append(group_entries)
    diaspora = sum(1 for e in placed if e.diaspora)
    ring_group = None
    if diaspora:  # highlighted in the layer control too (Leaflet shows layer names as HTML)
        name = f'<strong style="color:#8a6100">{js_safe_text(f"{DIASPORA_GROUP} ({diaspora})")}</strong>'
        ring_group = FeatureGroup(name=name).add_to(m)
    if placed:
        axis_order = [axis.title for axis in plan.axes] + [NO_AXIS_LABEL]
        layer = ActionLayer(groups, sectors, ring_group, filter_order=(axis_order, list(ACTION_STATUSES.values())),
                            filterable=not compact)
        for index, group_entries in enumerate(by_group):
            for entry in group_entries:
                layer.add_action(entry, index)
        layer.add_to(m)

    if not compact:
        Legend(plan_legend(entries, members)).add_to(m)
    Attribution(attribution or (BOUNDARY_ATTRIBUTION + (" ; " + FOREIGN_ATTRIBUTION if foreign else ""))).add_to(m)
    if (by_sector or features) and not compact:
        folium.LayerControl(collapsed=True).add_to(m)
    bounds = _bounds(features, entries)
    if bounds is not None:
        if bounds[0] == bounds[1]:  # one point and no territory: a small box around it
            (s, w), (n, e) = bounds
            bounds = [[s - 0.02, w - 0.02], [n + 0.02, e + 0.02]]
        m.fit_bounds(bounds, padding=(20, 20), max_zoom=14)
    return m


def placed_count(m: folium.Map) -> int:
    """How many action markers a map built here holds (rings not counted)."""
    def walk(element):
        for child in element._children.values():
            yield child
            yield from walk(child)
    return sum(len(c.points) for c in walk(m) if isinstance(c, ActionLayer))
