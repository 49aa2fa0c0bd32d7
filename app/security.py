"""Security headers on every response, and the client address behind a reverse proxy.

The Content-Security-Policy allows scripts from this site and the inline scripts that carry the request's nonce
(`<script nonce="{{ csp_nonce() }}">`: the folium map scripts of the plan, comparison and diaspora maps). An inline
script without it, an injected one included, does not run. Styles may be inline: folium and Leaflet write `style`
attributes and the templates use a few; a style cannot run code. Images may also come from `data:`/`blob:` URLs
(Leaflet, canvas exports) and from the host of PDLM_TILE_URL when a deployer set one.

Behind nginx or another proxy every request comes from 127.0.0.1: PDLM_TRUSTED_PROXIES (the number of proxies in
front) makes the client address the one the proxy forwarded, which login throttling and the audit log record.

What a logged-in user is sent is not kept by the browser: `Cache-Control: no-store` on every page, download and
response that did not choose private caching itself (the national map's data, revalidated by ETag, and the
territory search say `private`), so the back button after a logout, or the next user of a shared computer,
finds nothing.
"""
from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone", "payment", "usb"))

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def csp_nonce() -> str:
    """The nonce of this request's inline scripts (the same for every call during one request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def tile_source(tile_url: str | None) -> str | None:
    """The origin of a tile URL template for img-src ("https://tuiles.exemple.ml"), a `{s}` subdomain becoming `*`;
    None for no template or one on this site."""
    if not tile_url:
        return None
    parts = urlsplit(_PLACEHOLDER.sub("*", tile_url.strip()))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(nonce: str | None, tile_url: str | None = None) -> str:
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    images = " ".join(filter(None, ("'self' data: blob:", tile_source(tile_url))))
    return "; ".join((
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def _add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       content_security_policy(g.get("csp_nonce"), current_app.config.get("TILE_URL")))
    for name, value in STATIC_HEADERS.items():
        headers.setdefault(name, value)
    if request.endpoint != "static" and current_user.is_authenticated:
        if response.mimetype == "text/html" or "private" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0)
    app.after_request(_add_headers)
    app.add_template_global(csp_nonce)
