"""The reviewers' dashboard and its exports: thin views over plans.reporting.tables and plans.reporting.spreadsheet.

    GET /revue/plans                      the table: filters (a GET form), sortable headers, export links
    GET /revue/export/<entity>.csv        one entity (plans, actions, financements, indicateurs, associations)
    GET /revue/export/plans.xlsx          the workbook: one sheet per entity, and the meaning of every column
    GET /revue/export/actions.geojson     the located actions (withheld locations left out)

Every URL takes the national map's filter parameters (region, cercle, secteur, statut, periode, min with its
indicateur) plus `type` (owner type) and `tri`/`ordre` (sort); the page links to the map with the same filters,
the map links back here (its "Voir le tableau").
Reviewers and administrators only (a planner has their home page: 403); a reviewer attached to a région reads
that région's plans only — the selection starts from plans.planning.service.visible_plans.
"""
from __future__ import annotations

from datetime import date

from flask import Response, render_template, request, url_for
from flask_login import current_user

from app.dashboard import bp
from app.extensions import db
from app.guards import role_required
from plans.accounts.models import Role
from plans.core import pool
from plans.maps import national as nm
from plans.planning import service as plan_service
from plans.reporting import spreadsheet
from plans.reporting import tables as tabular

reviewers_only = role_required(Role.REVIEWER, Role.ADMIN)
ENTITY_RULE = "any(" + ", ".join(tabular.ENTITIES) + ")"
SORT_PARAM, ORDER_PARAM, DESCENDING = "tri", "ordre", "desc"

# The page's columns: (sort key, header); the sort keys are plans.reporting.tables.SORTS' (the owner's type is shown
# under its name; `tri=type` still sorts on it).
COLUMNS = [("plan", "Plan"), ("collectivite", "Collectivité ou groupement"), ("region", "Région"),
           ("cercle", "Cercle"), ("statut", "Statut"), ("periode", "Période"), ("cout", "Coût total"),
           ("investissement", "Investissement par habitant"), ("diaspora", "Part de la diaspora"),
           ("migration", "Actions migration"), ("completude", "Complétude"),
           ("commentaires", "Commentaires non résolus")]
NUMERIC = {"cout", "investissement", "diaspora", "migration", "completude", "commentaires"}


def _request_state() -> tuple[tabular.TableFilters, str, bool]:
    filters = tabular.TableFilters.from_args(request.args)
    sort = request.args.get(SORT_PARAM, tabular.DEFAULT_SORT)
    if sort not in tabular.SORTS:
        sort = tabular.DEFAULT_SORT
    return filters, sort, request.args.get(ORDER_PARAM) == DESCENDING


def _selection(filters: tabular.TableFilters) -> tabular.Selection:
    return tabular.select(db.session, plan_service.visible_plans(db.session, current_user), filters)


def _download(data: bytes, mimetype: str, stem: str, extension: str) -> Response:
    response = Response(data, mimetype=mimetype)
    filename = f"pdlm-{stem}-{date.today().isoformat()}.{extension}"  # ASCII only: no encoding needed
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _headers(filters: tabular.TableFilters, sort: str, descending: bool) -> list[dict]:
    """Each column's header: a link that sorts on it (ascending first; again: the other way) and its aria-sort."""
    headers = []
    for key, title in COLUMNS:
        current = key == sort
        order = DESCENDING if current and not descending else "asc"
        headers.append({"key": key, "title": title, "numeric": key in NUMERIC,
                        "url": url_for("dashboard.plans", **filters.args(), **{SORT_PARAM: key, ORDER_PARAM: order}),
                        "aria_sort": ("descending" if descending else "ascending") if current else None})
    return headers


def _exports(filters: tabular.TableFilters, sort: str, descending: bool) -> list[tuple[str, str]]:
    args = {**filters.args(), SORT_PARAM: sort, ORDER_PARAM: DESCENDING if descending else "asc"}
    links = [(f"{title} (CSV)", url_for("dashboard.export_csv", entity=key, **args))
             for key, (title, _) in tabular.ENTITIES.items()]
    links.append(("Classeur complet (XLSX)", url_for("dashboard.export_xlsx", **args)))
    links.append(("Actions localisées (GeoJSON)", url_for("dashboard.export_geojson", **filters.args())))
    return links


@bp.route("/plans")
@reviewers_only
def plans():
    filters, sort, descending = _request_state()
    selection = _selection(filters)
    rows = tabular.sort_plan_rows(tabular.plan_rows(db.session, selection), sort, descending)
    return render_template(
        "dashboard/plans.html", rows=rows, filters=filters, sort=sort, descending=descending,
        headers=_headers(filters, sort, descending), exports=_exports(filters, sort, descending),
        map_url=url_for("maps.national_map", **filters.map_args()),
        choices=nm.filter_choices(selection.base, filters.area.region), owner_kinds=tabular.OWNER_KINDS,
        indicators=nm.INDICATORS, minimum_text=request.args.get("min", "")[:20],
        described=filters.describe(selection.base))


@bp.route(f"/export/<{ENTITY_RULE}:entity>.csv")
@reviewers_only
def export_csv(entity: str):
    filters, sort, descending = _request_state()
    # every plan read: bounded on the whole server, one turn per user (plans/core/pool.py)
    with pool.slot("tableaux", user=str(current_user.id)):
        table = tabular.table(db.session, _selection(filters), entity, sort, descending)
        data = spreadsheet.csv_bytes(table)
    return _download(data, spreadsheet.CSV_MIMETYPE, entity, "csv")


@bp.route("/export/plans.xlsx")
@reviewers_only
def export_xlsx():
    filters, sort, descending = _request_state()
    with pool.slot("tableaux", user=str(current_user.id)):
        selection = _selection(filters)
        tables = tabular.all_tables(db.session, selection, sort, descending)
        notes = [f"Export PDL-M du {date.today().strftime('%d/%m/%Y')}.",
                 "Filtres : " + (", ".join(filters.describe(selection.base)) or "aucun (tous les plans lisibles)")
                 + "."]
        data = spreadsheet.xlsx_bytes(tables, notes)
    return _download(data, spreadsheet.XLSX_MIMETYPE, "plans", "xlsx")


@bp.route("/export/actions.geojson")
@reviewers_only
def export_geojson():
    filters, _, _ = _request_state()
    with pool.slot("tableaux", user=str(current_user.id)):
        table = tabular.table(db.session, _selection(filters), "actions")
        data = spreadsheet.geojson_bytes(table)
    return _download(data, spreadsheet.GEOJSON_MIMETYPE, "actions", "geojson")
