"""French error pages: every refusal says what happened, in a page or as JSON for API/fetch callers."""
import logging

from flask import Blueprint, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from plans.documents import template_safety

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: "La requête est incorrecte.",
    401: "Veuillez vous connecter pour accéder à cette page.",
    403: "Vous n'avez pas accès à cette page.",
    404: "Cette page n'existe pas.",
    405: "Cette action n'est pas permise ici.",
    409: "Ces données ont été modifiées entre-temps.",
    413: "Le fichier envoyé est trop volumineux.",
    429: "Trop de tentatives. Veuillez patienter avant de réessayer.",
    500: "Une erreur inattendue est survenue. Votre saisie n'a pas été enregistrée ; veuillez réessayer.",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, MESSAGES[400])
    if _wants_json():
        return jsonify(error=message, status=status), status
    return render_template("errors/error.html", status=status, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return error_response(400, "Le formulaire a expiré ou n'est pas valide. Rechargez la page et renvoyez-le : "
                               "ce que vous aviez saisi est encore dans le formulaire précédent.")


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    status = error.code or 500
    # A message given to abort(status, "…") is shown as is; Werkzeug's own English texts are not.
    custom = error.description if error.description and error.description != type(error).description else None
    return error_response(status, custom)


@bp.app_errorhandler(template_safety.TemplateRefused)
def word_model_refused(error: template_safety.TemplateRefused):
    """An export (.docx, or anything rendered from the Word model) with a model that breaks the rules, e.g. one
    stored before the upload checks existed: nothing of it ran, and the planner cannot fix it, an administrator can."""
    db.session.rollback()
    logging.getLogger(__name__).warning("Modèle Word refusé à l'export : %s", error)
    return error_response(503, template_safety.export_refusal(error))


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception):
    db.session.rollback()
    logging.getLogger(__name__).exception("Erreur non gérée")
    return error_response(500)
