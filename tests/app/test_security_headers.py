"""Security headers on every response (app/security.py): every GET route of the URL map, for an administrator and
for an anonymous visitor, carries the Content-Security-Policy, frame protection, nosniff, Referrer-Policy and
Permissions-Policy; every inline script of a page carries that response's nonce (an inline script without it would
not run in the browser)."""
from __future__ import annotations

import re

import pytest

from app.security import content_security_policy, tile_source
from tests.app.test_route_access import _url, world  # noqa: F401  (world: the fixture naming one object of each kind)
from tests.conftest import login

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
OTHER_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(src|type|nonce)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {name: value.strip() for name, _, value in
            (part.strip().partition(" ") for part in policy.split(";") if part.strip())}


def assert_secure_headers(response, where: str) -> None:
    found = directives(response)
    for name, value in REQUIRED_DIRECTIVES.items():
        assert found.get(name) == value, f"{where}: {name} is {found.get(name)!r}"
    script_src = found.get("script-src", "").split()
    assert script_src[0] == "'self'" and all(s.startswith("'nonce-") for s in script_src[1:]), where
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
    for name, value in OTHER_HEADERS.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions, f"{where}: {feature}"


def inline_scripts_without_nonce(response) -> list[str]:
    """Executable inline <script> tags of an HTML page that lack the nonce of the response's policy."""
    if response.mimetype != "text/html":
        return []
    nonces = {s[len("'nonce-"):-1] for s in directives(response).get("script-src", "").split()
              if s.startswith("'nonce-")}
    bad = []
    for match in _SCRIPT.finditer(response.get_data(as_text=True)):
        attributes = {k.lower(): v for k, v in _ATTR.findall(match.group(1))}
        executable = attributes.get("type", "text/javascript").lower() in ("", "text/javascript", "module",
                                                                            "application/javascript")
        if executable and "src" not in attributes and attributes.get("nonce") not in nonces:
            bad.append(match.group(0))
    return bad


def _get_endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods})


def test_every_get_route_carries_the_headers_for_an_administrator(app, world):  # noqa: F811
    client = app.test_client()
    assert login(client, world["users"]["admin"].email).status_code == 302
    endpoints = _get_endpoints(app)
    assert "audit.journal" in endpoints and "maps.plan_map" in endpoints
    problems = []
    for endpoint in endpoints:
        url = _url(app, endpoint, world["values"])
        response = client.get(url)
        assert_secure_headers(response, f"GET {url} ({response.status_code})")
        missing = inline_scripts_without_nonce(response)
        if missing:
            problems.append(f"GET {url}: inline script without nonce=\"{{{{ csp_nonce() }}}}\": {missing[0][:80]}")
    assert problems == []


def test_anonymous_pages_redirects_errors_and_files_carry_them_too(client):
    for url, status in (("/compte/connexion", 200), ("/", 302), ("/page-inconnue", 404),
                        ("/static/favicon.svg", 200), ("/journal", 302)):
        response = client.get(url)
        assert response.status_code == status, url
        assert_secure_headers(response, url)


def test_map_pages_give_their_inline_script_a_fresh_nonce(admin_client, plan):
    pages = [admin_client.get(f"/plans/{plan.id}/carte") for _ in range(2)]
    nonces = []
    for page in pages:
        assert page.status_code == 200
        script_src = directives(page)["script-src"].split()
        assert len(script_src) == 2, "the map page has an inline script, so its policy names a nonce"
        nonce = script_src[1][len("'nonce-"):-1]
        assert f'<script nonce="{nonce}">' in page.get_data(as_text=True)
        assert inline_scripts_without_nonce(page) == []
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_a_page_without_inline_script_allows_none(client):
    assert directives(client.get("/compte/connexion"))["script-src"] == "'self'"


@pytest.mark.parametrize("template, source", [
    ("https://tuiles.exemple.ml/{z}/{x}/{y}.png", "https://tuiles.exemple.ml"),
    ("http://10.1.2.3:8080/osm/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
    ("https://{s}.tuiles.exemple.ml/{z}/{x}/{y}.png", "https://*.tuiles.exemple.ml"),
    ("/tuiles/{z}/{x}/{y}.png", None),
    (None, None),
])
def test_the_tile_server_of_pdlm_tile_url_is_allowed_for_images(template, source):
    assert tile_source(template) == source
    policy = content_security_policy(None, template)
    img_src = next(p for p in policy.split("; ") if p.startswith("img-src "))
    assert img_src == "img-src 'self' data: blob:" + (f" {source}" if source else "")


def test_a_configured_tile_url_reaches_the_header(app, client):
    app.config["TILE_URL"] = "https://tuiles.exemple.ml/{z}/{x}/{y}.png"
    assert directives(client.get("/compte/connexion"))["img-src"] == "'self' data: blob: https://tuiles.exemple.ml"
