"""The plans as flat, joinable tables (one per entity) for the reviewers' dashboard and its exports.

    filters = TableFilters.from_args(request.args)           # the national map's filters + the owner type
    selection = select(session, plan_service.visible_plans(session, user), filters)
    rows = sort_plan_rows(plan_rows(session, selection), "total", descending=True)
    tables = all_tables(session, selection)                  # plans, actions, financements, indicateurs, associations

Keys (stable, the same in every table so a spreadsheet or a script can join them):
- a plan is (plan_uuid, revision): the uuid survives export/import between servers, a revision of an adopted
  plan keeps it; `plan_id` is this server's number (the one in the page URLs);
- an action is (action_uuid, revision): its uuid survives revisions too, so the revision is part of the key;
- a funding line, an indicator and an association are this server's row ids (`financement_id`,
  `indicateur_id`, `association_id`), with their rank in the action or the plan (`rang`) as a portable key;
- an association belongs to an owner (every plan of that owner shares it): `collectivite_id` joins it to the
  plans; a funding line names its `association_id`.

Every figure comes from plans.planning.finance (plan_finance for the plan, its figures_for(action) for an action and its
line_amounts for a funding line) and plans.planning.indicators (latest population, investment per inhabitant, the
funding states and their labels, the migration tags with the derived « Financé par la diaspora »); the completeness
from plans.planning.completeness. Nothing is added up here.

Who reads what: the caller passes the plans the user may read (plans.planning.service.visible_plans); `select` only
narrows them. A masked location (precision "masquee", a sensitive site) is never exported: no lon/lat in any row,
whoever asks (these tables gather many plans: plans/accounts/access.py `can_see_masked_location`).
Personal contact details of an association only with its `contact_consent` (the Word document, a public
document, prints none; these exports go to the DGCT and its reviewers).

Filters: the national map's own (plans.maps.national.Filters, the same query parameters region, cercle,
secteur, statut, periode, min with indicateur) select the same plans as the map, through `national_view`
itself; the owner type (`type`) is the table's only extra. The sector differs in one way, by design: the map
keeps every plan and counts only that sector's actions, a table keeps the plans with at least one action in
the sector (and the action, funding line and GeoJSON exports keep that sector's actions only); the plan's
figures stay whole-plan figures, with the sector's cost beside them (PlanFinance.by_sector).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.core.formatting import country_name, number
from plans.core.text import search_key
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
from plans.maps import national as nm
from plans.owners.models import OWNER_KIND_LABELS, OwnerKind, PlanOwner
from plans.planning import completeness, finance, indicators, location
from plans.planning.indicators import FUNDING_STATES, IDENTIFIED, NOT_COVERED, PROMISED, SECURED, TO_FIND
from plans.planning.models import Action, Axis, DiasporaAssociation, FundingLine, Objective, Plan, PlanStatus
from plans.review.models import PlanComment

LIST_SEPARATOR = " ; "

# --- columns ------------------------------------------------------------------------------------------------

# Kinds tell the writers how to store a value: text, int (a count or a year), fcfa (whole francs), pct (a share
# on the 0–100 scale, 2 decimals), decimal, coord (degrees WGS 84), bool (oui/non), date.
TEXT, INT, FCFA, PCT, DECIMAL, COORD, BOOL, DATE = "text", "int", "fcfa", "pct", "decimal", "coord", "bool", "date"


@dataclass(frozen=True)
class Column:
    key: str  # the header of the column in every file: lower case, no accent, stable
    label: str  # what it means, in French (the workbook's "Colonnes" sheet, the page's headers)
    kind: str = TEXT


@dataclass
class Table:
    key: str  # "plans", "actions", … (the URL and the file name)
    title: str  # the sheet name
    columns: list[Column]
    rows: list[dict[str, Any]]


def _cols(*specs) -> list[Column]:
    return [Column(*s) for s in specs]


def _state(key: str, column: str) -> tuple[str, str, str]:
    """A funding state's column: its label and meaning from plans.planning.indicators.FUNDING_STATES."""
    state = FUNDING_STATES[key]
    return column, f"{state.label} : {state.meaning} (FCFA)", FCFA


