"""The plan's maps (plans/maps/), built in memory with no database: folium offline, escaping, placement, PNG."""
from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import folium
import pytest
from branca.element import MacroElement
from PIL import Image
from shapely.geometry import box

from plans.core.formatting import fcfa
from plans.core.vocab import SECTORS
from plans.maps import SECTOR_COLOURS, UNKNOWN_SECTOR_COLOUR, offline, sector_colour, static_map
from plans.maps.offline import (
    OfflineError,
    js_json,
    js_safe_text,
    map_components,
    offline_cluster,
    offline_map,
    render_page,
)
from plans.maps.plan_map import (
    APPROXIMATE,
    MASKED,
    NOT_LOCATED,
    PLACED,
    ActionLayer,
    TerritoryShape,
    build_plan_map,
    light_geometry,
    map_actions,
    placed_count,
    territory_features,
)
from plans.maps.static_map import build_static_map_png, nice_length
from plans.planning.models import Action, DiasporaAssociation, FundingLine, Plan, ScheduleEntry
from tests.offline import assert_no_external_refs

XSS = "${alert(1)}<img src=x onerror=alert(1)>`"
KONIAKARY = box(-11.0, 14.5, -10.85, 14.65)  # a stand-in for the commune's polygon


def make_action(title, sector="sante", lon=-10.92, lat=14.58, precision="exacte", lines=(), cost=10_000_000,
                tags=""):
    return Action(title=title, sector=sector, quantity=Decimal(1), unit_cost=cost, lon=lon, lat=lat,
                  location_precision=precision, tags=tags, status="prevu",
                  schedule=[ScheduleEntry(year=2025, amount=cost)], funding_lines=list(lines))


@pytest.fixture
def plan():
    enndam = DiasporaAssociation(id=1, name="Enndam <b>Jombuku</b>", host_country="FR")
    p = Plan(title="PDESC de Koniakary 2025-2029", period_start=2025, period_end=2029)
    p.actions = [
        make_action(XSS, lines=[FundingLine(position=0, source_type="budget_communal", amount=2_000_000,
                                            status="acquis"),
                                FundingLine(position=1, source_type="association_diaspora", amount=3_000_000,
                                            association=enndam, status="promis")]),
        make_action("AEP du quartier Khasso", sector="hydraulique", lon=-10.95, lat=14.61, precision="approximative",
                    lines=[FundingLine(position=0, source_type="anict", share_pct=Decimal(80))]),
        make_action("Maison des femmes", sector="promotion_feminine", lon=-10.9111, lat=14.5999, precision="masquee"),
        make_action("Centre de formation des jeunes", sector="emploi", lon=None, lat=None),
    ]
    for i, a in enumerate(p.actions):
        a.position = i
    return p


# --- offline helpers -------------------------------------------------------------------------------------------------

def test_js_safe_text_neutralises_html_and_template_literals():
    safe = js_safe_text(XSS)
    assert safe == "&#36;&#123;alert(1)&#125;&lt;img src=x onerror=alert(1)&gt;&#96;"
    assert js_safe_text(None) == ""


def test_js_json_cannot_close_a_script_nor_interpolate():
    text = js_json({"t": XSS + "</script>\u2028"})
    for raw in ("<", ">", "`", "$", "&", "\u2028"):
        assert raw not in text
    assert json.loads(text) == {"t": XSS + "</script>\u2028"}


def test_offline_map_uses_vendored_files_and_leaves_folium_class_lists_alone():
    before = list(folium.Map.default_js)
    m = offline_map()
    cluster = offline_cluster().add_to(m)
    folium.CircleMarker([14.5, -11]).add_to(cluster)
    page = render_page(m)
    assert_no_external_refs(page, "offline map")
    assert "http://" not in page and "https://" not in page
    assert '"maxZoom": 18' in page  # without tiles folium drops max_zoom: MarkerCluster needs it
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/vendor/markercluster/MarkerCluster.css" in page
    assert folium.Map.default_js == before


def test_a_cdn_left_by_a_plugin_is_refused():
    m = offline_map()
    m.default_js = m.default_js + [("evil", "https://cdn.example.org/x.js")]
    with pytest.raises(OfflineError):
        map_components(m)
    with pytest.raises(OfflineError):
        render_page(m)


