"""The app must work with no Internet (a mairie in the Kayes region): no page may load anything from outside.

`external_refs(text)` lists every reference in an HTML page (or a CSS file) that would reach another host:
- an attribute src, href, srcset, action, formaction, poster or data (also data-src, xlink:href…) whose value
  starts with http://, https:// or //host (any scheme followed by //);
- a CSS url(…) or @import towards such an address;
- a quoted map-tile URL template ("https://…{z}/{x}/{y}…", as folium and Leaflet write them in inline scripts).
Links to the app itself are relative (url_for), so they never match.
"""
from __future__ import annotations

import html as html_module
import re

_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""\b(src|href|srcset|action|formaction|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""",
    re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)""", re.IGNORECASE)
_TILE_TEMPLATE = re.compile(r"""["'`]((?:https?:)?//[^"'`\s]*\{[xyzs]\}[^"'`\s]*)["'`]""", re.IGNORECASE)


def _is_external(value: str) -> bool:
    return bool(_EXTERNAL.match(html_module.unescape(value)))


def external_refs(text: str) -> list[str]:
    found = []
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        value = next(g for g in match.groups()[1:] if g is not None)
        candidates = [part.split()[0] for part in value.split(",") if part.split()] if name == "srcset" else [value]
        found += [f"{match.group(1)}={value}" for candidate in candidates if _is_external(candidate)][:1]
    for match in _CSS_URL.finditer(text):
        value = next(g for g in match.groups() if g is not None)
        if _is_external(value):
            found.append(f"url({value})")
    for match in _CSS_IMPORT.finditer(text):
        if _is_external(match.group(1)):
            found.append(f"@import {match.group(1)}")
    for match in _TILE_TEMPLATE.finditer(text):
        found.append(f"tuiles {match.group(1)}")
    return found


def assert_no_external_refs(text: str, where: str = "page") -> None:
    found = external_refs(text)
    assert not found, f"{where} : références externes (l'application doit fonctionner hors ligne) : {found}"
