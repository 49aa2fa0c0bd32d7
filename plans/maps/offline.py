"""folium without the Internet (docs/ARCHITECTURE.md, pitfalls 1–4): local JS/CSS, no tiles, no CDN left behind,
user text made safe.

- `offline_map(**kw)`: a folium.Map with no basemap (`tiles=None`), Leaflet's `maxZoom` set (folium drops
  `max_zoom` without tiles, and MarkerCluster then fails in the browser), and the map's JS/CSS pointing at the
  vendored files of app/static/vendor/ (scripts/vendor_frontend.sh). The URLs are set on the INSTANCE:
  `add_js_link()` would change folium's class-level lists for every later map of the process.
- `offline_cluster(**kw)`: MarkerCluster with the vendored leaflet.markercluster 1.5.3.
- `map_components(m)`: the map cut into the parts a Jinja page embeds (docs/ARCHITECTURE.md, pitfall 3): the div,
  the script, and the JS/CSS links. folium's header is dropped on purpose: it would inject `html, body
  {height:100%}`, `#map {position:absolute}` and a `user-scalable=no` viewport meta into our page.
- `render_page(m)`: the map as a whole HTML document (a download, a test, a debugging aid).
Both renderers rewrite the CDN URLs folium's plugins and branca hard-code (`URL_REWRITES`: branca's d3) and then
REFUSE to return anything still referring to another host (`OfflineError`), so a new plugin cannot leak a CDN.

Not vendored, on purpose: Bootstrap (restyles our pages), font-awesome, awesome-markers and glyphicons
(`folium.Icon` needs them: draw CircleMarkers instead), d3 (branca colormaps need it: draw an HTML legend instead;
`scripts/vendor_frontend.sh --with-d3` adds it if a colormap ever becomes necessary).

User text. folium writes Tooltip/Popup text raw into JS template literals and innerHTML (§1.5): a title such as
"${alert(1)}" would run. `js_safe_text()` escapes HTML and turns ` and $ into entities; `js_json()` embeds a value
in an inline <script> (no "</script>" break-out, no U+2028 line break). Our own JS uses textContent.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import folium
import markupsafe
from branca.element import CssLink, Element, JavascriptLink
from folium.elements import ElementAddToElement
from folium.plugins import MarkerCluster

VENDOR = "/static/vendor"  # where the app serves app/static/vendor/ (Flask's static folder)

LOCAL_JS = [("leaflet", f"{VENDOR}/leaflet/leaflet.js"), ("jquery", f"{VENDOR}/jquery/jquery.min.js")]
LOCAL_CSS = [("leaflet_css", f"{VENDOR}/leaflet/leaflet.css")]
CLUSTER_JS = [("markerclusterjs", f"{VENDOR}/markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [("markerclustercss", f"{VENDOR}/markercluster/MarkerCluster.css"),
               ("markerclusterdefaultcss", f"{VENDOR}/markercluster/MarkerCluster.Default.css")]

BRANCA_D3_CDN = "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"  # branca/colormap.py, ColorMap.render
URL_REWRITES = {BRANCA_D3_CDN: f"{VENDOR}/d3/d3.min.js"}

DEFAULT_MAX_ZOOM = 18
MALI_CENTER = (17.5, -4.0)

# Where folium and its plugins reach other hosts: links to JS/CSS, and tile URL templates in the script. User text
# (escaped, inside the script's data) is not searched: a title quoting a web address must not break the page.
_EXTERNAL_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//", re.IGNORECASE)
_TILE_TEMPLATE = re.compile(r"""["'`]((?:https?:)?//[^"'`\s]*\{[xyzs]\}[^"'`\s]*)["'`]""", re.IGNORECASE)


class OfflineError(RuntimeError):
    """The rendered map still refers to another host: vendor the file and add it to URL_REWRITES."""


def js_safe_text(value: Any) -> str:
    """Text safe inside HTML, inside a JS template literal and in innerHTML: HTML-escaped, ` and $ as entities,
    and { } too: branca compiles every element's rendered script as a Jinja template once more (Element(script)
    in MacroElement.render), so a typed "{{ 7*7 }}" would be evaluated there. None → "". The browser shows the
    text literally."""
    if value is None:
        return ""
    return (str(markupsafe.escape(str(value))).replace("`", "&#96;").replace("$", "&#36;")
            .replace("{", "&#123;").replace("}", "&#125;"))


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "`": "\\u0060", "$": "\\u0024",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_ESCAPE = re.compile("[" + "".join(_JSON_ESCAPES) + "]")