# Funding state → its column key, in the plan and the action tables.
STATE_COLUMNS = {IDENTIFIED: "finance_fcfa", SECURED: "acquis_fcfa", PROMISED: "promis_fcfa",
                 TO_FIND: "a_rechercher_fcfa", NOT_COVERED: "non_couvert_fcfa"}
_STATE_SPECS = tuple(_state(k, c) for k, c in STATE_COLUMNS.items())


def _state_values(figures) -> dict[str, int]:
    states = indicators.funding_states(figures).by_key()
    return {column: states[key] for key, column in STATE_COLUMNS.items()}


PLAN_COLUMNS = _cols(
    ("plan_uuid", "Identifiant du plan (stable d'un serveur à l'autre)"),
    ("revision", "Révision du plan (une révision d'un plan adopté garde son identifiant)", INT),
    ("plan_id", "Numéro du plan sur ce serveur", INT),
    ("titre", "Titre du plan"),
    ("collectivite_id", "Numéro de la collectivité ou du groupement sur ce serveur", INT),
    ("collectivite", "Collectivité ou groupement"),
    ("type_collectivite", "Type de collectivité (clé)"),
    ("type_collectivite_libelle", "Type de collectivité"),
    ("region", "Région(s)"),
    ("cercle", "Cercle(s)"),
    ("pcodes", "P-codes de la collectivité ou des communes membres (Mali)"),
    ("statut", "Statut du plan (clé)"),
    ("statut_libelle", "Statut du plan"),
    ("debut", "Première année du plan", INT),
    ("fin", "Dernière année du plan", INT),
    ("population", "Population (dernier chiffre de la situation de référence)", INT),
    ("annee_population", "Année de ce chiffre de population", INT),
    ("cout_total_fcfa", "Coût total du PIP (FCFA)", FCFA),
    *_STATE_SPECS,
    ("investissement_par_habitant_fcfa", "Investissement prévu par habitant (FCFA)", FCFA),
    ("apport_diaspora_fcfa", "Apport des associations de la diaspora (FCFA)", FCFA),
    ("part_diaspora_pct", "Part de la diaspora dans le coût total (%)", PCT),
    ("nb_actions", "Nombre d'actions", INT),
    ("nb_actions_migration", "Actions liées à la migration (au moins une étiquette migration)", INT),
    ("cout_secteur_fcfa", "Coût des actions du secteur filtré (FCFA ; vide sans filtre de secteur)", FCFA),
    ("completude_pct", "Complétude : part des sections complètes (%)", INT),
    ("commentaires_non_resolus", "Commentaires de relecture non résolus", INT),
    ("mise_a_jour", "Dernière modification du plan", DATE),
)
ACTION_COLUMNS = _cols(
    ("action_uuid", "Identifiant de l'action (stable ; avec la révision du plan)"),
    ("plan_uuid", "Identifiant du plan"),
    ("revision", "Révision du plan", INT),
    ("plan_id", "Numéro du plan sur ce serveur", INT),
    ("rang", "Rang de l'action dans le PIP", INT),
    ("secteur", "Secteur (clé)"),
    ("secteur_libelle", "Secteur"),
    ("sous_secteur", "Sous-secteur"),
    ("titre", "Intitulé de l'action"),
    ("axe", "Axe stratégique"),
    ("localites", "Localités"),
    ("quantite", "Quantité", DECIMAL),
    ("unite", "Unité"),
    ("cout_unitaire_fcfa", "Coût unitaire (FCFA)", FCFA),
    ("cout_total_fcfa", "Coût total (FCFA)", FCFA),
    ("cout_total_saisi", "Coût total saisi à la main (au lieu de quantité × coût unitaire)", BOOL),
    *_STATE_SPECS,
    ("apport_diaspora_fcfa", "Apport de la diaspora (FCFA)", FCFA),
    ("annees", "Années programmées"),
    ("maitre_ouvrage", "Maître d'ouvrage"),
    ("statut", "Statut de l'action (clé)"),
    ("statut_libelle", "Statut de l'action"),
    ("etiquettes", "Étiquettes migration (clés ; « diaspora » déduite des lignes de financement)"),
    ("etiquettes_libelles", "Étiquettes migration"),
    ("localisation", "Précision de la localisation (clé)"),
    ("localisation_libelle", "Précision de la localisation"),
    ("lon", "Longitude (WGS 84 ; vide si la localisation est masquée)", COORD),
    ("lat", "Latitude (WGS 84 ; vide si la localisation est masquée)", COORD),
)
FUNDING_COLUMNS = _cols(
    ("financement_id", "Numéro de la ligne de financement sur ce serveur", INT),
    ("rang", "Rang de la ligne dans l'action", INT),
    ("action_uuid", "Identifiant de l'action"),
    ("plan_uuid", "Identifiant du plan"),
    ("revision", "Révision du plan", INT),
    ("source", "Type de source (clé)"),
    ("source_libelle", "Type de source"),
    ("nom_source", "Nom de la source"),
    ("association_id", "Association de la diaspora (numéro, voir la feuille Associations)", INT),
    ("montant_fcfa", "Montant (FCFA ; une part en % est convertie sur le coût de l'action)", FCFA),
    ("part_saisie_pct", "Part saisie en % du coût de l'action (vide si un montant est saisi)", PCT),
    ("statut", "Statut du financement (clé)"),
    ("statut_libelle", "Statut du financement"),
    ("en_nature", "Apport en nature", BOOL),
)
INDICATOR_COLUMNS = _cols(
    ("indicateur_id", "Numéro de l'indicateur sur ce serveur", INT),
    ("rang", "Rang de l'indicateur dans le plan", INT),
    ("plan_uuid", "Identifiant du plan"),
    ("revision", "Révision du plan", INT),
    ("categorie", "Catégorie (clé)"),
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
    ("association_id", "Numéro de l'association sur ce serveur", INT),
    ("collectivite_id", "Collectivité ou groupement d'origine (numéro, voir la feuille Plans)", INT),
    ("collectivite", "Collectivité ou groupement d'origine"),
    ("pcodes", "P-codes de la collectivité d'origine"),
    ("nom", "Nom de l'association"),
    ("pays", "Pays d'accueil (code ISO)"),
    ("pays_libelle", "Pays d'accueil"),
    ("ville", "Ville d'accueil"),
    ("autres_sections", "Autres sections à l'étranger"),
    ("secteurs", "Secteurs d'intervention (clés)"),
    ("secteurs_libelles", "Secteurs d'intervention"),
    ("consentement_contact", "L'association a consenti à la conservation d'un contact", BOOL),
    ("contact_nom", "Personne à contacter (seulement avec consentement)"),
    ("contact_coordonnees", "Coordonnées du contact (seulement avec consentement)"),
)

