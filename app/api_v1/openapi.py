"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. The plan document's schema is the plan
file's JSON Schema (schemas/pdl-m-plan.v2.schema.json), so the API and the plan file cannot drift apart."""
from __future__ import annotations

import copy
from functools import lru_cache

from plans.reporting.api import DEFAULT_PER_PAGE, MAX_INT_PARAMETER, MAX_PER_PAGE, STATUSES
from plans.review import planfile

API_VERSION = "1.0.0"


def _error(description: str, headers: dict | None = None) -> dict:
    response = {"description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Erreur"}}}}
    if headers:
        response["headers"] = headers
    return response


UNAUTHORIZED = _error("Jeton manquant, invalide ou révoqué.", {
    "WWW-Authenticate": {"description": "Toujours « Bearer … » (RFC 6750).", "schema": {"type": "string"}}})

PAGE = {"name": "page", "in": "query", "required": False, "description": "Numéro de la page, à partir de 1.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT_PARAMETER, "default": 1}}
PER_PAGE = {"name": "per_page", "in": "query", "required": False,
            "description": f"Nombre de plans par page (au plus {MAX_PER_PAGE}).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}}
STATUS = {"name": "status", "in": "query", "required": False,
          "description": "Seulement les plans dont la dernière version a ce statut.",
          "schema": {"type": "string", "enum": STATUSES}}
SINCE = {"name": "since", "in": "query", "required": False,
         "description": "Seulement les plans modifiés depuis cette date (ISO 8601, UTC par défaut), par exemple "
                        "2025-01-31 ou 2025-01-31T08:00:00Z.",
         "schema": {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}}
REVISION = {"name": "revision", "in": "query", "required": False,
            "description": "Numéro de version du plan (par défaut : la dernière).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT_PARAMETER}}
PLAN_UUID = {"name": "plan_uuid", "in": "path", "required": True, "description": "L'UUID du plan.",
             "schema": {"type": "string", "format": "uuid"}}

YEAR = {"name": "year", "in": "query", "required": False,
        "description": "Une seule année de la période du plan (par défaut : chaque année dont l'exécution est saisie).",
        "schema": {"type": "integer", "minimum": 1, "maximum": 9999}}

LINK = {"type": ["string", "null"], "format": "uri-reference"}
RATE = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
NULLABLE_RATE = {"type": ["string", "null"], "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
FCFA = {"type": "integer", "minimum": 0}

# One year of a plan's execution (plans/reporting/api.py, `execution_year`; figures of plans/execution/figures.py).
EXECUTION_YEAR_PROPERTIES = {
    "year": {"type": "integer"},
    "physical_rate": {**RATE, "description": "Exécution physique : avancement des actions pondéré par leur coût, "
                                             "en %, à la fin de l'année."},
    "financial_rate": {**RATE, "description": "Exécution financière : payé jusqu'à la fin de l'année ÷ coût total, "
                                              "en %."},
    "mobilised_rate": {**RATE, "description": "Mobilisé (reçu) jusqu'à la fin de l'année ÷ coût total, en %."},
    "planned": {**FCFA, "description": "Coût total du PIP, en FCFA."},
    "mobilised": {**FCFA, "description": "Reçu jusqu'à la fin de l'année, en FCFA."},
    "paid": {**FCFA, "description": "Payé jusqu'à la fin de l'année, en FCFA."},
    "pia_planned": {**FCFA, "description": "Coût programmé dans l'année (PIA), en FCFA."},
    "pia_paid": {**FCFA, "description": "Payé dans l'année elle-même, en FCFA."},
    "diaspora": {
        "type": "object", "additionalProperties": False,
        "required": ["promised", "mobilised", "paid", "mobilised_rate"],
        "description": "Les lignes des associations de la diaspora : promis (leurs montants), mobilisé et payé "
                       "jusqu'à la fin de l'année.",
        "properties": {"promised": FCFA, "mobilised": FCFA, "paid": FCFA,
                       "mobilised_rate": {**NULLABLE_RATE, "description": "Mobilisé ÷ promis, en % ; null sans "
                                                                          "promesse de la diaspora."}},
    },
}
EXECUTION_YEAR_REQUIRED = list(EXECUTION_YEAR_PROPERTIES)

SCHEMAS = {
    "Erreur": {
        "type": "object", "required": ["erreur"], "additionalProperties": False,
        "properties": {"erreur": {"type": "string", "description": "Ce qui ne va pas, en français."}},
    },
    "PlanSummary": {
        "type": "object", "additionalProperties": False,
        "required": ["uuid", "revision", "title", "status", "status_label", "period", "owner", "total_cost", "funded",
                     "diaspora_amount", "diaspora_share", "funding_states", "population", "population_year",
                     "investment_per_inhabitant", "diaspora_funded_actions", "updated_at", "revisions", "execution",
                     "links"],
        "properties": {
            "uuid": {"type": "string", "format": "uuid"},
            "revision": {"type": "integer", "minimum": 1, "description": "La dernière version du plan."},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "status_label": {"type": "string"},
            "period": {"type": "object", "additionalProperties": False, "required": ["start", "end"],
                       "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}}},
            "owner": {
                "type": "object", "additionalProperties": False, "required": ["name", "kind", "kind_label", "pcodes"],
                "properties": {
                    "name": {"type": "string"},
                    "kind": {"type": "string", "description": "commune, cercle, region, syndicat, convention, "
                                                              "entente, glct ou union."},
                    "kind_label": {"type": "string"},
                    "pcodes": {"type": "array", "items": {"type": "string"},
                               "description": "P-code de la collectivité, ou de chaque membre d'un groupement."},
                },
            },
            "total_cost": {"type": "integer", "description": "Coût total du PIP, en FCFA."},
            "funded": {"type": "integer", "description": "Financements inscrits, en FCFA."},
            "diaspora_amount": {"type": "integer", "description": "Apport de la diaspora, en FCFA."},
            "diaspora_share": {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$",
                               "description": "Part de la diaspora dans le coût total, en %, deux décimales."},
            "funding_states": {
                "type": "object", "additionalProperties": False,
                "required": ["identified", "secured", "promised", "to_find", "not_covered"],
                "description": "Les états du financement, en FCFA (définis dans plans/planning/indicators.py).",
                "properties": {
                    "identified": {"type": "integer", "description": "Financement identifié : toutes les lignes, "
                                                                      "quel que soit leur statut."},
                    "secured": {"type": "integer", "description": "Acquis : lignes au statut « acquis »."},
                    "promised": {"type": "integer", "description": "Promis : lignes au statut « promis »."},
                    "to_find": {"type": "integer", "description": "À rechercher : lignes au statut « à rechercher »."},
                    "not_covered": {"type": "integer", "description": "Non couvert : part du coût qu'aucune ligne "
                                                                       "ne couvre."},
                },
            },
            "population": {"type": ["integer", "null"], "description": "Dernier chiffre de population du plan."},
            "population_year": {"type": ["integer", "null"]},
            "investment_per_inhabitant": {"type": ["integer", "null"],
                                          "description": "Coût total ÷ population, en FCFA, arrondi au franc."},
            "diaspora_funded_actions": {"type": "array", "items": {"type": "string", "format": "uuid"},
                                        "description": "Les actions financées par la diaspora (au moins une ligne "
                                                       "d'une association de la diaspora)."},
            "updated_at": {"type": "string", "format": "date-time"},
            "revisions": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["revision", "status"],
                "properties": {"revision": {"type": "integer", "minimum": 1},
                               "status": {"type": "string", "enum": STATUSES}}}},
            "execution": {
                "type": ["object", "null"], "additionalProperties": False, "required": ["latest_year", "years"],
                "description": "L'exécution du plan, pour chaque année saisie (chiffres cumulés jusqu'à la fin de "
                               "l'année) ; null quand aucune exécution n'est saisie.",
                "properties": {
                    "latest_year": {"type": "integer"},
                    "years": {"type": "array", "items": {"$ref": "#/components/schemas/ExecutionYear"}},
                },
            },
            "links": {"type": "object", "required": ["self"], "properties": {"self": {"type": "string"}}},
        },
    },
    "ExecutionYear": {"type": "object", "additionalProperties": False, "required": EXECUTION_YEAR_REQUIRED,
                      "properties": EXECUTION_YEAR_PROPERTIES},
    "ActionExecution": {
        "type": "object", "additionalProperties": False,
        "required": ["uuid", "title", "recorded", "status", "status_label", "progress", "start_date", "end_date",
                     "functioning", "cost", "mobilised_year", "paid_year", "mobilised", "paid", "financial_rate",
                     "funding"],
        "properties": {
            "uuid": {"type": "string", "format": "uuid"},
            "title": {"type": "string"},
            "recorded": {"type": "boolean", "description": "Une exécution est saisie pour cette année."},
            "status": {"type": "string", "description": "prevu, en_cours, realise, suspendu ou abandonne : celui de "
                                                         "la dernière saisie jusqu'à cette année (prevu sans saisie)."},
            "status_label": {"type": "string"},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100,
                         "description": "Avancement physique atteint, en %."},
            "start_date": {"type": ["string", "null"], "format": "date"},
            "end_date": {"type": ["string", "null"], "format": "date"},
            "functioning": {"type": ["string", "null"], "description": "État de fonctionnement d'un ouvrage réalisé."},
            "cost": {**FCFA, "description": "Coût de l'action, en FCFA."},
            "mobilised_year": {**FCFA, "description": "Reçu dans l'année."},
            "paid_year": {**FCFA, "description": "Payé dans l'année."},
            "mobilised": {**FCFA, "description": "Reçu jusqu'à la fin de l'année."},
            "paid": {**FCFA, "description": "Payé jusqu'à la fin de l'année."},
            "financial_rate": {**RATE, "description": "Payé ÷ coût, en %."},
            "funding": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["source", "funder", "amount", "mobilised_year", "paid_year", "mobilised", "paid",
                             "state"],
                "properties": {
                    "source": {"type": ["string", "null"]}, "funder": {"type": "string"},
                    "amount": {**FCFA, "description": "Montant de la ligne au plan."},
                    "mobilised_year": FCFA, "paid_year": FCFA, "mobilised": FCFA, "paid": FCFA,
                    "state": {"type": "string", "description": "acquis, promis ou a_rechercher, une fois l'argent "
                                                               "reçu (la part reçue est acquise)."},
                }}},
        },
    },
    "PlanExecution": {
        "type": "object", "additionalProperties": False,
        "required": ["uuid", "revision", "title", "status", "years_recorded", "years"],
        "properties": {
            "uuid": {"type": "string", "format": "uuid"},
            "revision": {"type": "integer", "minimum": 1},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "years_recorded": {"type": "array", "items": {"type": "integer"}},
            "years": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": [*EXECUTION_YEAR_REQUIRED, "actions"],
                "properties": {**EXECUTION_YEAR_PROPERTIES,
                               "actions": {"type": "array",
                                           "items": {"$ref": "#/components/schemas/ActionExecution"}}}}},
        },
    },
    "PlanList": {
        "type": "object", "additionalProperties": False, "required": ["plans", "pagination", "links"],
        "properties": {
            "plans": {"type": "array", "items": {"$ref": "#/components/schemas/PlanSummary"}},
            "pagination": {
                "type": "object", "additionalProperties": False, "required": ["page", "per_page", "total", "pages"],
                "properties": {"page": {"type": "integer", "minimum": 1},
                               "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                               "total": {"type": "integer", "minimum": 0},
                               "pages": {"type": "integer", "minimum": 1}},
            },
            "links": {"type": "object", "additionalProperties": False,
                      "required": ["self", "first", "last", "next", "prev"],
                      "properties": {k: LINK for k in ("self", "first", "last", "next", "prev")}},
        },
    },
}