def test_branca_d3_is_rewritten_to_a_local_url():
    rewritten = offline.rewrite_urls(f'<script src="{offline.BRANCA_D3_CDN}">')
    assert rewritten == '<script src="/static/vendor/d3/d3.min.js">'


# --- what is placed -------------------------------------------------------------------------------------------------

def test_map_actions_places_exact_and_approximate_only(plan):
    entries = map_actions(plan)
    assert [e.location for e in entries] == [PLACED, APPROXIMATE, MASKED, NOT_LOCATED]
    masked = entries[2]
    assert masked.lat is None and masked.lon is None and masked.location_label == "localisation masquée"
    assert entries[3].location_label == "non localisée"
    assert "approximative" in entries[1].location_label


def test_map_actions_takes_every_figure_from_finance(plan):
    first, aep = map_actions(plan)[:2]
    assert first.total == 10_000_000 and first.gap == 5_000_000 and first.diaspora
    assert [(f.source, f.name, f.amount) for f in first.funding] == [
        ("Budget communal", "", 2_000_000), ("Association de la diaspora", "Enndam <b>Jombuku</b>", 3_000_000)]
    assert aep.funding[0].amount == 8_000_000 and not aep.diaspora  # 80 % of 10 000 000, from plans.planning.finance


def test_axis_and_status_filters_list_what_the_placed_actions_use_in_the_plans_order(plan):
    from plans.planning.models import Axis, Objective
    late, early = Objective(title="o2"), Objective(title="o1")
    plan.axes = [Axis(title="Eau `${x}` </script>", position=0, objectives=[early]),
                 Axis(title="Santé", position=1, objectives=[late])]
    plan.actions[0].objective, plan.actions[1].objective = late, early
    plan.actions[1].status = "en_cours"
    entries = map_actions(plan)
    assert [e.axis_label for e in entries] == ["Santé", "Eau `${x}` </script>", "Sans axe stratégique",
                                               "Sans axe stratégique"]
    m = build_plan_map(plan, KONIAKARY)
    html = m.get_root().render()
    layer = next(c for c in m._children.values() if isinstance(c, ActionLayer))
    filters = json.loads(layer.filters_json)
    assert [layer.text(i) for i in filters["x"]] == ["Eau `${x}` </script>", "Santé"]  # axes' order, placed only
    assert [layer.text(i) for i in filters["s"]] == ["Prévu", "En cours"]  # ACTION_STATUSES' order
    assert "`${x}`" not in html and "</script>" not in layer.strings_json  # the axis title travels escaped


def test_an_unknown_precision_is_treated_as_masked(plan):
    plan.actions[0].location_precision = "secret"
    assert map_actions(plan)[0].location == MASKED


def test_every_sector_has_its_own_colour():
    assert set(SECTOR_COLOURS) == set(SECTORS)
    assert len(set(SECTOR_COLOURS.values())) == len(SECTORS)
    assert UNKNOWN_SECTOR_COLOUR not in SECTOR_COLOURS.values()
    assert sector_colour("inconnu") == UNKNOWN_SECTOR_COLOUR


# --- the folium map -------------------------------------------------------------------------------------------------

def test_plan_map_is_offline_escaped_and_places_only_located_actions(plan):
    m = build_plan_map(plan, KONIAKARY)
    assert placed_count(m) == 2
    parts = map_components(m)
    page = parts.html + parts.script
    assert_no_external_refs(page, "plan map")
    assert parts.js == ["/static/vendor/leaflet/leaflet.js"]  # no jQuery: nothing calls $
    assert parts.css == ["/static/vendor/leaflet/leaflet.css"]
    for raw in ("<img", "${", "`", "<b>Jombuku"):
        assert raw not in parts.script, raw
    assert "14.5999" not in parts.script and "-10.9111" not in parts.script  # the masked site never leaves
    assert "Maison des femmes" not in parts.script
    assert "Limites : DNCT/OCHA (CC BY 4.0)" in parts.script
    assert fcfa(10_000_000) in parts.script and fcfa(3_000_000) in parts.script
    assert "Financ\\u00e9 par la diaspora (1)" in parts.script  # the highlighted layer
    assert "attributionControl.setPrefix(\"Leaflet\")" in parts.script  # no link to leafletjs.com


