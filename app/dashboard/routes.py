"""The reviewers' dashboard and its exports: thin views over plans.reporting (desk, tables, spreadsheet; the
exports' stored parts and workbooks: export_parts).

    GET /revue/plans                      the table: filters (a GET form), sortable headers, 50 plans a page
    GET /revue/export/<entity>.csv        one entity (plans, actions, financements, indicateurs, associations)
    GET /revue/export/plans.xlsx          the workbook: one sheet per entity, and the meaning of every column
    GET /revue/export/actions.geojson     the located actions (withheld locations left out)
    GET /revue/territoires                totals by région (?region=ML01: by cercle of that région), charts

Every URL takes the national map's filter parameters (region, cercle, secteur, statut, periode, min with its
indicateur) plus `type` (owner type), `ecart` (the gap flag) and `tri`/`ordre` (sort); the page also `page`. The
page links to the map with the same filters, the map links back here (its "Voir le tableau"). The database
filters, sorts and pages the plans' summaries (plans/reporting/desk.py); an unreadable « Valeur au moins » is a
400 with the page again and the message under the field (the exports: a 400 page).
Reviewers and administrators only (a planner has their home page: 403); a reviewer attached to a région reads
that région's plans only (plans.accounts.access.review_regions).
"""
from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user

from app.dashboard import bp
from app.extensions import db
from app.guards import role_required
from app.summaries import commit_kept_work, ensure_summaries
from plans.accounts import access
from plans.accounts.models import Role
from plans.core import pool
from plans.core.errors import ValidationError
from plans.core.vocab import FUNDING_SOURCES
from plans.maps import national as nm
from plans.planning.models import PlanStatus
from plans.reporting import desk, export_parts, spreadsheet, territory_charts, territory_totals
from plans.reporting import tables as tabular
from plans.territory import editions as territory_editions

reviewers_only = role_required(Role.REVIEWER, Role.ADMIN)
ENTITY_RULE = "any(" + ", ".join(tabular.ENTITIES) + ")"
SORT_PARAM, ORDER_PARAM, PAGE_PARAM, DESCENDING = "tri", "ordre", "page", "desc"

# The page's columns: (sort key of plans/reporting/desk.py, header, numeric). The owner's type and the period are
# shown under the plan's title (`tri=type`, `tri=periode` still sort on them).
COLUMNS = [("plan", "Plan", False), ("region", "Région, cercle", False), ("statut", "Statut", False),
           ("cout", "Coût total", True), ("investissement", "Par habitant", True),
           ("diaspora", "Part diaspora", True), ("emigres", "Émigrés ‰", True),
           ("ecart", "Écart", False), ("acquis", "Acquis", True), ("promis", "Promis", True),
           ("a_rechercher", "À rechercher", True), ("non_couvert", "Non couvert", True),
           ("migration", "Actions migration", True), ("completude", "Complétude", True),
           ("execution_physique", "Exéc. physique", True), ("execution_financiere", "Exéc. financière", True),
           ("diaspora_mobilisee", "Diaspora mobilisée", True), ("commentaires", "Comment. ouverts", True)]
# A header's full meaning, for its title and the note under the table.
COLUMN_TITLES = {"ecart": "Forte émigration sans action financée par la diaspora",
                 "emigres": "Émigrés pour 1 000 habitants", "investissement": "Investissement par habitant (FCFA)",
                 "commentaires": "Commentaires de relecture non résolus",
                 "diaspora": "Part de la diaspora dans le coût",
                 "execution_physique": "Exécution physique (avancement pondéré par le coût), cumulée jusqu'à la "
                                       "dernière année saisie",
                 "execution_financiere": "Exécution financière (payé ÷ coût total), cumulée jusqu'à la dernière "
                                         "année saisie",
                 "diaspora_mobilisee": "Part mobilisée des promesses de la diaspora (reçu ÷ promis)"}


# What the table is sorted by, for its caption (every sort key, those without a column of their own too).
SORT_LABELS = {**{key: title for key, title, _ in COLUMNS}, **COLUMN_TITLES, "completude": "Complétude",
               "collectivite": "Collectivité ou groupement",
               "type": "Type de collectivité", "cercle": "Cercle", "periode": "Période",
               "identifie": "Financement identifié"}


def _sort_state() -> tuple[str, bool]:
    sort = request.args.get(SORT_PARAM, desk.DEFAULT_SORT)
    return (sort if sort in desk.SORT_KEYS else desk.DEFAULT_SORT), request.args.get(ORDER_PARAM) == DESCENDING


def _filters_or_400() -> desk.TableFilters:
    try:
        return desk.TableFilters.from_args(request.args)
    except ValidationError as error:
        abort(400, " ".join(error.messages))


def _download(data: bytes, mimetype: str, stem: str, extension: str) -> Response:
    response = Response(data, mimetype=mimetype)
    filename = f"pdlm-{stem}-{date.today().isoformat()}.{extension}"  # ASCII only: no encoding needed
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _headers(filters: desk.TableFilters, sort: str, descending: bool) -> list[dict]:
    """Each column's header: a link that sorts on it (ascending first; again: the other way) and its aria-sort."""
    headers = []
    for key, title, numeric in COLUMNS:
        current = key == sort
        order = DESCENDING if current and not descending else "asc"
        headers.append({"key": key, "title": title, "numeric": numeric, "full": COLUMN_TITLES.get(key, ""),
                        "url": url_for("dashboard.plans", **filters.args(), **{SORT_PARAM: key, ORDER_PARAM: order}),
                        "aria_sort": ("descending" if descending else "ascending") if current else None})
    return headers


