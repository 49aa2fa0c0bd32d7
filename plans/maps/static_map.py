"""The plan's map as a PNG, for the Word export and for printing (pure builder: plan in, PNG bytes out).

    png = build_static_map_png(plan, owner_geometry(plan.owner), members=territory_shapes(plan.owner),
                               context=neighbour_geometries(session, owner_geometry(plan.owner)))

The same content as the interactive map (plans/maps/plan_map.py, whose `map_actions` decides what is placed):
the territory (a grouping's foreign members dashed blue), the neighbouring communes in light grey for context,
the located actions by sector colour with the diaspora ring, a legend, a scale bar in km, a north arrow and the
boundaries' attribution. Actions whose location is masked are not drawn; the legend says how many.

matplotlib's object-oriented API only (`Figure`, never pyplot): no global state, safe in a threaded server.
Polygons are drawn as matplotlib paths straight from shapely (no geopandas: a quarter of the time). In WGS 84
a degree of longitude is shorter than a degree of latitude, so the axes' aspect is 1 / cos(latitude).
Text is never parsed as mathtext (a "$" in a label would be).
"""
from __future__ import annotations

import hashlib
import io
import math
import textwrap
import threading
from collections import OrderedDict
from typing import Iterable, Sequence

import numpy as np
import shapely
import sqlalchemy as sa
from matplotlib import patheffects
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from plans.core import geo
from plans.core.vocab import SECTORS
from plans.maps import (
    APPROXIMATE_LABEL,
    DIASPORA_COLOUR,
    DIASPORA_GROUP,
    FOREIGN_ATTRIBUTION,
    FOREIGN_MEMBER_STYLE,
    MEMBER_STYLE,
    TERRITORY_STYLE,
    UNKNOWN_SECTOR_COLOUR,
    sector_colour,
)
from plans.maps import national as nm
from plans.maps.plan_map import APPROXIMATE, MASKED, MapAction, TerritoryShape, map_actions
from plans.planning.finance import PlanFinance
from plans.territory.models import BOUNDARY_ATTRIBUTION, MALI, AdminUnit, TerritoryEdition

FIGSIZE = (8.0, 6.0)  # inches: 1200 × 900 px at 150 dpi
DPI = 150
CONTEXT_FACE, CONTEXT_EDGE = "#eeeeee", "#bdbdbd"
KM_PER_DEGREE = 111.32
NICE_STEPS = (1, 2, 5)
MAP_BOX = (0.01, 0.05, 0.66, 0.93)  # the map's axes in figure fractions; the legend is on the right
LEGEND_WRAP = 34  # characters per legend line
# Drawing the PNG took half a second of a 150-action plan's Word export; a plan exported again with the same
# points and territory (its text changed, or the PDF after the Word file) gets the same bytes from memory.
# Per process, bounded (≈ 100 KiB a map).
PNG_MEMO_SIZE = 32
_png_memo: "OrderedDict[str, bytes]" = OrderedDict()
_png_memo_lock = threading.Lock()


def _path(geometry: BaseGeometry) -> Path | None:
    polygons = [geometry] if isinstance(geometry, Polygon) else list(getattr(geometry, "geoms", []))
    vertices, codes = [], []
    for polygon in polygons:
        if not isinstance(polygon, Polygon) or polygon.is_empty:
            continue
        polygon = orient(polygon, 1.0)  # exterior counter-clockwise, holes clockwise: holes stay empty
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)[:, :2]
            if len(coords) < 3:
                continue
            vertices.append(coords)
            ring_codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
            ring_codes[0], ring_codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            codes.append(ring_codes)
    if not vertices:
        return None
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _draw(ax, geometries: Iterable[BaseGeometry | None], *, face, edge, width, linestyle="-", zorder=1) -> None:
    patches = [PathPatch(p) for p in (_path(g) for g in geometries if g is not None and not g.is_empty) if p]
    if patches:
        ax.add_collection(PatchCollection(patches, facecolor=face, edgecolor=edge, linewidth=width,
                                          linestyle=linestyle, zorder=zorder))