# A Jinja opener ({{, {%, {#) can only be inside a JSON string (a structural brace is followed by " or }).
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def js_json(value: Any) -> str:
    """JSON to write inside an inline <script>: < > & escaped (no text closes the script), ` and $ too (nothing
    interpolates even if pasted into a template literal), U+2028/U+2029 (JS line breaks) too, and the "{" of
    "{{", "{%" and "{#" (branca compiles every rendered script as a Jinja template once more: see js_safe_text)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = _JSON_ESCAPE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)
    return _JINJA_OPENER.sub(r"\\u007b", text)


def offline_map(**kwargs) -> folium.Map:
    """folium.Map(**kwargs) with no tiles by default, `maxZoom` set and the vendored Leaflet/jQuery."""
    kwargs.setdefault("tiles", None)
    kwargs.setdefault("location", list(MALI_CENTER))
    if kwargs["tiles"] is None:
        kwargs.setdefault("maxZoom", kwargs.pop("max_zoom", DEFAULT_MAX_ZOOM))
    m = folium.Map(**kwargs)
    m.default_js, m.default_css = list(LOCAL_JS), list(LOCAL_CSS)  # instance attributes shadow the class lists
    return m


def offline_cluster(**kwargs) -> MarkerCluster:
    """MarkerCluster with the vendored leaflet.markercluster (the map needs `maxZoom`: use offline_map)."""
    cluster = MarkerCluster(**kwargs)
    cluster.default_js, cluster.default_css = list(CLUSTER_JS), list(CLUSTER_CSS)
    return cluster


def rewrite_urls(text: str) -> str:
    for cdn, local in URL_REWRITES.items():
        text = text.replace(cdn, local)
    return text


def external_references(links: list[str], script: str = "") -> list[str]:
    """The links to another host, and the tile templates of the script (empty when the map works offline)."""
    return [u for u in links if _EXTERNAL_URL.match(u)] + [m.group(1) for m in _TILE_TEMPLATE.finditer(script)]


def _check_offline(links: list[str], script: str = "", allowed: tuple[str, ...] = ()) -> None:
    # `allowed`: the tile template a deployer configured (plans.maps.basemap.add_tile_layer), their explicit choice
    found = [u for u in external_references(links, script) if u not in allowed]
    if found:
        raise OfflineError(f"the map refers to other hosts (vendor the files, see URL_REWRITES): {found[:5]}")


class RenderedText(Element):
    """Text already rendered, added to a figure as it is. branca's MacroElement.render wraps the output of each
    macro (header, html, script) in Element(text), which compiles that text as a Jinja template once more
    (docs/ARCHITECTURE.md, pitfall 4): about half a millisecond for each element of a map, ten for the JSON of the
    actions of a 150-action plan. A text without Jinja syntax (every user string reaches a map escaped) renders
    as itself, less one trailing newline (Jinja's keep_trailing_newline is off): that is what this gives."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs) -> str:
        return self._text


class PreRendered:
    """Mixin for a MacroElement (listed before it): MacroElement.render, its macros' output added as RenderedText."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(RenderedText(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class _AddToParent(PreRendered, ElementAddToElement):
    """folium's `<layer>.addTo(<map>)` statement, PreRendered."""


class FeatureGroup(PreRendered, folium.FeatureGroup):
    """folium.FeatureGroup, PreRendered (folium's Layer.render adds its addTo statement, then renders)."""

    def render(self, **kwargs) -> None:
        if self.show:
            self.add_child(_AddToParent(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        super().render(**kwargs)


@dataclass
class MapComponents:
    """What a page needs to show a map: `html` (the map's div) in a sized box, the `js`/`css` links in the page,
    then `script` in a <script> after the div."""

    html: str
    script: str
    js: list[str] = field(default_factory=list)
    css: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.html.encode()) + len(self.script.encode())


def map_components(m: folium.Map) -> MapComponents:
    root = m.get_root()
    root.render()  # first: it runs every element's render(), which fills the header's links and the script
    js, css = [], []
    for child in root.header._children.values():
        if isinstance(child, JavascriptLink):
            js.append(rewrite_urls(child.url))
        elif isinstance(child, CssLink):
            css.append(rewrite_urls(child.url))
    html = rewrite_urls(root.html.render())
    script = squeeze(rewrite_urls(root.script.render()))
    _check_offline(js + css, script, tuple(getattr(m, "allowed_tile_templates", ())))
    return MapComponents(html=html, script=script, js=js, css=css)


_LINK = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def render_page(m: folium.Map) -> str:
    """The map as a complete HTML document, every URL local."""
    page = rewrite_urls(m.get_root().render())
    _check_offline(_LINK.findall(page), page, tuple(getattr(m, "allowed_tile_templates", ())))
    return page


_BLANK_LINES = re.compile(r"\n\s*\n+")


def squeeze(script: str) -> str:
    """folium's script with its empty lines removed (a third of its size for nothing)."""
    return _BLANK_LINES.sub("\n", script).strip()
