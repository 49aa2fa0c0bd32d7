"""The national map for DGCT reviewers (and admins): thin views over plans.maps.national.

    GET /carte-nationale                          the page: filters (a GET form), map box, legend, table twin
    GET /api/communes.geojson                     the communes layer, one cached string, ETag → 304
    GET /api/carte-nationale/indicateurs.json     the chosen indicator per commune + groupings + table rows, ETag
    GET /api/carte-nationale/actions.json         the located actions as ONE flat array (cluster layer), ETag
    GET /api/carte-nationale/action.json          what a click on an action shows: its plan's actions at that
                                                  point, with cost and funding (?plan=ID&lat=…&lon=…[&secteur=])
    GET /carte-nationale.png                      the current view (same query as the page) as a PNG for a report,
                                                  drawn once per data state and filters, in the pool of expensive
                                                  work (app/heavy.py, kind "carte-png")

Same blueprint as the plan map ("maps"); these URLs are national, not under /plans.

Access: the page and its two data documents are for reviewers and admins; a planner gets 403 (the map compares
every commune's plan, which a planner may not read). A reviewer attached to a région sees only that région's
plans (plans.accounts.access). The communes layer is public territory data: any logged-in user (other maps may
reuse it).

No folium here: the page is plain Leaflet driven by app/static/js/national_map.js (docs/ARCHITECTURE.md,
pitfalls 5–6: folium would embed 700 polygons in the HTML; the layer is fetched lazily and cached by the browser
with its ETag instead).

Transfer: JSON documents and the page are sent gzip-compressed when the browser accepts it (compressed once,
cached with the document; `Vary: Accept-Encoding`), see docs/BENCHMARKS.md.
"""
from __future__ import annotations

import gzip
import math

from flask import Response, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.loaders import readable_plan
from app.maps import bp
from app.summaries import ensure_summaries
from plans.accounts import access
from plans.core import pool
from plans.core.errors import ValidationError
from plans.maps import national as nm
from plans.maps import static_map
from plans.territory import editions as territory_editions
from plans.territory.models import BOUNDARY_ATTRIBUTION


def _reviewer_scope() -> set[int] | None:
    """403 for a planner; the régions a reviewer is limited to (None: all): plans/accounts/access.py decides."""
    if not access.can_view_national_scale(current_user):
        abort(403, "La carte nationale est réservée aux relecteurs de la DGCT et aux administrateurs.")
    return access.review_regions(current_user)


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def send_payload(payload: nm.Payload, mimetype: str) -> Response:
    """The payload, gzip when accepted, with its ETag (304 on If-None-Match) and revalidation each time."""
    gz = _accepts_gzip()
    response = Response(payload.gz if gz else payload.body, mimetype=mimetype)
    if gz:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(payload.etag + ("-gz" if gz else ""))
    return response.make_conditional(request)


def _indicator() -> str:
    value = request.args.get("indicateur", nm.DEFAULT_INDICATOR)
    return value if value in nm.INDICATORS else nm.DEFAULT_INDICATOR


_ROWS_HTML: dict[tuple, tuple[str, int, int]] = {}


def _rows_html(base: nm.NationalBase, filters: nm.Filters, indicator: str, scope, plan_url: str):
    """The table twin's rows as HTML, rendered once per data state, filters and scope (the rest of the page is
    per user: name, CSRF token), with the number of communes and of other rows."""
    key = (str(db.session.get_bind().url), base.fingerprint, filters.key(), indicator,
           tuple(sorted(scope)) if scope is not None else None)
    cached = _ROWS_HTML.get(key)
    if cached is None:
        view = nm.national_view(base, filters, indicator, scope)
        html = render_template("maps/_national_rows.html", view=view, plan_url=plan_url)
        cached = (html, len(view.communes), len(view.others))
        if len(_ROWS_HTML) > 128:
            _ROWS_HTML.clear()
        _ROWS_HTML[key] = cached
    return cached


def _filters() -> nm.Filters:
    """The filters of the query string; a « Valeur au moins » that cannot be read: a French 400 (JSON for the
    data documents, app/errors.py)."""
    try:
        return nm.Filters.from_args(request.args)
    except ValidationError as error:
        abort(400, " ".join(error.messages))


