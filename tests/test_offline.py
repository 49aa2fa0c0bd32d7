"""Offline: no page, and no stylesheet, refers to another host (CDN, web font, map tiles, analytics)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.offline import assert_no_external_refs, external_refs

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"


@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"></script>',
    "<link rel='stylesheet' href='//unpkg.com/leaflet/dist/leaflet.css'>",
    '<img src=http://example.org/logo.png alt="">',
    '<img srcset="/static/a.png 1x, https://example.org/b.png 2x">',
    '<form action="https://example.org/collect" method="post"></form>',
    '<img data-src="https://example.org/lazy.png">',
    '<div style="background: url(\'https://example.org/bg.png\')"></div>',
    "<style>@import url(https://fonts.googleapis.com/css?family=Roboto);</style>",
    '<style>@import "//fonts.example.org/font.css";</style>',
    '<script>L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png").addTo(map);</script>',
    '<a href="HTTPS://example.org">source</a>',
    '<script src="&#x2F;&#x2F;cdn.example.org/x.js"></script>',
])
def test_external_references_are_found(snippet):
    assert external_refs(snippet), snippet
    with pytest.raises(AssertionError):
        assert_no_external_refs(snippet)


@pytest.mark.parametrize("snippet", [
    '<script src="/static/vendor/leaflet/leaflet.js"></script>',
    '<link rel="icon" href="data:,">',
    '<a href="/territoire/ML010115">Koniakary</a> <a href="#contenu">Aller</a> <a href="mailto:dgct@exemple.ml">x</a>',
    '<svg xmlns="http://www.w3.org/2000/svg"><use href="#icone"></use></svg>',
    '<div style="background: url(/static/img/fond.png)"></div><style>@import "app.css";</style>',
    '<p>Source : https://data.humdata.org (texte, pas un lien)</p>',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
])
def test_local_references_are_accepted(snippet):
    assert external_refs(snippet) == []
    assert_no_external_refs(snippet)


def _parameterless_get_paths(app) -> list[tuple[str, str]]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and "<" not in rule.rule and rule.endpoint != "static":
            paths.append((rule.endpoint, rule.rule))
    return sorted(set(paths), key=lambda item: item[1])


def test_every_page_without_parameters_is_offline(app, admin_client):
    """Every GET route with no URL parameter, seen by an admin (who sees the most), including those added later."""
    checked = []
    for endpoint, path in _parameterless_get_paths(app):
        response = admin_client.get(path)
        assert response.status_code < 500, f"{path} ({endpoint}) : {response.status_code}"
        if response.status_code >= 300 or not response.mimetype.startswith("text/"):
            continue
        assert_no_external_refs(response.get_data(as_text=True), f"{path} ({endpoint})")
        checked.append(path)
    # Logged in as an admin, the home page and the territory browser are pages, not redirects to the login form.
    assert "/" in checked and "/territoire/" in checked, checked


def test_login_page_is_offline(client):
    response = client.get("/compte/connexion")
    assert response.status_code == 200
    assert_no_external_refs(response.get_data(as_text=True), "/compte/connexion")


def test_stylesheets_are_offline():
    sheets = sorted(STATIC.rglob("*.css"))
    assert sheets, "no stylesheet in app/static"
    for sheet in sheets:
        assert_no_external_refs(sheet.read_text(encoding="utf-8", errors="replace"), str(sheet.relative_to(STATIC)))
