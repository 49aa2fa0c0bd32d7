"""The plans as flat, joinable tables (one per entity) for the reviewers' dashboard and its exports.

    filters = TableFilters.from_args(request.args)           # the map's filters + owner type + gap (desk.py)
    selection = select(session, filters, access.review_regions(user))
    rows = plan_rows(session, selection, "cout", descending=True)   # from the plan summaries, sorted in SQL
    tables = all_tables(session, selection)                  # plans, actions, financements, indicateurs, associations

Keys (stable, the same in every table so a spreadsheet or a script can join them; the files' headers are French,
the keys are listed beside them in the workbook's « Colonnes » sheet):
- a plan is (plan_uuid, revision): the uuid survives export/import between servers, a revision of an adopted
  plan keeps it; `plan_id` is this server's number (the one in the page URLs);
- an action is (action_uuid, revision): its uuid survives revisions too, so the revision is part of the key;
- a funding line, an indicator and an association are this server's row ids (`financement_id`,
  `indicateur_id`, `association_id`), with their rank in the action or the plan (`rang`) as a portable key;
- an association belongs to an owner (every plan of that owner shares it): `collectivite_id` joins it to the
  plans; a funding line names its `association_id`.

Every figure comes from plans.planning.finance (for the plans table through the plan summaries,
plans/planning/summary.py, which store plan_finance's and plan_indicators' values; for an action its
figures_for(action), for a funding line its line_amounts) and plans.planning.indicators (latest population,
investment per inhabitant, emigrants per 1 000 and the gap flag, the funding states and their labels, the migration
tags with the derived « Financé par la diaspora »); the completeness from plans.planning.completeness. Nothing is
added up here. The funding state columns read as a sum in every row (IDENTITY_NOTE): coût total = financement
identifié + non couvert, and identifié = acquis + promis + à rechercher.

Who reads what: the caller passes the régions the user is limited to (plans.accounts.access.review_regions: a
regional reviewer's, None for all); `select` narrows to them. A masked location (precision "masquee", a sensitive
site) is never exported: no lon/lat in any row, whoever asks (these tables gather many plans:
plans/accounts/access.py `can_see_masked_location`).
Personal contact details of an association only with its `contact_consent` (the Word document, a public
document, prints none; these exports go to the DGCT and its reviewers).

Filters: plans/reporting/desk.py (the national map's query parameters, plus the owner type and the gap flag). A
table keeps the plans with at least one action in the filtered sector (and the action, funding line and GeoJSON
exports keep that sector's actions only); the plan's figures stay whole-plan figures, with the sector's cost
beside them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.core.formatting import country_name
from plans.core.vocab import (
    ACTION_STATUSES,
    FUNDING_SOURCES,
    FUNDING_STATUSES,
    INDICATOR_CATEGORIES,
    LOCATION_PRECISIONS,
    MIGRATION_TAGS,
    SECTORS,
    label,
)
from plans.owners.models import PlanOwner
from plans.planning import finance, indicators, location
from plans.planning.indicators import FUNDING_STATES, IDENTIFIED, NOT_COVERED, PROMISED, SECURED, TO_FIND
from plans.planning.models import (
    Action,
    Axis,
    DiasporaAssociation,
    FundingLine,
    Indicator,
    Objective,
    Plan,
    ScheduleEntry,
)
from plans.reporting import desk
from plans.reporting.desk import DEFAULT_SORT, OWNER_KINDS, TableFilters  # noqa: F401  (the dashboard's names)

LIST_SEPARATOR = " ; "

# --- columns ------------------------------------------------------------------------------------------------

# Kinds tell the writers how to store a value: text, int (a count or a year), fcfa (whole francs), pct (a share
# on the 0–100 scale, 2 decimals), decimal, coord (degrees WGS 84), bool (oui/non), date.
TEXT, INT, FCFA, PCT, DECIMAL, COORD, BOOL, DATE = "text", "int", "fcfa", "pct", "decimal", "coord", "bool", "date"


@dataclass(frozen=True)
class Column:
    key: str  # the technical key: lower case, no accent, stable (the « Colonnes » sheet, the API, scripts)
    header: str  # the column's header in every file and on the page, in French
    meaning: str = ""  # what it means, when the header does not say it all (the « Colonnes » sheet)
    kind: str = TEXT

    @property
    def label(self) -> str:
        """The header and, after it, its meaning."""
        return f"{self.header} : {self.meaning}" if self.meaning else self.header


@dataclass
class Table:
    key: str  # "plans", "actions", … (the URL and the file name)
    title: str  # the sheet name
    columns: list[Column]
    rows: list[dict[str, Any]]


def _cols(*specs) -> list[Column]:
    """(key, header[, meaning][, kind]): a last item that is a kind is the kind."""
    out = []
    for spec in specs:
        key, header, *rest = spec
        kind = rest.pop() if rest and rest[-1] in KINDS else TEXT
        out.append(Column(key, header, rest[0] if rest else "", kind))
    return out


KINDS = frozenset({TEXT, INT, FCFA, PCT, DECIMAL, COORD, BOOL, DATE})

# The funding states' columns (labels and meanings from plans.planning.indicators.FUNDING_STATES), in the order
# that reads as a sum: coût = financement identifié + non couvert (− financement au-delà du coût, an error the
# forms refuse), and financement identifié = acquis + promis + à rechercher. « À rechercher » is a part of the
# identified funding (a source is named, not yet obtained); the part of the cost without any line is « non
# couvert ».
STATE_COLUMNS = {IDENTIFIED: "finance_fcfa", NOT_COVERED: "non_couvert_fcfa", SECURED: "acquis_fcfa",
                 PROMISED: "promis_fcfa", TO_FIND: "a_rechercher_fcfa"}
IDENTITY_NOTE = ("Dans chaque ligne : coût total = financement identifié + non couvert − financement au-delà du coût "
                 "(toujours 0 pour un plan saisi dans l'application), et financement identifié = dont acquis + dont "
                 "promis + dont à rechercher.")


def _state(key: str, column: str) -> tuple[str, str, str, str]:
    state = FUNDING_STATES[key]
    if key in (SECURED, PROMISED, TO_FIND):
        return column, f"dont {state.label.lower()} (FCFA)", f"part du financement identifié : {state.meaning}", FCFA
    if key == IDENTIFIED:
        return column, f"{state.label} (FCFA)", f"{state.meaning} ; = acquis + promis + à rechercher", FCFA
    return column, f"{state.label} (FCFA)", f"{state.meaning} ; coût total = financement identifié + non couvert", FCFA


_STATE_SPECS = tuple(_state(k, c) for k, c in STATE_COLUMNS.items())
_EXCESS_SPEC = ("excedent_fcfa", "Financement au-delà du coût (FCFA)",
                "lignes de financement dépassant le coût de leur action : une erreur que les formulaires refusent "
                "(0 dans un plan saisi dans l'application)", FCFA)


def _state_values(figures) -> dict[str, int]:
    states = indicators.funding_states(figures).by_key()
    return {column: states[key] for key, column in STATE_COLUMNS.items()}


PLAN_COLUMNS = _cols(
    ("plan_uuid", "Identifiant du plan", "stable d'un serveur à l'autre ; avec la révision, la clé d'un plan"),
    ("revision", "Révision", "une révision d'un plan adopté garde son identifiant", INT),
    ("plan_id", "N° du plan", "numéro du plan sur ce serveur (celui des adresses des pages)", INT),
    ("titre", "Titre du plan"),
    ("collectivite_id", "N° de la collectivité", "numéro de la collectivité ou du groupement sur ce serveur", INT),
    ("collectivite", "Collectivité ou groupement"),
    ("type_collectivite", "Type (clé)", "type de collectivité, clé technique"),
    ("type_collectivite_libelle", "Type de collectivité"),
    ("region", "Région(s)"),
    ("cercle", "Cercle(s)"),
    ("pcodes", "P-codes", "P-codes de la collectivité ou des communes membres (Mali)"),
    ("statut", "Statut (clé)", "statut du plan, clé technique"),
    ("statut_libelle", "Statut du plan"),
    ("debut", "Début", "première année du plan", INT),
    ("fin", "Fin", "dernière année du plan", INT),
    ("population", "Population", "dernier chiffre de la situation de référence", INT),
    ("annee_population", "Année de la population", INT),
    ("emigres", "Émigrés", "nombre total d'émigrés (profil migratoire du plan)", INT),
    ("emigres_pour_1000", "Émigrés pour 1 000 habitants", "émigrés × 1 000 ÷ population, une décimale", DECIMAL),
    ("ecart", "Forte émigration sans action diaspora",
     f"au moins {indicators.STRONG_EMIGRATION_PER_MILLE} émigrés pour 1 000 habitants et aucune action financée "
     "par la diaspora (vide : émigrés ou population inconnus)", BOOL),
    ("cout_total_fcfa", "Coût total (FCFA)", "coût total du PIP", FCFA),
    *_STATE_SPECS,
    _EXCESS_SPEC,
    ("investissement_par_habitant_fcfa", "Investissement par habitant (FCFA)",
     "coût total ÷ population, arrondi au franc", FCFA),
    ("apport_diaspora_fcfa", "Apport de la diaspora (FCFA)", "lignes des associations de la diaspora", FCFA),
    ("part_diaspora_pct", "Part de la diaspora (%)", "apport de la diaspora ÷ coût total", PCT),
    ("nb_actions", "Actions", "nombre d'actions du PIP", INT),
    ("nb_actions_diaspora", "Actions financées par la diaspora",
     "actions dont une ligne de financement d'une association de la diaspora dépasse 0 FCFA", INT),
    ("nb_actions_migration", "Actions liées à la migration", "au moins une étiquette migration", INT),
    ("cout_secteur_fcfa", "Coût du secteur filtré (FCFA)", "vide sans filtre de secteur", FCFA),
    ("completude_pct", "Complétude (%)", "part des sections complètes", INT),
    ("commentaires_non_resolus", "Commentaires non résolus", "commentaires de relecture non résolus", INT),
    ("mise_a_jour", "Dernière modification", DATE),
    # The execution (plans/execution/figures.py, through the plan summaries): cumulated through the latest year
    # recorded; empty for a plan without any execution record.
    ("annee_execution", "Année d'exécution",
     "dernière année dont l'exécution est saisie ; les chiffres d'exécution sont cumulés jusqu'à sa fin (vide : "
     "aucune exécution saisie)", INT),
    ("execution_physique_pct", "Exécution physique (%)", "avancement des actions pondéré par leur coût", PCT),
    ("execution_financiere_pct", "Exécution financière (%)", "montants payés ÷ coût total", PCT),
    ("mobilise_fcfa", "Mobilisé (FCFA)", "montants reçus", FCFA),
    ("mobilise_pct", "Mobilisé (%)", "montants reçus ÷ coût total", PCT),
    ("paye_fcfa", "Payé (FCFA)", "montants décaissés", FCFA),
    ("diaspora_promis_fcfa", "Diaspora : promis (FCFA)", "lignes des associations de la diaspora", FCFA),
    ("diaspora_mobilise_fcfa", "Diaspora : mobilisé (FCFA)", "reçu des associations de la diaspora", FCFA),
    ("diaspora_mobilise_pct", "Diaspora : part mobilisée (%)",
     "reçu ÷ promis par la diaspora (vide : aucune exécution saisie ou aucune promesse)", PCT),
)
ACTION_COLUMNS = _cols(
    ("action_uuid", "Identifiant de l'action", "stable ; avec la révision du plan, la clé d'une action"),
    ("plan_uuid", "Identifiant du plan"),
    ("revision", "Révision du plan", INT),
    ("plan_id", "N° du plan", "numéro du plan sur ce serveur", INT),
    ("rang", "Rang", "rang de l'action dans le PIP", INT),
    ("secteur", "Secteur (clé)", "clé technique du secteur"),
    ("secteur_libelle", "Secteur"),
    ("sous_secteur", "Sous-secteur"),
    ("titre", "Intitulé de l'action"),
    ("axe", "Axe stratégique"),
    ("localites", "Localités"),
    ("quantite", "Quantité", DECIMAL),
    ("unite", "Unité"),
    ("cout_unitaire_fcfa", "Coût unitaire (FCFA)", FCFA),
    ("cout_total_fcfa", "Coût total (FCFA)", FCFA),
    ("cout_total_saisi", "Coût saisi à la main", "coût total saisi au lieu de quantité × coût unitaire", BOOL),
    *_STATE_SPECS,
    _EXCESS_SPEC,
    ("apport_diaspora_fcfa", "Apport de la diaspora (FCFA)", FCFA),
    ("annees", "Années programmées"),
    ("maitre_ouvrage", "Maître d'ouvrage"),
    ("statut", "Statut (clé)", "statut de l'action, clé technique"),
    ("statut_libelle", "Statut de l'action"),
    ("etiquettes", "Étiquettes (clés)",
     "étiquettes migration, clés techniques ; « diaspora » déduite des lignes de financement"),
    ("etiquettes_libelles", "Étiquettes migration"),
    ("localisation", "Localisation (clé)", "précision de la localisation, clé technique"),
    ("localisation_libelle", "Précision de la localisation"),
    ("lon", "Longitude", "WGS 84 ; vide si la localisation est masquée", COORD),
    ("lat", "Latitude", "WGS 84 ; vide si la localisation est masquée", COORD),
)
FUNDING_COLUMNS = _cols(
    ("financement_id", "N° de la ligne", "numéro de la ligne de financement sur ce serveur", INT),
    ("rang", "Rang", "rang de la ligne dans l'action", INT),
    ("action_uuid", "Identifiant de l'action"),
    ("plan_uuid", "Identifiant du plan"),
    ("revision", "Révision du plan", INT),
    ("source", "Source (clé)", "type de source, clé technique"),
    ("source_libelle", "Type de source"),
    ("nom_source", "Nom de la source"),
    ("association_id", "N° de l'association", "association de la diaspora (voir la feuille Associations)", INT),
    ("montant_fcfa", "Montant (FCFA)", "une part en % est convertie sur le coût de l'action", FCFA),
    ("part_saisie_pct", "Part saisie (%)", "part du coût de l'action saisie en % (vide si un montant est saisi)",
     PCT),
    ("statut", "Statut (clé)", "statut du financement, clé technique"),
    ("statut_libelle", "Statut du financement"),
    ("en_nature", "En nature", "apport en nature", BOOL),
)
INDICATOR_COLUMNS = _cols(
    ("indicateur_id", "N° de l'indicateur", "numéro de l'indicateur sur ce serveur", INT),
    ("rang", "Rang", "rang de l'indicateur dans le plan", INT),
    ("plan_uuid", "Identifiant du plan"),
    ("revision", "Révision du plan", INT),
    ("categorie", "Catégorie (clé)", "clé technique de la catégorie"),
    ("categorie_libelle", "Catégorie"),
    ("nom", "Indicateur"),
    ("unite", "Unité"),
    ("valeur_reference", "Valeur de référence", DECIMAL),
    ("annee_reference", "Année de référence", INT),
    ("cibles", "Cibles par année"),
    ("annee_cible_finale", "Année de la dernière cible", INT),
    ("cible_finale", "Dernière cible", DECIMAL),
    ("source", "Source de vérification"),
)
ASSOCIATION_COLUMNS = _cols(
    ("association_id", "N° de l'association", "numéro de l'association sur ce serveur", INT),
    ("collectivite_id", "N° de la collectivité", "collectivité ou groupement d'origine (voir la feuille Plans)",
     INT),
    ("collectivite", "Collectivité d'origine", "collectivité ou groupement d'origine"),
    ("pcodes", "P-codes", "P-codes de la collectivité d'origine"),
    ("nom", "Nom de l'association"),
    ("pays", "Pays (code)", "pays d'accueil, code ISO"),
    ("pays_libelle", "Pays d'accueil"),
    ("ville", "Ville d'accueil"),
    ("autres_sections", "Autres sections à l'étranger"),
    ("secteurs", "Secteurs (clés)", "secteurs d'intervention, clés techniques"),
    ("secteurs_libelles", "Secteurs d'intervention"),
    ("consentement_contact", "Consentement au contact",
     "l'association a consenti à la conservation d'un contact", BOOL),
    ("contact_nom", "Personne à contacter", "seulement avec consentement"),
    ("contact_coordonnees", "Coordonnées du contact", "seulement avec consentement"),
)

ENTITIES: dict[str, tuple[str, list[Column]]] = {
    "plans": ("Plans", PLAN_COLUMNS),
    "actions": ("Actions", ACTION_COLUMNS),
    "financements": ("Financements", FUNDING_COLUMNS),
    "indicateurs": ("Indicateurs", INDICATOR_COLUMNS),
    "associations": ("Associations", ASSOCIATION_COLUMNS),
}


# --- the selection: which plans, loaded once with everything the tables read -------------------------------

@dataclass
class Selection:
    filters: TableFilters
    regions: Optional[set[int]]  # the régions the reader is limited to (plans.accounts.access), None: all
    plan_ids: list[int]  # the matching plans (plans/reporting/desk.py), in plan order
    _figures: Optional[tuple] = None  # the action records and their figures, once (actions and funding sheets)


def select(session: Session, filters: TableFilters, regions: Optional[set[int]] = None) -> Selection:
    """The plans matching the filters that a reader limited to `regions` may read (None: all; the caller passes
    plans.accounts.access.review_regions(user)), chosen by the database over the plan summaries."""
    return Selection(filters, regions, desk.plan_ids(session, filters, regions))


# --- rows -------------------------------------------------------------------------------------------------

def plan_rows(session: Session, selection: Selection, sort: str = DEFAULT_SORT,
              descending: bool = False) -> list[dict[str, Any]]:
    """The plans' rows, from their summaries (plans/reporting/desk.py), sorted by the database."""
    return desk.plan_records(session, selection.filters, selection.regions, sort, descending)