ENTITIES: dict[str, tuple[str, list[Column]]] = {
    "plans": ("Plans", PLAN_COLUMNS),
    "actions": ("Actions", ACTION_COLUMNS),
    "financements": ("Financements", FUNDING_COLUMNS),
    "indicateurs": ("Indicateurs", INDICATOR_COLUMNS),
    "associations": ("Associations", ASSOCIATION_COLUMNS),
}


# --- filters ------------------------------------------------------------------------------------------------

OWNER_KIND_PARAM = "type"
OWNER_KINDS = {k.value: OWNER_KIND_LABELS[k] for k in OwnerKind}


@dataclass(frozen=True)
class TableFilters:
    """The national map's filters (same class, same query parameters: region, cercle, secteur, statut, periode,
    and min with its indicateur) and the owner type (`type`), which only the table has."""

    area: nm.Filters = field(default_factory=nm.Filters)
    indicator: str = nm.DEFAULT_INDICATOR  # the map's indicator, which its minimum ("min") applies to
    owner_kind: str = ""  # an OwnerKind value, "" for all

    @classmethod
    def from_args(cls, args) -> "TableFilters":
        """From request.args; like the map's, an unknown value is ignored (never a 500)."""
        kind = args.get(OWNER_KIND_PARAM, "")
        indicator = args.get("indicateur", "")
        return cls(nm.Filters.from_args(args), indicator if indicator in nm.INDICATORS else nm.DEFAULT_INDICATOR,
                   kind if kind in OWNER_KINDS else "")

    def map_args(self) -> dict[str, str]:
        """The query parameters the national map understands, non-empty ones only."""
        f = self.area
        values = {"indicateur": self.indicator if self.indicator != nm.DEFAULT_INDICATOR else "",
                  "region": f.region, "cercle": f.cercle, "secteur": f.secteur, "statut": f.statut,
                  "periode": str(f.periode) if f.periode is not None else "",
                  "min": str(f.minimum) if f.minimum is not None else ""}
        return {k: v for k, v in values.items() if v}

    def args(self) -> dict[str, str]:
        out = self.map_args()
        if self.owner_kind:
            out[OWNER_KIND_PARAM] = self.owner_kind
        return out

    def describe(self, base: nm.NationalBase) -> list[str]:
        """The active filters in French ("Région : Kayes"), for the workbook and the page."""
        units = {u.code: u.name for u in base.units.values()}
        f = self.area
        out = []
        if f.region:
            out.append(f"Région : {units.get(f.region, f.region)}")
        if f.cercle:
            out.append(f"Cercle : {units.get(f.cercle, f.cercle)}")
        if self.owner_kind:
            out.append(f"Type de collectivité : {OWNER_KINDS[self.owner_kind]}")
        if f.statut:
            out.append(f"Statut : {PlanStatus(f.statut).label}")
        if f.periode is not None:
            out.append(f"Période : plans couvrant {f.periode}")
        if f.secteur:
            out.append(f"Secteur : {SECTORS[f.secteur]}")
        if f.minimum is not None and self.indicator in nm.STEPS:
            out.append(f"{nm.INDICATORS[self.indicator]} : au moins {number(f.minimum, plain=True)}")
        return out