def _exports(filters: desk.TableFilters, sort: str, descending: bool) -> list[tuple[str, str]]:
    args = {**filters.args(), SORT_PARAM: sort, ORDER_PARAM: DESCENDING if descending else "asc"}
    links = [(f"{title} (CSV)", url_for("dashboard.export_csv", entity=key, **args))
             for key, (title, _) in tabular.ENTITIES.items()]
    links.append(("Classeur complet (XLSX)", url_for("dashboard.export_xlsx", **args)))
    links.append(("Actions localisées (GeoJSON)", url_for("dashboard.export_geojson", **filters.args())))
    return links


def _page_links(filters: desk.TableFilters, sort: str, descending: bool, page: desk.Page) -> list[dict]:
    args = {**filters.args(), SORT_PARAM: sort, ORDER_PARAM: DESCENDING if descending else "asc"}
    return [{"number": n, "current": n == page.number,
             "url": url_for("dashboard.plans", **args, **{PAGE_PARAM: n}) if n else None} for n in page.window()]


@bp.route("/plans")
@reviewers_only
def plans():
    ensure_summaries()
    sort, descending = _sort_state()
    regions = access.review_regions(current_user)
    minimum_error, status = "", 200
    try:
        filters = desk.TableFilters.from_args(request.args)
    except ValidationError as error:  # the page again, the text typed kept, the message under the field
        minimum_error, status = " ".join(error.messages), 400
        filters = desk.TableFilters.without_minimum(request.args)
    if status == 200:
        page = desk.plan_page(db.session, filters, regions, sort, descending,
                              desk.parse_page(request.args.get(PAGE_PARAM)))
    else:
        page = desk.Page([], 0, 1, desk.PAGE_SIZE)
    editions = territory_editions.mali_editions(db.session)
    edition = request.args.get("edition", "").strip()[:64]
    if edition and edition not in {e.key for e in editions}:
        abort(404, f"Édition des limites inconnue : « {edition} ».")
    choices = desk.filter_choices(db.session, filters.area.region, edition or None)
    html = render_template(
        "dashboard/plans.html", page=page, rows=page.rows, filters=filters, sort=sort, descending=descending,
        headers=_headers(filters, sort, descending), exports=_exports(filters, sort, descending),
        page_links=_page_links(filters, sort, descending, page),
        map_url=url_for("maps.national_map", **filters.map_args()), choices=choices,
        owner_kinds=desk.OWNER_KINDS, gap_choices=desk.GAP_CHOICES, indicators=nm.INDICATORS,
        minimum_text=request.args.get(nm.MINIMUM_PARAM, "")[:40], minimum_error=minimum_error,
        described=filters.describe(db.session), sort_label=SORT_LABELS[sort],
        gap_threshold=nm.GAP_THRESHOLD_PER_MILLE, edition=edition, editions=editions)
    return html, status


def _selection(filters: desk.TableFilters) -> tabular.Selection:
    ensure_summaries()
    return tabular.select(db.session, filters, access.review_regions(current_user))


@bp.route(f"/export/<{ENTITY_RULE}:entity>.csv")
@reviewers_only
def export_csv(entity: str):
    filters = _filters_or_400()
    sort, descending = _sort_state()
    # every plan read: bounded on the whole server, one turn per user (plans/core/pool.py)
    with pool.slot("tableaux", user=str(current_user.id)):
        data = export_parts.csv_export(db.session, _selection(filters), entity, sort, descending)
        commit_kept_work()
    return _download(data, spreadsheet.CSV_MIMETYPE, entity, "csv")


@bp.route("/export/plans.xlsx")
@reviewers_only
def export_xlsx():
    filters = _filters_or_400()
    sort, descending = _sort_state()
    with pool.slot("tableaux", user=str(current_user.id)):
        notes = export_parts.workbook_notes(db.session, filters, date.today())
        data = export_parts.workbook(db.session, _selection(filters), notes, sort, descending)
        commit_kept_work()
    return _download(data, spreadsheet.XLSX_MIMETYPE, "plans", "xlsx")


@bp.route("/export/actions.geojson")
@reviewers_only
def export_geojson():
    filters = _filters_or_400()
    with pool.slot("tableaux", user=str(current_user.id)):
        table = tabular.table(db.session, _selection(filters), "actions")
        data = spreadsheet.geojson_bytes(table)
    return _download(data, spreadsheet.GEOJSON_MIMETYPE, "actions", "geojson")


@bp.route("/territoires")
@reviewers_only
def territories():
    """Totals by région, or by cercle of one région (?region=ML01), with their charts and the links down."""
    ensure_summaries()
    region = request.args.get("region", "")[:20]
    totals = territory_totals.territory_totals(db.session, access.review_regions(current_user), region)
    charts = territory_charts.charts(totals)
    return render_template("dashboard/territories.html", totals=totals, charts=charts,
                           statuses=list(PlanStatus), status_colours=nm.STATUS_COLOURS,
                           threshold=nm.GAP_THRESHOLD_PER_MILLE, source_labels=FUNDING_SOURCES)