# --- the actions, read as plain records (no ORM object per action: tens of thousands at national scale) -------

_ACTION_FIELDS = ("id", "plan_id", "uuid", "position", "sector", "sub_sector", "title", "localities", "quantity",
                  "unit", "unit_cost", "total_override", "override_reason", "maitre_ouvrage", "tags", "status",
                  "cofinancing_scheme", "lon", "lat", "location_precision")
_LINE_FIELDS = ("id", "action_id", "position", "source_type", "source_name", "association_id", "amount", "share_pct",
                "status", "in_kind")


def _plan_keys(session: Session, ids: list[int]) -> dict[int, tuple[str, int]]:
    return {r.id: (r.uuid, r.revision or 1) for r in session.execute(
        sa.select(Plan.id, Plan.uuid, Plan.revision).where(Plan.id.in_(ids)))} if ids else {}


def action_records(session: Session, selection: Selection) -> list[tuple[int, SimpleNamespace]]:
    """(rank in the PIP, action) of the selected plans, in plan then PIP order, the filtered sector's only. Each
    action is a plain record with what plans.planning.finance.action_figures reads (its schedule and funding
    lines, in their order) and its axis's title: three queries, whatever the number of actions."""
    ids = selection.plan_ids
    if not ids:
        return []
    in_plans = Action.plan_id.in_(ids)
    actions = [SimpleNamespace(**dict(zip(_ACTION_FIELDS, r[:-1])), axis_title=r[-1] or "", schedule=[],
                               funding_lines=[])
               for r in session.execute(
                   sa.select(*(getattr(Action, f) for f in _ACTION_FIELDS), Axis.title)
                   .outerjoin(Objective, Objective.id == Action.objective_id)
                   .outerjoin(Axis, Axis.id == Objective.axis_id)
                   .where(in_plans).order_by(Action.plan_id, Action.position, Action.id))]
    by_id = {a.id: a for a in actions}
    action_ids = sa.select(Action.id).where(in_plans).scalar_subquery()
    for r in session.execute(sa.select(*(getattr(FundingLine, f) for f in _LINE_FIELDS))
                             .where(FundingLine.action_id.in_(action_ids))
                             .order_by(FundingLine.action_id, FundingLine.position, FundingLine.id)):
        by_id[r.action_id].funding_lines.append(SimpleNamespace(**dict(zip(_LINE_FIELDS, r))))
    for r in session.execute(sa.select(ScheduleEntry.action_id, ScheduleEntry.year, ScheduleEntry.amount)
                             .where(ScheduleEntry.action_id.in_(action_ids)).order_by(ScheduleEntry.year)):
        by_id[r.action_id].schedule.append(SimpleNamespace(year=r.year, amount=r.amount))
    secteur = selection.filters.area.secteur
    out, rank, current = [], 0, None
    for action in actions:
        rank = rank + 1 if action.plan_id == current else 1
        current = action.plan_id
        if not secteur or action.sector == secteur:
            out.append((rank, action))
    return out