@lru_cache(maxsize=1)
def plan_document_schema() -> dict:
    """The plan file's JSON Schema, its `$id`/`$schema` dropped (OpenAPI 3.1 schemas are JSON Schema 2020-12) and
    its internal `#/$defs/…` references rewritten to where the schema sits in the OpenAPI document."""
    schema = copy.deepcopy(planfile.schema())
    defs = schema.pop("$defs", {}) or schema.pop("definitions", {})
    for key in ("$id", "$schema"):
        schema.pop(key, None)
    for name, definition in defs.items():
        definition.pop("$id", None)
    return _rewrite_refs({"PlanDocument": schema, **{f"PlanDocument_{k}": v for k, v in defs.items()}})


def _rewrite_refs(node):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                for prefix in ("#/$defs/", "#/definitions/"):
                    if value.startswith(prefix):
                        value = "#/components/schemas/PlanDocument_" + value[len(prefix):]
                if value == "#":
                    value = "#/components/schemas/PlanDocument"
            out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def openapi_document(region_codes: list[str]) -> dict:
    region = {"name": "region", "in": "query", "required": False,
              "description": "Seulement les plans des collectivités de cette région (P-code, par exemple ML01 pour "
                             "Kayes ; un groupement compte dans chaque région de ses membres).",
              "schema": {"type": "string", "enum": list(region_codes)}}
    schemas = {**copy.deepcopy(SCHEMAS), **copy.deepcopy(plan_document_schema())}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PDL-M — API en lecture pour les partenaires",
            "version": API_VERSION,
            "description": "Les plans de développement local intégrant la migration (PDL-M) que le compte du jeton "
                           "peut lire, en lecture seule. Authentification : en-tête "
                           "« Authorization: Bearer <jeton> » ; un administrateur crée les jetons. "
                           "Montants en FCFA (entiers). Erreurs : "
                           "{\"erreur\": \"<message en français>\"}.",
        },
        "security": [{"jeton": []}],
        "paths": {
            "/api/v1/plans": {"get": {
                "operationId": "listPlans",
                "summary": "Les plans accessibles au jeton (dernière version de chacun), du plus récemment modifié "
                           "au plus ancien.",
                "parameters": [PAGE, PER_PAGE, STATUS, region, SINCE],
                "responses": {
                    "200": {"description": "Une page de plans.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanList"}}}},
                    "400": _error("Paramètre incorrect (page, per_page, status, region ou since)."),
                    "401": UNAUTHORIZED,
                },
            }},
            "/api/v1/plans/{plan_uuid}": {"get": {
                "operationId": "getPlan",
                "summary": "Le document complet d'un plan (même format que le fichier de plan).",
                "parameters": [PLAN_UUID, REVISION],
                "responses": {
                    "200": {"description": "Le document du plan.",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/PlanDocument"}}}},
                    "400": _error("Numéro de version incorrect."),
                    "401": UNAUTHORIZED,
                    "404": _error("Plan inconnu ou non accessible avec ce jeton (les deux ne sont pas distingués)."),
                },
            }},
            "/api/v1/plans/{plan_uuid}/execution": {"get": {
                "operationId": "getPlanExecution",
                "summary": "L'exécution d'un plan validé ou adopté, année par année : taux physique et financier, "
                           "montants mobilisés et payés, part mobilisée de la diaspora, et pour chaque action son "
                           "état, son avancement et ses montants.",
                "parameters": [PLAN_UUID, REVISION, YEAR],
                "responses": {
                    "200": {"description": "L'exécution du plan (years vide : aucune exécution saisie).",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/PlanExecution"}}}},
                    "400": _error("Numéro de version ou année incorrects (l'année doit être dans la période du "
                                  "plan)."),
                    "401": UNAUTHORIZED,
                    "404": _error("Plan inconnu ou non accessible avec ce jeton (les deux ne sont pas distingués)."),
                },
            }},
            "/api/v1/openapi.json": {"get": {
                "operationId": "getOpenApi",
                "summary": "Ce document (public).",
                "security": [],
                "responses": {"200": {"description": "La description OpenAPI 3.1 de l'API.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {
            "securitySchemes": {"jeton": {"type": "http", "scheme": "bearer",
                                          "description": "Un jeton d'API créé par un administrateur."}},
            "schemas": schemas,
        },
    }