def test_plan_map_popup_data_round_trips_the_payload_literally(plan):
    m = build_plan_map(plan, KONIAKARY)
    layer = next(c for c in _walk(m) if isinstance(c, ActionLayer))
    first = next(p for p in layer.points if layer.text(p["t"]) == XSS)  # shown with textContent, as typed
    assert json.loads(layer.strings_json)[first["t"]] == XSS
    assert [[layer.text(i) for i in line] for line in first["f"]] == [
        ["Budget communal", "acquis", fcfa(2_000_000)],
        ["Association de la diaspora — Enndam <b>Jombuku</b>", "promis", fcfa(3_000_000)]]
    assert layer.text(first["r"]) == fcfa(5_000_000) and first["d"] == 1 and "a" not in first


def test_without_territory_or_location_the_map_still_renders():
    empty = Plan(title="Vide", period_start=2025, period_end=2029)
    empty.actions = []
    parts = map_components(build_plan_map(empty, None))
    assert "fitBounds" not in parts.script and "L.map(" in parts.script


def test_grouping_members_are_drawn_foreign_ones_dashed():
    members = [TerritoryShape("Finkolo", box(-5.6, 11.2, -5.4, 11.4)),
               TerritoryShape("Koloko", box(-5.4, 11.2, -5.2, 11.4), foreign=True),
               TerritoryShape("N'Dorola", None, foreign=True)]
    features = territory_features(box(-5.6, 11.2, -5.2, 11.4), members)
    styles = [f["properties"]["style"] for f in features]
    assert len(features) == 3  # two members drawn, the union's outline; the member without geometry is not
    assert "dashArray" in styles[1] and "dashArray" not in styles[0] and styles[2]["fill"] is False
    parts = map_components(build_plan_map(Plan(title="G", period_start=2025, period_end=2029),
                                          box(-5.6, 11.2, -5.2, 11.4), members=members))
    assert "geoBoundaries (CC BY 4.0)" in parts.script and "Membres étrangers" in parts.script


def test_light_geometry_rounds_and_simplifies():
    from shapely.geometry import Point

    circle = Point(-10.9, 14.6).buffer(0.1, quad_segs=256)
    light = light_geometry(circle)
    assert len(light.exterior.coords) < len(circle.exterior.coords) / 4
    assert all(round(x, 5) == x for x, _ in light.exterior.coords)


def test_150_actions_stay_small():
    big = Plan(title="Grand plan", period_start=2025, period_end=2029)
    keys = list(SECTORS)
    big.actions = [make_action(f"Construction d'une salle de classe n°{i} à Koniakary", sector=keys[i % len(keys)],
                               lon=-10.99 + (i % 15) * 0.01, lat=14.51 + (i // 15) * 0.01,
                               lines=[FundingLine(position=0, source_type="budget_communal", amount=1_000_000),
                                      FundingLine(position=1, source_type="ptf", source_name="Coopération suisse",
                                                  amount=6_000_000)])
                   for i in range(150)]
    parts = map_components(build_plan_map(big, KONIAKARY))
    assert parts.size < 50 * 1024, parts.size  # folium's own markers would weigh 210 KB (time: `make bench`)


def _walk(element):
    for child in element._children.values():
        yield child
        yield from _walk(child)


# --- the PNG ---------------------------------------------------------------------------------------------------------

def test_static_map_png_is_a_real_non_blank_image(plan):
    png = build_static_map_png(plan, KONIAKARY, context=[box(-11.2, 14.4, -11.0, 14.7)])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 900)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 20  # not blank
    rgb = image.convert("RGB")
    assert rgb.getpixel((300, 450)) != (255, 255, 255)  # the territory fills the map's middle