# --- the selection: which plans, loaded once with everything the tables read -------------------------------

@dataclass
class Selection:
    filters: TableFilters
    base: nm.NationalBase
    plans: list[Plan]  # loaded with their sections, actions, lines and owner
    finances: dict[int, finance.PlanFinance]  # plan id → its figures

    def actions(self, plan: Plan) -> list[tuple[int, Action]]:
        """(rank in the PIP, action) of the plan's actions the filters keep (the filtered sector's, or all)."""
        secteur = self.filters.area.secteur
        return [(rank, a) for rank, a in enumerate(plan.actions, start=1) if not secteur or a.sector == secteur]


def _load_options():
    steps = orm.selectinload
    return (*finance.load_options(), steps(Plan.process_steps), steps(Plan.population_records),
            steps(Plan.sector_diagnostics), steps(Plan.findings), steps(Plan.migration_profile),
            steps(Plan.destinations), steps(Plan.axes).selectinload(Axis.objectives), steps(Plan.priorities),
            steps(Plan.indicators), orm.joinedload(Plan.owner),
            steps(Plan.actions).selectinload(Action.funding_lines).selectinload(FundingLine.association))


def select(session: Session, readable: Iterable[Plan], filters: TableFilters) -> Selection:
    """The readable plans matching the filters, loaded in a fixed number of queries.

    Status, period, région, cercle and the indicator's minimum are decided by the national map's own selection
    (national_view), so the table and the map show the same plans for the same URL; then the owner type and the
    sector."""
    base = nm.national_base(session)
    view = nm.national_view(base, filters.area, filters.indicator)
    readable_ids = {p.id for p in readable}
    info = {p.id: p for p in base.plans}
    ids = []
    for plan_id in view.plan_ids & readable_ids:
        plan = info[plan_id]
        owner = base.owners.get(plan.owner_id)
        if filters.owner_kind and (owner is None or owner.kind.value != filters.owner_kind):
            continue
        if filters.area.secteur and not any(sector == filters.area.secteur for sector, _, _ in plan.actions):
            continue
        ids.append(plan_id)
    plans = list(session.scalars(sa.select(Plan).where(Plan.id.in_(ids)).order_by(Plan.id)
                                 .options(*_load_options())).unique()) if ids else []
    return Selection(filters, base, plans, {p.id: finance.plan_finance(p) for p in plans})