def _extent(geometries: Sequence[BaseGeometry], entries: Sequence[MapAction]) -> tuple[float, float, float, float]:
    boxes = [g.bounds for g in geometries if g is not None and not g.is_empty]
    boxes += [(e.lon, e.lat, e.lon, e.lat) for e in entries if e.placed]
    if not boxes:
        return (-12.5, 10.0, 4.5, 25.0)  # Mali
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad_x = max((east - west) * 0.08, 0.01)
    pad_y = max((north - south) * 0.08, 0.01)
    return west - pad_x, south - pad_y, east + pad_x, north + pad_y


def _fit_box(west, south, east, north, aspect: float, box_ratio: float):
    """The view widened (never cut) so that, drawn at `aspect`, it fills a box of width/height `box_ratio`."""
    width, height = east - west, (north - south) * aspect
    if width / height < box_ratio:
        extra = (height * box_ratio - width) / 2
        west, east = west - extra, east + extra
    else:
        extra = (width / box_ratio - height) / 2 / aspect
        south, north = south - extra, north + extra
    return west, south, east, north


def nice_length(km: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above `km` (the scale bar's length)."""
    if km <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(km))
    return max(step * power for step in NICE_STEPS if step * power <= km)


def _scale_bar(ax, west, south, east, north, lat) -> None:
    km_per_deg = KM_PER_DEGREE * math.cos(math.radians(lat))
    length_km = nice_length((east - west) * km_per_deg / 4)
    length_deg = length_km / km_per_deg
    x0, y0 = west + (east - west) * 0.04, south + (north - south) * 0.05
    tick = (north - south) * 0.012
    ax.plot([x0, x0 + length_deg], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt", zorder=6)
    for x in (x0, x0 + length_deg):
        ax.plot([x, x], [y0 - tick, y0 + tick], color="black", linewidth=1, zorder=6)
    label = f"{length_km:g} km".replace(".", ",")
    ax.text(x0 + length_deg / 2, y0 + tick * 1.5, label, ha="center", va="bottom", fontsize=7, zorder=6,
            parse_math=False, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})


def _north_arrow(ax) -> None:
    ax.annotate("", xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction", zorder=6,
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5})
    ax.text(0.95, 0.955, "N", transform=ax.transAxes, ha="center", va="bottom", fontsize=9, fontweight="bold",
            zorder=6, parse_math=False)


def _safe(text: str) -> str:
    """A legend label: wrapped, and never a mathtext formula (a "$" would open one)."""
    return textwrap.fill(text, LEGEND_WRAP).replace("$", r"\$")


def build_static_map_png(plan, owner_geometry: BaseGeometry | None, *, members: Sequence[TerritoryShape] = (),
                         context: Sequence[BaseGeometry] = (), entries: list[MapAction] | None = None,
                         finance: PlanFinance | None = None, attribution: str | None = None,
                         figsize: tuple[float, float] = FIGSIZE, dpi: int = DPI) -> bytes:
    """The PNG of the plan's map. `context`: neighbouring communes (neighbour_geometries) drawn in light grey.
    The same drawing asked again comes from memory (PNG_MEMO_SIZE): the key is everything drawn (`_drawn_key`)."""
    entries = entries if entries is not None else map_actions(plan, finance)
    key = _drawn_key(owner_geometry, members, context, entries, attribution, figsize, dpi)
    with _png_memo_lock:
        if key in _png_memo:
            _png_memo.move_to_end(key)
            return _png_memo[key]
    png = _draw_png(owner_geometry, members, context, entries, attribution, figsize, dpi)
    with _png_memo_lock:
        _png_memo[key] = png
        while len(_png_memo) > PNG_MEMO_SIZE:
            _png_memo.popitem(last=False)
    return png


def _drawn_key(owner_geometry, members, context, entries, attribution, figsize, dpi) -> str:
    """A digest of everything the PNG shows: the geometries, each action's sector, place, kind and diaspora mark,
    the attribution and the size. Titles, amounts and funding are not drawn, so changing them keeps the map."""
    h = hashlib.sha256()
    for geometry in (owner_geometry, *context):
        h.update(b"g" + (geometry.wkb if geometry is not None else b""))
    for m in members:
        h.update(b"m" + repr((m.foreign, m.name)).encode() + (m.geometry.wkb if m.geometry is not None else b""))
    for e in entries:
        h.update(repr((e.sector, e.location, e.diaspora, e.lat, e.lon)).encode())
    h.update(repr((attribution, figsize, dpi)).encode())
    return h.hexdigest()