@bp.get("/carte-nationale")
@login_required
def national_map():
    scope = _reviewer_scope()
    ensure_summaries()
    indicator = _indicator()
    base = nm.national_base(db.session)
    plan_url = url_for("planning.overview", plan_id=0).replace("/0", "/{id}")
    minimum_error, status = "", 200
    try:
        filters = nm.Filters.from_args(request.args)
    except ValidationError as error:  # the page again, the typed text kept, the message under it; no rows
        minimum_error, status = " ".join(error.messages), 400
        filters = nm.Filters.from_args({k: v for k, v in request.args.items() if k != nm.MINIMUM_PARAM})
    if status == 200:
        rows_html, n_communes, n_others = _rows_html(base, filters, indicator, scope, plan_url)
    else:
        rows_html, n_communes, n_others = "", 0, 0
    html = render_template(
        "maps/national.html", rows_html=rows_html, n_communes=n_communes, n_others=n_others, filters=filters,
        indicator=indicator, indicators=nm.INDICATORS, choices=nm.filter_choices(base, filters.region),
        minimum_text=request.args.get("min", "")[:40], minimum_error=minimum_error, legend=nm.legend(indicator),
        legend_note=nm.legend_note(indicator), threshold=nm.GAP_THRESHOLD_PER_MILLE, attribution=BOUNDARY_ATTRIBUTION,
        plan_url=plan_url, labels=nm.labels_document(nm.territory_frames(db.session)),
        png_url=url_for("maps.national_png") + ("?" + request.query_string.decode("latin-1")
                                                if request.query_string else ""),
        edition=_edition_key(), editions=territory_editions.mali_editions(db.session, mapped=True))
    response = Response(html, status=status, mimetype="text/html")
    if _accepts_gzip():
        response.set_data(gzip.compress(response.get_data(), 6))
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/api/communes.geojson")
@login_required
def communes_geojson():
    """The communes layer of the edition `?edition=KEY` (default: the current one)."""
    return send_payload(nm.communes_layer(db.session, _edition_key()), "application/geo+json")


def _edition_key() -> str | None:
    """The boundaries' edition the URL asks for (`edition`), None for the current one; 404 when unknown."""
    key = request.args.get("edition", "").strip()[:64]
    if not key:
        return None
    if key not in {e.key for e in territory_editions.mali_editions(db.session, mapped=True)}:
        abort(404, f"Édition des limites inconnue : « {key} ».")
    return key


@bp.get("/api/carte-nationale/indicateurs.json")
@login_required
def national_indicators():
    scope = _reviewer_scope()
    ensure_summaries()
    payload = nm.cached_payload(db.session, "indicateurs", _filters(), _indicator(), scope)
    return send_payload(payload, "application/json")


@bp.get("/api/carte-nationale/actions.json")
@login_required
def national_actions():
    scope = _reviewer_scope()
    ensure_summaries()
    filters = _filters()
    # The points do not depend on the indicator, unless a minimum value filters the communes by it.
    indicator = _indicator() if filters.minimum is not None else nm.DEFAULT_INDICATOR
    payload = nm.cached_payload(db.session, "actions", filters, indicator, scope)
    return send_payload(payload, "application/json")



def _coordinate(name: str, limit: float) -> float:
    try:
        value = float(request.args.get(name, "")[:20])
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        abort(400, "Le point cliqué n'est pas lisible : rechargez la carte.")
    return value


@bp.get("/api/carte-nationale/action.json")
@login_required
def national_action():
    """The actions of one plan at the point clicked, with their cost and funding (plans.maps.national.actions_at:
    the figures of plans.planning.finance, as on the plan's map). A plan the user may not read: 403/404."""
    _reviewer_scope()
    plan_id = request.args.get("plan", "")
    if not plan_id.isdecimal() or len(plan_id) > 12:
        abort(400, "Le plan de ce point n'est pas lisible : rechargez la carte.")
    lat, lon = _coordinate("lat", 90), _coordinate("lon", 180)
    plan = readable_plan(int(plan_id))
    secteur = request.args.get("secteur", "")
    doc = nm.actions_at(plan, lat, lon, secteur if secteur in nm.SECTORS else "")
    response = jsonify(doc)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


_PNGS: dict[tuple, bytes] = {}
_MAX_PNGS = 32


@bp.get("/carte-nationale.png")
@login_required
def national_png():
    """The map of the page's filters as a PNG (static_map.build_national_png), for a report."""
    scope = _reviewer_scope()
    ensure_summaries()
    filters, indicator = _filters(), _indicator()
    base = nm.national_base(db.session)
    key = (str(db.session.get_bind().url), base.fingerprint, filters.key(), indicator,
           tuple(sorted(scope)) if scope is not None else None)
    png = _PNGS.get(key)
    if png is None:
        with pool.slot("carte-png", user=str(current_user.id)):
            frames = nm.territory_frames(db.session)
            view = nm.national_view(base, filters, indicator, scope)
            png = static_map.build_national_png(db.session, base, view, title=nm.view_title(frames, filters, indicator),
                                                bounds=nm.area_bounds(frames, filters, scope),
                                                labels=nm.labels_document(frames))
        if len(_PNGS) >= _MAX_PNGS:
            _PNGS.clear()
        _PNGS[key] = png
    response = Response(png, mimetype="image/png")
    response.headers["Content-Disposition"] = 'attachment; filename="carte-nationale.png"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