# --- rows -------------------------------------------------------------------------------------------------

def _joined(values: Iterable[str]) -> str:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return LIST_SEPARATOR.join(out)


@dataclass
class OwnerPlace:
    regions: str
    cercles: str
    pcodes: str


def owner_place(base: nm.NationalBase, owner_id: int) -> OwnerPlace:
    """The région(s), cercle(s) and Malian P-codes of an owner (a grouping's members'), from the map's base."""
    owner = base.owners.get(owner_id)
    if owner is None:
        return OwnerPlace("", "", "")
    unit_ids = [u for u in base.owner_unit_ids(owner) if u in base.units]
    regions = sorted({r.name for u in unit_ids if (r := base.region_of(u)) is not None}, key=search_key)
    cercles = sorted({c.name for u in unit_ids if (c := base.cercle_of(u)) is not None}, key=search_key)
    return OwnerPlace(_joined(regions), _joined(cercles), " ".join(base.units[u].code for u in unit_ids))


def unresolved_comments(session: Session, plan_ids: list[int]) -> dict[int, int]:
    if not plan_ids:
        return {}
    return dict(session.execute(
        sa.select(PlanComment.plan_id, sa.func.count()).where(PlanComment.plan_id.in_(plan_ids),
                                                              PlanComment.resolved_at.is_(None))
        .group_by(PlanComment.plan_id)).all())


def _day(value: Optional[datetime]) -> Optional[date]:
    return value.date() if isinstance(value, datetime) else value


def plan_rows(session: Session, selection: Selection) -> list[dict[str, Any]]:
    comments = unresolved_comments(session, [p.id for p in selection.plans])
    secteur = selection.filters.area.secteur
    rows = []
    for plan in selection.plans:
        pf = selection.finances[plan.id]
        ind = indicators.plan_indicators(plan, pf)
        place = owner_place(selection.base, plan.owner_id)
        owner = plan.owner
        status = PlanStatus(plan.status)
        rows.append({
            "plan_uuid": plan.uuid, "revision": plan.revision or 1, "plan_id": plan.id, "titre": plan.title,
            "collectivite_id": owner.id, "collectivite": owner.name, "type_collectivite": owner.kind.value,
            "type_collectivite_libelle": owner.kind.label, "region": place.regions, "cercle": place.cercles,
            "pcodes": place.pcodes, "statut": status.value, "statut_libelle": status.label,
            "debut": plan.period_start, "fin": plan.period_end, "population": ind.population,
            "annee_population": ind.population_year, "cout_total_fcfa": pf.total, **_state_values(pf),
            "investissement_par_habitant_fcfa": ind.cost_per_inhabitant,
            "apport_diaspora_fcfa": pf.diaspora_amount, "part_diaspora_pct": pf.diaspora_share,
            "nb_actions": len(pf.figures), "nb_actions_migration": pf.migration_actions,
            "cout_secteur_fcfa": pf.by_sector.get(secteur, 0) if secteur else None,
            "completude_pct": completeness.check_plan(plan).percent,
            "commentaires_non_resolus": comments.get(plan.id, 0), "mise_a_jour": _day(plan.updated_at),
        })
    return rows