def _figures(session: Session, selection: Selection):
    """(plan keys, [(rank, action, its finance.action_figures)]) of the selection, computed once per selection."""
    if selection._figures is None:
        keys = _plan_keys(session, selection.plan_ids)
        selection._figures = (keys, [(rank, a, finance.action_figures(a))
                                     for rank, a in action_records(session, selection)])
    return selection._figures


def action_rows(session: Session, selection: Selection) -> list[dict[str, Any]]:
    return [row for _, row in _action_rows(session, selection)]


def _action_rows(session: Session, selection: Selection) -> list[tuple[int, dict[str, Any]]]:
    keys, records = _figures(session, selection)
    rows = []
    for rank, action, f in records:
        uuid, revision = keys[action.plan_id]
        # Gathered across plans, for anyone: a masked site's point never (access.PUBLIC).
        lon, lat = location.shown_point(action.lon, action.lat, action.location_precision, reveal_masked=False)
        tags = indicators.migration_tags(f)
        rows.append((action.plan_id, {
            "action_uuid": action.uuid, "plan_uuid": uuid, "revision": revision,
            "plan_id": action.plan_id, "rang": rank, "secteur": action.sector,
            "secteur_libelle": label(SECTORS, action.sector), "sous_secteur": action.sub_sector,
            "titre": action.title, "axe": action.axis_title, "localites": action.localities,
            "quantite": action.quantity, "unite": action.unit, "cout_unitaire_fcfa": action.unit_cost,
            "cout_total_fcfa": f.total, "cout_total_saisi": action.total_override is not None,
            **_state_values(f), "excedent_fcfa": f.excess,
            "apport_diaspora_fcfa": f.diaspora_amount,
            "annees": ", ".join(str(y) for y in f.schedule_by_year),
            "maitre_ouvrage": action.maitre_ouvrage, "statut": action.status,
            "statut_libelle": label(ACTION_STATUSES, action.status), "etiquettes": ",".join(tags),
            "etiquettes_libelles": LIST_SEPARATOR.join(MIGRATION_TAGS[t] for t in tags),
            "localisation": action.location_precision,
            "localisation_libelle": label(LOCATION_PRECISIONS, action.location_precision),
            "lon": lon, "lat": lat,
        }))
    return rows