def test_the_same_map_is_drawn_once_and_a_moved_action_redraws_it(plan, monkeypatch):
    static_map._png_memo.clear()
    drawn = []
    draw = static_map._draw_png
    monkeypatch.setattr(static_map, "_draw_png", lambda *args: drawn.append(1) or draw(*args))
    first = build_static_map_png(plan, KONIAKARY)
    plan.actions[0].title = "Poste de santé (titre corrigé)"  # not drawn: the same map
    plan.actions[0].unit_cost = 12_000_000
    assert build_static_map_png(plan, KONIAKARY) == first and len(drawn) == 1
    plan.actions[0].lon = -10.88  # moved: drawn again
    moved = build_static_map_png(plan, KONIAKARY)
    assert moved != first and len(drawn) == 2
    plan.actions[1].sector = "sante"  # another colour
    build_static_map_png(plan, KONIAKARY)
    build_static_map_png(plan, KONIAKARY, context=[box(-11.2, 14.4, -11.0, 14.7)])  # neighbours drawn
    assert len(drawn) == 4


def test_static_map_without_any_geometry_says_so():
    empty = Plan(title="Vide", period_start=2025, period_end=2029)
    empty.actions = []
    image = Image.open(io.BytesIO(build_static_map_png(empty, None)))
    assert image.size == (1200, 900)


def test_static_map_labels_are_never_mathtext(plan):
    plan.actions[0].sector = "secteur_$x$_inconnu"  # an unknown key is shown as typed
    Image.open(io.BytesIO(build_static_map_png(plan, KONIAKARY))).verify()


@pytest.mark.parametrize("km, expected", [(0.7, 0.5), (3.2, 2), (7.9, 5), (10, 10), (180, 100)])
def test_scale_bar_lengths_are_round(km, expected):
    assert nice_length(km) == expected


def test_module_docstrings_name_the_attribution():
    from plans.territory.models import BOUNDARY_ATTRIBUTION

    assert re.fullmatch(r"Limites : DNCT/OCHA \(CC BY 4\.0\)", BOUNDARY_ATTRIBUTION)


def test_jinja_tags_typed_by_users_are_not_evaluated_when_branca_renders_the_scripts(plan):
    """branca compiles each rendered script as a Jinja template again: a typed tag must reach it escaped."""
    from plans.planning.models import Axis, Objective
    objective = Objective(title="o")
    plan.axes = [Axis(title="{%p if True %}axe{%p endif %}", position=0, objectives=[objective])]
    plan.actions[0].title, plan.actions[0].objective = "{{ 7*7 }} {# c #}", objective
    plan.actions[1].sector = "{{ 6*7 }}"  # an unknown sector names its layer
    html = build_plan_map(plan, KONIAKARY).get_root().render()  # no TemplateSyntaxError
    assert "\\u007b{ 7*7 }} \\u007b# c #}" in html  # the title reached the page as typed, escaped
    assert "\\u0026#123;\\u0026#123; 6*7 \\u0026#125;\\u0026#125;" in html  # the layer name (entities, tojson)
    layer = next(c for c in build_plan_map(plan, KONIAKARY)._children.values() if isinstance(c, ActionLayer))
    assert "{{ 7*7 }} {# c #}" in json.loads(layer.strings_json)
    assert js_json("{{ x }}") == '"\\u007b{ x }}"' and json.loads(js_json({"a": "{%"})) == {"a": "{%"}
    assert js_safe_text("{{ x }}") == "&#123;&#123; x &#125;&#125;"


def _components_without_ids(plan) -> str:
    c = map_components(build_plan_map(plan, KONIAKARY))
    return re.sub(r"_[0-9a-f]{32}", "_ID", "\n".join([c.html, c.script, *c.js, *c.css]))


def test_the_plan_map_reads_the_same_as_rendered_by_branca_itself(plan, monkeypatch):
    """The plan map's elements add their rendered text as it is (offline.PreRendered) instead of branca compiling it
    as a template once more (issue 12: a third of the map page's time). The page must not change: the same map
    rendered by branca's own MacroElement.render and folium's FeatureGroup.render, ids aside, is the same text —
    a folium or branca upgrade that renders differently fails here."""
    ours = _components_without_ids(plan)
    monkeypatch.setattr(offline.PreRendered, "render", MacroElement.render)
    monkeypatch.setattr(offline.FeatureGroup, "render", folium.FeatureGroup.render)
    assert _components_without_ids(plan) == ours
    assert "alert(1)" in ours and XSS not in ours  # the user's title is there, escaped