def _axis_title(action: Action) -> str:
    objective: Optional[Objective] = action.objective
    return objective.axis.title if objective is not None and objective.axis is not None else ""


def action_rows(selection: Selection) -> list[dict[str, Any]]:
    rows = []
    for plan in selection.plans:
        pf = selection.finances[plan.id]
        for rank, action in selection.actions(plan):
            f = pf.figures_for(action)
            # Exports gathered across plans, for anyone: a masked site's point never (access.PUBLIC).
            lon, lat = location.visible_point(action, reveal_masked=False)
            tags = indicators.migration_tags(f)
            rows.append({
                "action_uuid": action.uuid, "plan_uuid": plan.uuid, "revision": plan.revision or 1,
                "plan_id": plan.id, "rang": rank, "secteur": action.sector,
                "secteur_libelle": label(SECTORS, action.sector), "sous_secteur": action.sub_sector,
                "titre": action.title, "axe": _axis_title(action), "localites": action.localities,
                "quantite": action.quantity, "unite": action.unit, "cout_unitaire_fcfa": action.unit_cost,
                "cout_total_fcfa": f.total, "cout_total_saisi": action.total_override is not None,
                **_state_values(f),
                "apport_diaspora_fcfa": f.diaspora_amount,
                "annees": ", ".join(str(y) for y in f.schedule_by_year),
                "maitre_ouvrage": action.maitre_ouvrage, "statut": action.status,
                "statut_libelle": label(ACTION_STATUSES, action.status), "etiquettes": ",".join(tags),
                "etiquettes_libelles": LIST_SEPARATOR.join(MIGRATION_TAGS[t] for t in tags),
                "localisation": action.location_precision,
                "localisation_libelle": label(LOCATION_PRECISIONS, action.location_precision),
                "lon": lon, "lat": lat,
            })
    return rows


def funding_rows(selection: Selection) -> list[dict[str, Any]]:
    rows = []
    for plan in selection.plans:
        pf = selection.finances[plan.id]
        for _, action in selection.actions(plan):
            f = pf.figures_for(action)
            for rank, (line, amount) in enumerate(zip(action.funding_lines, f.line_amounts), start=1):
                rows.append({
                    "financement_id": line.id, "rang": rank, "action_uuid": action.uuid, "plan_uuid": plan.uuid,
                    "revision": plan.revision or 1, "source": line.source_type,
                    "source_libelle": label(FUNDING_SOURCES, line.source_type), "nom_source": line.source_name,
                    "association_id": line.association_id, "montant_fcfa": amount,
                    "part_saisie_pct": line.share_pct if line.amount is None else None,
                    "statut": line.status or finance.DEFAULT_STATUS,
                    "statut_libelle": label(FUNDING_STATUSES, line.status or finance.DEFAULT_STATUS),
                    "en_nature": bool(line.in_kind),
                })
    return rows


def _decimal(value) -> Optional[Decimal]:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def indicator_rows(selection: Selection) -> list[dict[str, Any]]:
    rows = []
    for plan in selection.plans:
        for rank, ind in enumerate(plan.indicators, start=1):
            targets = sorted((int(y), v) for y, v in (ind.targets or {}).items()
                             if str(y).isdecimal() and v not in (None, ""))
            final_year, final_value = targets[-1] if targets else (None, None)
            rows.append({
                "indicateur_id": ind.id, "rang": rank, "plan_uuid": plan.uuid, "revision": plan.revision or 1,
                "categorie": ind.category, "categorie_libelle": label(INDICATOR_CATEGORIES, ind.category),
                "nom": ind.name, "unite": ind.unit, "valeur_reference": ind.baseline_value,
                "annee_reference": ind.baseline_year,
                "cibles": LIST_SEPARATOR.join(f"{y} : {str(v).replace('.', ',')}" for y, v in targets),
                "annee_cible_finale": final_year, "cible_finale": _decimal(final_value), "source": ind.source,
            })
    return rows