def funding_rows(session: Session, selection: Selection) -> list[dict[str, Any]]:
    return [row for _, row in _funding_rows(session, selection)]


def _funding_rows(session: Session, selection: Selection) -> list[tuple[int, dict[str, Any]]]:
    keys, records = _figures(session, selection)
    rows = []
    for _, action, f in records:
        uuid, revision = keys[action.plan_id]
        for rank, (line, amount) in enumerate(zip(action.funding_lines, f.line_amounts), start=1):
            rows.append((action.plan_id, {
                "financement_id": line.id, "rang": rank, "action_uuid": action.uuid, "plan_uuid": uuid,
                "revision": revision, "source": line.source_type,
                "source_libelle": label(FUNDING_SOURCES, line.source_type), "nom_source": line.source_name,
                "association_id": line.association_id, "montant_fcfa": amount,
                "part_saisie_pct": line.share_pct if line.amount is None else None,
                "statut": line.status or finance.DEFAULT_STATUS,
                "statut_libelle": label(FUNDING_STATUSES, line.status or finance.DEFAULT_STATUS),
                "en_nature": bool(line.in_kind),
            }))
    return rows


def _decimal(value) -> Optional[Decimal]:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def indicator_rows(session: Session, selection: Selection) -> list[dict[str, Any]]:
    return [row for _, row in _indicator_rows(session, selection)]