def _draw_png(owner_geometry, members, context, entries, attribution, figsize, dpi) -> bytes:
    placed = [e for e in entries if e.placed]
    drawn_members = [m for m in members if m.geometry is not None and not m.geometry.is_empty]
    foreign = any(m.foreign for m in drawn_members)

    fig = Figure(figsize=figsize, dpi=dpi, facecolor="white")
    ax = fig.add_axes(MAP_BOX)
    territory = [g for g in [owner_geometry, *(m.geometry for m in drawn_members)] if g is not None]
    west, south, east, north = _extent(territory, placed)
    mid_lat = (south + north) / 2

    _draw(ax, context, face=CONTEXT_FACE, edge=CONTEXT_EDGE, width=0.4, zorder=1)
    if drawn_members:
        _draw(ax, [m.geometry for m in drawn_members if not m.foreign], face=MEMBER_STYLE["fillColor"],
              edge=MEMBER_STYLE["color"], width=0.6, zorder=2)
        _draw(ax, [m.geometry for m in drawn_members if m.foreign], face=FOREIGN_MEMBER_STYLE["fillColor"],
              edge=FOREIGN_MEMBER_STYLE["color"], width=0.8, linestyle="--", zorder=2)
        _draw(ax, [owner_geometry], face="none", edge=TERRITORY_STYLE["color"], width=1.6, zorder=2.5)
    else:
        _draw(ax, [owner_geometry], face=TERRITORY_STYLE["fillColor"], edge=TERRITORY_STYLE["color"], width=1.4,
              zorder=2)

    diaspora = [e for e in placed if e.diaspora]
    if diaspora:
        ax.scatter([e.lon for e in diaspora], [e.lat for e in diaspora], s=150, facecolors="none",
                   edgecolors=DIASPORA_COLOUR, linewidths=2, zorder=3)
    for approx in (False, True):
        group = [e for e in placed if (e.location == APPROXIMATE) is approx]
        if group:
            ax.scatter([e.lon for e in group], [e.lat for e in group], s=45, c=[e.colour for e in group],
                       edgecolors="#222222", linewidths=0.8, linestyles="--" if approx else "-", zorder=4)

    aspect = 1 / math.cos(math.radians(mid_lat))
    west, south, east, north = _fit_box(west, south, east, north, aspect,
                                        figsize[0] * MAP_BOX[2] / (figsize[1] * MAP_BOX[3]))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect, adjustable="box")
    ax.set_axis_off()
    _scale_bar(ax, west, south, east, north, mid_lat)
    _north_arrow(ax)

    handles = _legend_handles(entries, placed, grouping=bool(drawn_members), foreign=foreign, context=bool(context))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.70, 0.98), fontsize=7, frameon=False,
               title="Légende", title_fontsize=8, alignment="left")
    masked = sum(1 for e in entries if e.location == MASKED)
    if masked:
        fig.text(0.71, 0.06, f"{masked} action{'s' if masked > 1 else ''} à localisation masquée\n(non représentée"
                 f"{'s' if masked > 1 else ''})", fontsize=6.5, color="#444", va="bottom", parse_math=False)
    if not territory and not placed:
        ax.text(0.5, 0.5, "Aucune donnée géographique", transform=ax.transAxes, ha="center", va="center",
                fontsize=10, color="#666", parse_math=False)
    text = attribution or (BOUNDARY_ATTRIBUTION + (" ; " + FOREIGN_ATTRIBUTION if foreign else ""))
    fig.text(0.99, 0.01, text, ha="right", va="bottom", fontsize=6, color="#555", parse_math=False)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": "PDL-M"})
    return buffer.getvalue()


