"""Static files (app/static: our scripts and styles, the vendored Leaflet, jQuery, Bootstrap...) sent
gzip-compressed to a browser that accepts it: the national map's first visit is mostly these files, and a commune's
connection is slow (issue 15: the first load ≤ 450 KiB on the wire, measured by scripts/bench_national_map.py).

Flask's static view answers as usual (ETag, Last-Modified, 304, ranges); this hook only swaps the body of a whole
200 answer for its gzip, compressed once per file version (path, size, modification time) and kept in memory. The
ETag becomes weak, as an encoding changes the bytes: werkzeug compares If-None-Match weakly, so a revalidation
still answers 304 whichever encoding the browser kept.
"""
from __future__ import annotations

import gzip
import os
from functools import lru_cache

from flask import Flask, current_app, request
from werkzeug.security import safe_join

COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml",
                "application/geo+json", "text/plain"}
MIN_SIZE = 1024  # below this, the gzip header costs more than it saves


@lru_cache(maxsize=256)
def _compressed(path: str, size: int, mtime_ns: int) -> bytes:
    with open(path, "rb") as f:
        return gzip.compress(f.read(), 9, mtime=0)


def _static_path(filename: str) -> str | None:
    path = safe_join(current_app.static_folder or "", filename)
    return path if path and os.path.isfile(path) else None


def _gzip_static(response):
    if (request.endpoint != "static" or response.status_code != 200 or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE):
        return response
    response.vary.add("Accept-Encoding")
    if "gzip" not in request.headers.get("Accept-Encoding", "").lower():
        return response
    path = _static_path((request.view_args or {}).get("filename", ""))
    if path is None:
        return response
    stat = os.stat(path)
    if stat.st_size < MIN_SIZE:
        return response
    body = _compressed(path, stat.st_size, stat.st_mtime_ns)
    original = response.response
    response.direct_passthrough = False
    response.set_data(body)
    if hasattr(original, "close"):
        original.close()
    etag, _ = response.get_etag()
    if etag:
        response.set_etag(etag, weak=True)
    response.headers["Content-Encoding"] = "gzip"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_gzip_static)