def _indicator_rows(session: Session, selection: Selection) -> list[tuple[int, dict[str, Any]]]:
    ids = selection.plan_ids
    if not ids:
        return []
    keys = _plan_keys(session, ids)
    rows, rank, current = [], 0, None
    for ind in session.scalars(sa.select(Indicator).where(Indicator.plan_id.in_(ids))
                               .order_by(Indicator.plan_id, Indicator.position, Indicator.id)):
        rank = rank + 1 if ind.plan_id == current else 1
        current = ind.plan_id
        uuid, revision = keys[ind.plan_id]
        targets = sorted((int(y), v) for y, v in (ind.targets or {}).items()
                         if str(y).isdecimal() and v not in (None, ""))
        final_year, final_value = targets[-1] if targets else (None, None)
        rows.append((ind.plan_id, {
            "indicateur_id": ind.id, "rang": rank, "plan_uuid": uuid, "revision": revision,
            "categorie": ind.category, "categorie_libelle": label(INDICATOR_CATEGORIES, ind.category),
            "nom": ind.name, "unite": ind.unit, "valeur_reference": ind.baseline_value,
            "annee_reference": ind.baseline_year,
            "cibles": LIST_SEPARATOR.join(f"{y} : {str(v).replace('.', ',')}" for y, v in targets),
            "annee_cible_finale": final_year, "cible_finale": _decimal(final_value), "source": ind.source,
        }))
    return rows