def _legend_handles(entries, placed, *, grouping: bool, foreign: bool, context: bool) -> list:
    present = {e.sector for e in placed}
    sectors = [(k, v) for k, v in SECTORS.items() if k in present] + sorted((k, k or "Secteur non précisé")
                                                                             for k in present - set(SECTORS))
    dot = {"marker": "o", "linestyle": "", "markeredgecolor": "#222222", "markersize": 6}
    handles = [Line2D([], [], markerfacecolor=sector_colour(k), label=_safe(v), **dot) for k, v in sectors]
    if any(e.diaspora for e in placed):
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor=DIASPORA_COLOUR,
                              markeredgewidth=2, markersize=9, label=DIASPORA_GROUP))
    if any(e.location == APPROXIMATE for e in placed):
        handles.append(Line2D([], [], markerfacecolor="white", label=APPROXIMATE_LABEL.capitalize(), **dot))
    handles.append(Patch(facecolor=TERRITORY_STYLE["fillColor"], edgecolor=TERRITORY_STYLE["color"],
                         label="Communes membres" if grouping else "Territoire"))
    if foreign:
        handles.append(Patch(facecolor=FOREIGN_MEMBER_STYLE["fillColor"], edgecolor=FOREIGN_MEMBER_STYLE["color"],
                             linestyle="--", label="Membres étrangers"))
    if context:
        handles.append(Patch(facecolor=CONTEXT_FACE, edgecolor=CONTEXT_EDGE, label="Communes voisines"))
    return handles


def neighbour_geometries(session, geometry: BaseGeometry | None, margin: float = 0.4) -> list[BaseGeometry]:
    """The simplified polygons of the Malian communes around `geometry` (label point within its bounding box
    widened by `margin` degrees): light grey context for the PNG. One query, no blob outside the box."""
    if geometry is None or geometry.is_empty:
        return []
    west, south, east, north = geometry.bounds
    rows = session.scalars(
        sa.select(AdminUnit.geometry_simplified)
        .join(TerritoryEdition, TerritoryEdition.id == AdminUnit.edition_id)
        .where(AdminUnit.country_iso3 == MALI, AdminUnit.level == 3, AdminUnit.has_geometry,
               TerritoryEdition.is_current,
               AdminUnit.label_lon.between(west - margin, east + margin),
               AdminUnit.label_lat.between(south - margin, north + margin)))
    return [g for g in (geo.from_wkb(r) for r in rows) if g is not None]



# --- the national map's current view, for a report -----------------------------------------------------------

NATIONAL_FIGSIZE = (10.0, 7.0)  # inches: 1500 × 1050 px at 150 dpi
NATIONAL_BOX = (0.01, 0.05, 0.68, 0.88)
GROUPING_EDGE = "#3f007d"  # the grouping outlines of app/static/js/national_map.js
CLUSTER_FREE_DOT = 9  # points² of an action's dot: the PNG draws every action, never clusters


def commune_geometries(session) -> dict[str, BaseGeometry]:
    """The current edition's Malian communes by P-code, simplified (the geometry of the national map's layer)."""
    rows = session.execute(
        sa.select(AdminUnit.code, AdminUnit.geometry_simplified)
        .join(TerritoryEdition, TerritoryEdition.id == AdminUnit.edition_id)
        .where(AdminUnit.country_iso3 == MALI, AdminUnit.level == 3, AdminUnit.has_geometry,
               TerritoryEdition.is_current)).all()
    return {code: g for code, g in ((r.code, geo.from_wkb(r.geometry_simplified)) for r in rows) if g is not None}