def association_rows(session: Session, selection: Selection) -> list[dict[str, Any]]:
    """The diaspora associations of the selected plans' owners (an owner's associations serve all its plans)."""
    owner_ids = sorted({p.owner_id for p in selection.plans})
    if not owner_ids:
        return []
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
            "pcodes": owner_place(selection.base, owner.id).pcodes, "nom": a.name, "pays": a.host_country,
            "pays_libelle": country_name(a.host_country), "ville": a.host_city,
            "autres_sections": LIST_SEPARATOR.join(s.strip() for s in (a.sections or "").splitlines() if s.strip()),
            "secteurs": ",".join(sectors), "secteurs_libelles": LIST_SEPARATOR.join(label(SECTORS, s) for s in sectors),
            "consentement_contact": consent,
            "contact_nom": a.contact_name if consent else "",
            "contact_coordonnees": a.contact_details if consent else "",
        })
    return rows


# --- sorting (the dashboard's table, and the plans sheet in the same order) -----------------------------------

SORTS: dict[str, str] = {  # query value → the plan row key it sorts on
    "plan": "titre", "collectivite": "collectivite", "type": "type_collectivite_libelle", "region": "region",
    "cercle": "cercle", "statut": "statut", "periode": "debut", "cout": "cout_total_fcfa",
    "investissement": "investissement_par_habitant_fcfa", "diaspora": "part_diaspora_pct",
    "migration": "nb_actions_migration", "completude": "completude_pct",
    "commentaires": "commentaires_non_resolus",
}
DEFAULT_SORT = "region"
_STATUS_ORDER = {s.value: i for i, s in enumerate(PlanStatus)}


def _sort_value(key: str, value):
    if key == "statut":
        return _STATUS_ORDER.get(value, len(_STATUS_ORDER))  # the workflow's order, not the alphabet
    if isinstance(value, str):
        return search_key(value)
    return value


def sort_plan_rows(rows: list[dict], sort: str = DEFAULT_SORT, descending: bool = False) -> list[dict]:
    """Rows sorted on SORTS[sort] (an unknown sort: the default), empty values last in both directions; ties by
    région, cercle, collectivité, period, revision."""
    key = SORTS.get(sort, SORTS[DEFAULT_SORT])
    tie = sorted(rows, key=lambda r: (search_key(r["region"]), search_key(r["cercle"]),
                                      search_key(r["collectivite"]), r["debut"], r["revision"], r["plan_id"]))
    present = [r for r in tie if r[key] not in (None, "")]
    missing = [r for r in tie if r[key] in (None, "")]
    present.sort(key=lambda r: _sort_value(key, r[key]), reverse=descending)  # stable: ties keep their order
    return present + missing


# --- every table ------------------------------------------------------------------------------------------

def table(session: Session, selection: Selection, entity: str, sort: str = DEFAULT_SORT,
          descending: bool = False) -> Table:
    """One entity's table (KeyError for an unknown entity)."""
    title, columns = ENTITIES[entity]
    if entity == "plans":
        rows = sort_plan_rows(plan_rows(session, selection), sort, descending)
    elif entity == "actions":
        rows = action_rows(selection)
    elif entity == "financements":
        rows = funding_rows(selection)
    elif entity == "indicateurs":
        rows = indicator_rows(selection)
    else:
        rows = association_rows(session, selection)
    return Table(entity, title, columns, rows)


def all_tables(session: Session, selection: Selection, sort: str = DEFAULT_SORT,
               descending: bool = False) -> list[Table]:
    return [table(session, selection, entity, sort, descending) for entity in ENTITIES]


def located_actions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The action rows that may be drawn: with both coordinates, never a withheld location."""
    return [r for r in rows if not location.is_masked(r["localisation"]) and r["lon"] is not None
            and r["lat"] is not None]