def association_rows(session: Session, selection: Selection) -> list[dict[str, Any]]:
    """The diaspora associations of the selected plans' owners (an owner's associations serve all its plans)."""
    ids = selection.plan_ids
    owner_ids = sorted(set(session.scalars(sa.select(Plan.owner_id).where(Plan.id.in_(ids))))) if ids else []
    if not owner_ids:
        return []
    pcodes = desk.places(session, [], owner_ids)[1]
    associations = session.scalars(
        sa.select(DiasporaAssociation).where(DiasporaAssociation.owner_id.in_(owner_ids))
        .options(orm.joinedload(DiasporaAssociation.owner))
        .order_by(DiasporaAssociation.owner_id, DiasporaAssociation.name, DiasporaAssociation.id))
    rows = []
    for a in associations:
        owner: PlanOwner = a.owner
        consent = bool(a.contact_consent)
        sectors = [s for s in (a.sectors or "").split(",") if s]
        rows.append({
            "association_id": a.id, "collectivite_id": owner.id, "collectivite": owner.name,
            "pcodes": pcodes.get(owner.id, ""), "nom": a.name, "pays": a.host_country,
            "pays_libelle": country_name(a.host_country), "ville": a.host_city,
            "autres_sections": LIST_SEPARATOR.join(s.strip() for s in (a.sections or "").splitlines() if s.strip()),
            "secteurs": ",".join(sectors), "secteurs_libelles": LIST_SEPARATOR.join(label(SECTORS, s) for s in sectors),
            "consentement_contact": consent,
            "contact_nom": a.contact_name if consent else "",
            "contact_coordonnees": a.contact_details if consent else "",
        })
    return rows