def build_national_png(session, base: "nm.NationalBase", view: "nm.NationalView", *, title: str,
                       bounds: list[list[float]] | None = None, labels: Sequence[list] = (),
                       figsize: tuple[float, float] = NATIONAL_FIGSIZE, dpi: int = DPI) -> bytes:
    """The national map as the page shows it for these filters: every commune shaded by the indicator (the same
    colours and legend, plans/maps/national.py `view_document`), the grouping outlines, every located action of
    the plans shown by sector colour (diaspora-funded ones ringed; `points_document`: never a masked site), framed
    on `bounds` (the chosen région or cercle, national.area_bounds) or on the whole country. `labels`
    (national.labels_document): the régions' names on the country, the cercles' on a région or a cercle."""
    doc = nm.view_document(base, view)
    points = nm.points_document(base, view)
    geometries = commune_geometries(session)

    fig = Figure(figsize=figsize, dpi=dpi, facecolor="white")
    ax = fig.add_axes(NATIONAL_BOX)
    patches, faces = [], []
    for code, geometry in geometries.items():
        path = _path(geometry)
        if path is not None:
            patches.append(PathPatch(path))
            shown = doc["communes"].get(code)
            faces.append(shown[0] if shown else nm.NO_DATA_COLOUR)
    if patches:
        ax.add_collection(PatchCollection(patches, facecolor=faces, edgecolor="#8a7a5c", linewidth=0.25, zorder=1))
    outlines = [shapely.geometry.shape(g["geometry"]) for g in doc["groupings"]]
    _draw(ax, outlines, face="none", edge=GROUPING_EDGE, width=1.4, linestyle="--", zorder=2)

    flat, sectors = points["points"], points["sectors"]
    lats, lons = flat[0::5], flat[1::5]
    colours = [sectors[i][2] if 0 <= i < len(sectors) else UNKNOWN_SECTOR_COLOUR for i in flat[3::5]]
    ringed = [k for k, d in enumerate(flat[4::5]) if d]
    if ringed:
        ax.scatter([lons[k] for k in ringed], [lats[k] for k in ringed], s=CLUSTER_FREE_DOT * 4, facecolors="none",
                   edgecolors=DIASPORA_COLOUR, linewidths=1.2, zorder=3)
    if lats:
        ax.scatter(lons, lats, s=CLUSTER_FREE_DOT, c=colours, edgecolors="#222222", linewidths=0.4, zorder=4)

    if bounds:
        (south, west), (north, east) = bounds
    else:
        boxes = [g.bounds for g in geometries.values()] or [(-12.5, 10.0, 4.5, 25.0)]
        west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
        east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad_x, pad_y = max((east - west) * 0.04, 0.01), max((north - south) * 0.04, 0.01)
    west, south, east, north = west - pad_x, south - pad_y, east + pad_x, north + pad_y
    mid_lat = (south + north) / 2
    aspect = 1 / math.cos(math.radians(mid_lat))
    west, south, east, north = _fit_box(west, south, east, north, aspect,
                                        figsize[0] * NATIONAL_BOX[2] / (figsize[1] * NATIONAL_BOX[3]))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect, adjustable="box")
    ax.set_axis_off()
    level = 2 if bounds else 1  # a région or a cercle chosen: its cercles' names; the whole country: the régions'
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for name, unit_level, lat, lon in labels:
        if unit_level == level and west <= lon <= east and south <= lat <= north:
            ax.text(lon, lat, name.upper() if level == 1 else name, ha="center", va="center", zorder=5,
                    fontsize=8 if level == 1 else 7, fontweight="bold", color="#2b2418", path_effects=halo,
                    parse_math=False, clip_on=True)
    _scale_bar(ax, west, south, east, north, mid_lat)
    _north_arrow(ax)

    fig.text(0.01, 0.975, _safe_line(title), fontsize=11, fontweight="bold", va="top", parse_math=False)
    handles = [Patch(facecolor=item["colour"], edgecolor="#777777", label=_safe(item["label"]))
               for item in doc["legend"]]
    used = sorted(set(flat[3::5]))
    dot = {"marker": "o", "linestyle": "", "markeredgecolor": "#222222", "markersize": 5}
    handles += [Line2D([], [], markerfacecolor=sectors[i][2], label=_safe(sectors[i][1]), **dot)
                for i in used if 0 <= i < len(sectors)]
    if ringed:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor=DIASPORA_COLOUR,
                              markeredgewidth=1.5, markersize=7, label=DIASPORA_GROUP))
    if outlines:
        handles.append(Patch(facecolor="none", edgecolor=GROUPING_EDGE, linestyle="--", label="Groupement (contour)"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.71, 0.93), fontsize=6.5, frameon=False,
               title=_safe(doc["label"]), title_fontsize=7.5, alignment="left")
    if doc.get("note"):  # the execution's year rule (plans/maps/national.py, legend_note)
        fig.text(0.715, 0.05, textwrap.fill(doc["note"], LEGEND_WRAP + 8), fontsize=6, va="bottom", color="#444",
                 parse_math=False)
    if not doc["rows"]:
        ax.text(0.5, 0.5, "Aucun plan ne répond à ces filtres", transform=ax.transAxes, ha="center", va="center",
                fontsize=11, color="#444", parse_math=False,
                bbox={"facecolor": "white", "edgecolor": "#999", "alpha": 0.85, "pad": 4})
    fig.text(0.99, 0.01, BOUNDARY_ATTRIBUTION, ha="right", va="bottom", fontsize=6, color="#555", parse_math=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": "PDL-M"})
    return buffer.getvalue()


def _safe_line(text: str) -> str:
    """A title on one or two lines, never a mathtext formula."""
    return textwrap.fill(text, 110).replace("$", r"\$")
