"""GET /api/v1/plans, /api/v1/plans/<uuid>, /api/v1/plans/<uuid>/execution, /api/v1/openapi.json. Only
`Authorization: Bearer <jeton>` opens the plans: a browser's session cookie is never looked at. Every refusal is
`{"erreur": "<message en français>"}`."""
from __future__ import annotations

import logging
from functools import wraps
from typing import Optional

from flask import g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect

from app.api_v1 import bp
from app.api_v1.openapi import openapi_document
from app.errors import MESSAGES
from app.extensions import db
from plans.accounts import api_tokens as api_tokens_service
from plans.accounts import service as accounts_service
from plans.core.errors import ValidationError
from plans.reporting import api as api_plans
from plans.review import planfile

PREFIX = "/api/v1"
REALM = 'Bearer realm="PDL-M API"'
MISSING_TOKEN = ("Jeton d'accès manquant : envoyez l'en-tête « Authorization: Bearer <jeton> ». Un administrateur "
                 "crée les jetons (page Utilisateurs ou « flask tokens create »).")
BAD_TOKEN = "Jeton d'accès invalide, révoqué, ou dont le compte est désactivé."
PLAN_NOT_FOUND = "Aucun plan avec cet identifiant (ou ce plan ne vous est pas accessible)."
READ_ONLY = "Méthode non permise : cette API est en lecture seule (GET)."
REVISION_NOT_FOUND = "Ce plan n'a pas de version portant ce numéro (ou ce plan ne vous est pas accessible)."


def api_error(status: int, message: str, headers: Optional[dict] = None):
    response = jsonify(erreur=message)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_error(error: HTTPException):
    if isinstance(error, MethodNotAllowed):
        return api_error(405, READ_ONLY, {"Allow": ", ".join(sorted(error.valid_methods or ["GET", "HEAD"]))})
    status = error.code or 500
    custom = error.description if error.description and error.description != type(error).description else None
    return api_error(status, custom or MESSAGES.get(status, MESSAGES[400]))


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return _http_error(error)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    db.session.rollback()
    logging.getLogger(__name__).exception("Erreur non gérée dans l'API")
    return api_error(500, "Erreur interne du serveur. Réessayez plus tard.")


@bp.after_request
def private_answers(response):
    """What a token reads depends on the token: no shared cache may keep it for someone else."""
    response.headers.setdefault("Cache-Control", "private")
    response.vary.add("Authorization")
    return response


@bp.before_app_request
def routing_errors_as_json():
    """A path or method no API route has (404, 405) fails before any blueprint handler could answer: answer here."""
    error = request.routing_exception
    if error is None or isinstance(error, RequestRedirect) or not isinstance(error, HTTPException):
        return None
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        return _http_error(error)
    return None


def _bearer_secret() -> Optional[str]:
    """The token of an `Authorization: Bearer …` header; "" for another scheme or an empty token; None without one."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return secret.strip()


def token_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        secret = _bearer_secret()
        if secret is None:
            return api_error(401, MISSING_TOKEN, {"WWW-Authenticate": REALM})
        token = api_tokens_service.authenticate(db.session, secret)
        if token is None:
            return api_error(401, BAD_TOKEN, {"WWW-Authenticate": REALM + ', error="invalid_token"'})
        user = token.user
        if token in db.session.dirty:  # last_used_at moved (at most once a minute)
            db.session.commit()
        g.api_user = user
        return view(*args, **kwargs)

    return guarded


def _bad_request(error: ValidationError):
    return api_error(400, " ".join(error.messages))


def _page_link(page_number: int, query: api_plans.PlanQuery) -> str:
    params = {"page": page_number, "per_page": query.per_page}
    for name in ("status", "region", "since"):
        value = request.args.get(name)
        if value:
            params[name] = value
    return url_for("api_v1.list_plans", **params)


@bp.get("/plans")
@token_required
def list_plans():
    try:
        query = api_plans.parse_query(db.session, request.args)
    except ValidationError as error:
        return _bad_request(error)
    page = api_plans.list_plans(db.session, g.api_user, query)
    links = {"self": _page_link(page.page, query), "first": _page_link(1, query),
             "last": _page_link(page.pages, query),
             "next": _page_link(page.page + 1, query) if page.page < page.pages else None,
             "prev": _page_link(min(page.page - 1, page.pages), query) if page.page > 1 else None}
    for summary in page.plans:
        summary["links"] = {"self": url_for("api_v1.get_plan", plan_uuid=summary["uuid"])}
    return jsonify(plans=page.plans, pagination={"page": page.page, "per_page": page.per_page, "total": page.total,
                                                 "pages": page.pages}, links=links)


def _requested_plan(plan_uuid: str):
    """(the plan of `plan_uuid` at `?revision=` or its latest readable revision, None) or (None, the 400/404)."""
    revision = None
    if request.args.get("revision"):
        try:
            revision = api_plans.positive_int(request.args, "revision")
        except ValidationError as error:
            return None, _bad_request(error)
    plan = api_plans.find_plan(db.session, g.api_user, plan_uuid, revision)
    if plan is None:
        return None, api_error(404, REVISION_NOT_FOUND if revision is not None else PLAN_NOT_FOUND)
    return plan, None


@bp.get("/plans/<plan_uuid>")
@token_required
def get_plan(plan_uuid: str):
    plan, refusal = _requested_plan(plan_uuid)
    if refusal is not None:
        return refusal
    return jsonify(planfile.export_for(db.session, plan, g.api_user))


@bp.get("/plans/<plan_uuid>/execution")
@token_required
def get_plan_execution(plan_uuid: str):
    """The plan's execution, year by year (plans/reporting/api.py, `execution_document`)."""
    plan, refusal = _requested_plan(plan_uuid)
    if refusal is not None:
        return refusal
    try:
        year = api_plans.parse_year(request.args, plan)
    except ValidationError as error:
        return _bad_request(error)
    return jsonify(api_plans.execution_document(db.session, plan, year))


@bp.get("/openapi.json")
def openapi():
    regions = [r.code for r in accounts_service.region_choices(db.session)]
    return jsonify(openapi_document(regions))