# --- every table ------------------------------------------------------------------------------------------

def table(session: Session, selection: Selection, entity: str, sort: str = DEFAULT_SORT,
          descending: bool = False) -> Table:
    """One entity's table (KeyError for an unknown entity)."""
    title, columns = ENTITIES[entity]
    if entity == "plans":
        rows = plan_rows(session, selection, sort, descending)
    elif entity == "actions":
        rows = action_rows(session, selection)
    elif entity == "financements":
        rows = funding_rows(session, selection)
    elif entity == "indicateurs":
        rows = indicator_rows(session, selection)
    else:
        rows = association_rows(session, selection)
    return Table(entity, title, columns, rows)


# The tables whose rows each belong to one plan, in plan order: plans/reporting/export_parts.py keeps them per plan.
PER_PLAN = {"actions": _action_rows, "financements": _funding_rows, "indicateurs": _indicator_rows}


def rows_by_plan(session: Session, selection: Selection, entity: str) -> dict[int, list[dict[str, Any]]]:
    """Each selected plan's rows of a PER_PLAN table (a plan without any: an empty list)."""
    out: dict[int, list[dict[str, Any]]] = {plan_id: [] for plan_id in selection.plan_ids}
    for plan_id, row in PER_PLAN[entity](session, selection):
        out[plan_id].append(row)
    return out


def all_tables(session: Session, selection: Selection, sort: str = DEFAULT_SORT,
               descending: bool = False) -> list[Table]:
    return [table(session, selection, entity, sort, descending) for entity in ENTITIES]


def located_actions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The action rows that may be drawn: with both coordinates, never a withheld location."""
    return [r for r in rows if not location.is_masked(r["localisation"]) and r["lon"] is not None
            and r["lat"] is not None]
