"""The reviewers' plans at national scale, selected, sorted and paged by the database over the plan summaries.

    filters = TableFilters.from_args(request.args)      # ValidationError for an unreadable « Valeur au moins »
    page = plan_page(session, filters, access.review_regions(user), sort="cout", descending=True, page=2)
    rows = plan_records(session, filters, regions)      # every matching plan (the exports), same order

Each plan's figures are its summary's (plans/planning/summary.py: written by every save, from plans.planning.finance
and plans.planning.indicators); the SQL here filters, sorts and counts them, it computes no figure. 700 plans are
a few milliseconds of SQL; nothing is loaded per plan.

Filters (the national map's query parameters, plans.maps.national.Filters, plus the table's own):
- région, cercle: the plans whose owner lies there (`plan_summary_place`: a grouping with one member there counts,
  as on the map); a reviewer attached to a région reads only that région's plans (plans.accounts.access, the same
  régions: `review_regions`);
- statut, periode (a year the plan's period covers), type (the owner's kind), secteur (plans with at least one
  action of that sector), ecart (« oui »: strong emigration and no diaspora-funded action; « non »);
- min with its indicateur: the plan's own figure (investment per inhabitant, diaspora share, emigrants per 1 000,
  actions, the execution's financial or physical rate, the diaspora's mobilised share) is at least the minimum (a
  plan without execution has no rate: left out), read by plans.maps.national.parse_minimum. The map colours each
  commune by its latest plan and, with a sector, by that sector's actions; a table of plans reads each plan's
  whole figure.
Sorts: every column of the page; empty values last in both directions; ties by région, cercle, collectivité,
period, revision, plan number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.core.formatting import number
from plans.core.vocab import SECTORS
from plans.maps import national as nm
from plans.owners.models import OWNER_KIND_LABELS, GroupingMember, OwnerKind, PlanOwner
from plans.planning.models import Action, Plan, PlanStatus
from plans.planning.summary import PlanSummary, PlanSummaryPlace
from plans.review.comments import OPEN_THREAD
from plans.review.models import PlanComment
from plans.territory.models import MALI, AdminUnit, TerritoryEdition

OWNER_KIND_PARAM, GAP_PARAM = "type", "ecart"
OWNER_KINDS = {k.value: OWNER_KIND_LABELS[k] for k in OwnerKind}
GAP_CHOICES = {"oui": "Oui : forte émigration, aucune action financée par la diaspora", "non": "Non"}
PAGE_SIZE = 50
LIST_SEPARATOR = " ; "

S, Place = PlanSummary, PlanSummaryPlace


# --- filters -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableFilters:
    """The national map's filters (same class, same query parameters: region, cercle, secteur, statut, periode,
    and min with its indicateur), the owner type (`type`) and the gap flag (`ecart`), which only the table has."""

    area: nm.Filters = field(default_factory=nm.Filters)
    indicator: str = nm.DEFAULT_INDICATOR  # the map's indicator, which its minimum ("min") applies to
    owner_kind: str = ""  # an OwnerKind value, "" for all
    gap: str = ""  # "oui", "non" or "" for all

    @classmethod
    def from_args(cls, args) -> "TableFilters":
        """From request.args; like the map's, an unknown choice is ignored (never a 500), an unreadable minimum
        raises ValidationError (plans.maps.national.parse_minimum)."""
        kind = args.get(OWNER_KIND_PARAM, "")
        indicator = args.get("indicateur", "")
        gap = args.get(GAP_PARAM, "")
        return cls(nm.Filters.from_args(args), indicator if indicator in nm.INDICATORS else nm.DEFAULT_INDICATOR,
                   kind if kind in OWNER_KINDS else "", gap if gap in GAP_CHOICES else "")

    @classmethod
    def without_minimum(cls, args) -> "TableFilters":
        """The same filters with « Valeur au moins » left out (the page that says why it was refused)."""
        return cls.from_args({k: v for k, v in args.items() if k != nm.MINIMUM_PARAM})

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
        if self.gap:
            out[GAP_PARAM] = self.gap
        return out

    def describe(self, session: Session) -> list[str]:
        """The active filters in French ("Région : Kayes"), for the workbook and the page."""
        f = self.area
        names = unit_names(session, [c for c in (f.region, f.cercle) if c])
        out = []
        if f.region:
            out.append(f"Région : {names.get(f.region, f.region)}")
        if f.cercle:
            out.append(f"Cercle : {names.get(f.cercle, f.cercle)}")
        if self.owner_kind:
            out.append(f"Type de collectivité : {OWNER_KINDS[self.owner_kind]}")
        if f.statut:
            out.append(f"Statut : {PlanStatus(f.statut).label}")
        if f.periode is not None:
            out.append(f"Période : plans couvrant {f.periode}")
        if f.secteur:
            out.append(f"Secteur : {SECTORS[f.secteur]}")
        if self.gap:
            out.append(f"{nm.INDICATORS['ecart']} : {self.gap}")
        if f.minimum is not None and self.indicator in nm.STEPS:
            out.append(f"{nm.INDICATORS[self.indicator]} : au moins {number(f.minimum, plain=True)}"
                       f"{nm.MINIMUM_SHOWN_UNITS.get(self.indicator, '')}")
        return out


MINIMUM_COLUMNS = {"investissement": S.cost_per_inhabitant, "diaspora": S.diaspora_share,
                   "emigres": S.emigrants_per_mille, "actions": S.actions,
                   "execution_financiere": S.exec_financial_rate, "execution_physique": S.exec_physical_rate,
                   "diaspora_mobilisee": S.exec_diaspora_rate}


def _in_places(column, codes_or_ids, by_code: bool):
    if by_code:
        unit = orm.aliased(AdminUnit)
        inner = sa.select(Place.plan_id).join(unit, unit.id == column).where(unit.code == codes_or_ids)
    else:
        inner = sa.select(Place.plan_id).where(column.in_(sorted(codes_or_ids)))
    return S.plan_id.in_(inner)


def conditions(filters: TableFilters, regions: Optional[set[int]]) -> list:
    """The WHERE clauses of the filters and of the reader's régions (None: every plan)."""
    f = filters.area
    out = []
    if regions is not None:
        out.append(_in_places(Place.region_id, regions or {-1}, by_code=False))
    if f.region:
        out.append(_in_places(Place.region_id, f.region, by_code=True))
    if f.cercle:
        out.append(_in_places(Place.cercle_id, f.cercle, by_code=True))
    if f.statut:
        out.append(S.status == f.statut)
    if f.periode is not None:
        out += [S.period_start <= f.periode, S.period_end >= f.periode]
    if f.secteur:
        out.append(S.plan_id.in_(sa.select(Action.plan_id).where(Action.sector == f.secteur)))
    if filters.owner_kind:
        out.append(S.owner_kind == filters.owner_kind)
    if filters.gap:
        out.append(S.gap.is_(filters.gap == "oui"))
    if f.minimum is not None and filters.indicator in MINIMUM_COLUMNS:
        out.append(MINIMUM_COLUMNS[filters.indicator] >= f.minimum)
    return out


# --- sorts ---------------------------------------------------------------------------------------------------

def _place_key(column):
    """The search key (plans/core/text.py: accents and case folded) of the first of the plan's régions or cercles."""
    unit = orm.aliased(AdminUnit)
    return (sa.select(sa.func.min(unit.search_key)).select_from(Place).join(unit, unit.id == column)
            .where(Place.plan_id == S.plan_id).correlate(S).scalar_subquery())


def _unresolved():
    return (sa.select(sa.func.count()).select_from(PlanComment)
            .where(PlanComment.plan_id == S.plan_id, OPEN_THREAD)
            .correlate(S).scalar_subquery())


def _order_of(values: list[str], column):
    return sa.case({v: i for i, v in enumerate(values)}, value=column, else_=len(values))


SORT_KEYS = ("plan", "collectivite", "type", "region", "cercle", "statut", "periode", "cout", "investissement",
             "diaspora", "emigres", "ecart", "identifie", "acquis", "promis", "a_rechercher", "non_couvert",
             "migration", "completude", "commentaires", "execution_physique", "execution_financiere",
             "diaspora_mobilisee")
DEFAULT_SORT = "region"


def sort_expression(key: str):
    return {
        "plan": sa.func.lower(Plan.title), "collectivite": sa.func.lower(PlanOwner.name),
        "type": _order_of(sorted(OWNER_KINDS, key=lambda k: OWNER_KINDS[k]), S.owner_kind),
        "region": _place_key(Place.region_id), "cercle": _place_key(Place.cercle_id),
        "statut": _order_of([s.value for s in PlanStatus], S.status), "periode": S.period_start,
        "cout": S.total_cost, "investissement": S.cost_per_inhabitant, "diaspora": S.diaspora_share,
        "emigres": S.emigrants_per_mille, "ecart": S.gap, "identifie": S.identified, "acquis": S.secured,
        "promis": S.promised, "a_rechercher": S.to_find, "non_couvert": S.not_covered,
        "migration": S.migration_actions, "completude": S.completeness_pct, "commentaires": _unresolved(),
        "execution_physique": S.exec_physical_rate, "execution_financiere": S.exec_financial_rate,
        "diaspora_mobilisee": S.exec_diaspora_rate,
    }[key if key in SORT_KEYS else DEFAULT_SORT]


def _ordering(sort: str, descending: bool) -> list:
    primary = sort_expression(sort)
    primary = (primary.desc() if descending else primary.asc()).nulls_last()
    ties = [_place_key(Place.region_id).asc().nulls_last(), _place_key(Place.cercle_id).asc().nulls_last(),
            sa.func.lower(PlanOwner.name), S.period_start, S.revision, S.plan_id]
    return [primary, *ties]


# --- the rows --------------------------------------------------------------------------------------------------

_COLUMNS = (S.plan_id, S.owner_id, S.owner_kind, S.status, S.revision, S.period_start, S.period_end, S.population,
            S.population_year, S.emigrants, S.emigrants_per_mille, S.gap, S.total_cost, S.identified, S.secured,
            S.promised, S.to_find, S.not_covered, S.excess, S.cost_per_inhabitant, S.diaspora_amount,
            S.diaspora_share, S.actions, S.diaspora_actions, S.migration_actions, S.completeness_pct, S.by_sector,
            S.exec_year, S.exec_physical_rate, S.exec_financial_rate, S.exec_mobilised_rate, S.exec_mobilised,
            S.exec_paid, S.exec_diaspora_promised, S.exec_diaspora_mobilised, S.exec_diaspora_rate)


def _query(filters: TableFilters, regions: Optional[set[int]]):
    return (sa.select(*_COLUMNS, Plan.uuid, Plan.title, Plan.updated_at, PlanOwner.name.label("owner_name"),
                      _unresolved().label("unresolved"))
            .join(Plan, Plan.id == S.plan_id).join(PlanOwner, PlanOwner.id == S.owner_id)
            .where(*conditions(filters, regions)))


def count(session: Session, filters: TableFilters, regions: Optional[set[int]]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(S).where(*conditions(filters, regions))) or 0


def plan_ids(session: Session, filters: TableFilters, regions: Optional[set[int]]) -> list[int]:
    """The matching plans' numbers, in plan order (the exports' other sheets load these plans)."""
    return list(session.scalars(sa.select(S.plan_id).where(*conditions(filters, regions)).order_by(S.plan_id)))


@dataclass
class Places:
    regions: str
    cercles: str
    pcodes: str


def places(session: Session, plan_ids_: list[int], owner_ids: list[int]) -> tuple[dict[int, Places], dict]:
    """The région(s) and cercle(s) of each plan (names, accents and case folded for the order), and the Malian
    P-codes of each owner (its unit, or its members in their order)."""
    region, cercle = orm.aliased(AdminUnit), orm.aliased(AdminUnit)
    by_plan: dict[int, tuple[dict, dict]] = {}
    if plan_ids_:
        for row in session.execute(
                sa.select(Place.plan_id, region.display_name.label("region"), region.search_key.label("rk"),
                          cercle.display_name.label("cercle"), cercle.search_key.label("ck"))
                .join(region, region.id == Place.region_id).outerjoin(cercle, cercle.id == Place.cercle_id)
                .where(Place.plan_id.in_(plan_ids_))):
            regions, cercles = by_plan.setdefault(row.plan_id, ({}, {}))
            regions[row.region] = row.rk
            if row.cercle:
                cercles[row.cercle] = row.ck
    codes: dict[int, list[str]] = {}
    if owner_ids:
        for owner_id, code in session.execute(
                sa.select(PlanOwner.id, AdminUnit.code).join(AdminUnit, AdminUnit.id == PlanOwner.unit_id)
                .where(PlanOwner.id.in_(owner_ids), AdminUnit.country_iso3 == MALI)):
            codes.setdefault(owner_id, []).append(code)
        for owner_id, code in session.execute(
                sa.select(GroupingMember.owner_id, AdminUnit.code)
                .join(AdminUnit, AdminUnit.id == GroupingMember.unit_id)
                .where(GroupingMember.owner_id.in_(owner_ids), AdminUnit.country_iso3 == MALI)
                .order_by(GroupingMember.id)):
            codes.setdefault(owner_id, []).append(code)

    def joined(names: dict) -> str:
        return LIST_SEPARATOR.join(sorted(names, key=lambda n: names[n]))

    return ({pid: Places(joined(r), joined(c), "") for pid, (r, c) in by_plan.items()},
            {oid: " ".join(c) for oid, c in codes.items()})


def _day(value: Optional[datetime]):
    return value.date() if isinstance(value, datetime) else value


def _pct(value) -> Optional[Decimal]:
    return Decimal(value) if value is not None else None


def _rows(session: Session, result, secteur: str) -> list[dict[str, Any]]:
    records = list(result)
    place, pcodes = places(session, [r.plan_id for r in records], sorted({r.owner_id for r in records}))
    rows = []
    for r in records:
        status = PlanStatus(r.status)
        kind = OwnerKind(r.owner_kind)
        where = place.get(r.plan_id, Places("", "", ""))
        sector = (r.by_sector or {}).get(secteur) if secteur else None
        rows.append({
            "plan_uuid": r.uuid, "revision": r.revision or 1, "plan_id": r.plan_id, "titre": r.title,
            "collectivite_id": r.owner_id, "collectivite": r.owner_name, "type_collectivite": kind.value,
            "type_collectivite_libelle": kind.label, "region": where.regions, "cercle": where.cercles,
            "pcodes": pcodes.get(r.owner_id, ""), "statut": status.value, "statut_libelle": status.label,
            "debut": r.period_start, "fin": r.period_end, "population": r.population,
            "annee_population": r.population_year, "emigres": r.emigrants,
            "emigres_pour_1000": Decimal(r.emigrants_per_mille) if r.emigrants_per_mille is not None else None,
            "ecart": r.gap, "cout_total_fcfa": r.total_cost, "finance_fcfa": r.identified,
            "non_couvert_fcfa": r.not_covered, "excedent_fcfa": r.excess, "acquis_fcfa": r.secured,
            "promis_fcfa": r.promised, "a_rechercher_fcfa": r.to_find,
            "investissement_par_habitant_fcfa": r.cost_per_inhabitant, "apport_diaspora_fcfa": r.diaspora_amount,
            "part_diaspora_pct": Decimal(r.diaspora_share), "nb_actions": r.actions,
            "nb_actions_diaspora": r.diaspora_actions, "nb_actions_migration": r.migration_actions,
            "cout_secteur_fcfa": (sector[1] if sector else 0) if secteur else None,
            "completude_pct": r.completeness_pct, "commentaires_non_resolus": r.unresolved or 0,
            "mise_a_jour": _day(r.updated_at),
            # The execution (summary's exec_* columns, plans/execution/figures.py): None without any record.
            "annee_execution": r.exec_year, "execution_physique_pct": _pct(r.exec_physical_rate),
            "execution_financiere_pct": _pct(r.exec_financial_rate), "mobilise_fcfa": r.exec_mobilised,
            "mobilise_pct": _pct(r.exec_mobilised_rate), "paye_fcfa": r.exec_paid,
            "diaspora_promis_fcfa": r.exec_diaspora_promised, "diaspora_mobilise_fcfa": r.exec_diaspora_mobilised,
            "diaspora_mobilise_pct": _pct(r.exec_diaspora_rate),
        })
    return rows


def plan_records(session: Session, filters: TableFilters, regions: Optional[set[int]], sort: str = DEFAULT_SORT,
                 descending: bool = False) -> list[dict[str, Any]]:
    """Every matching plan's row (the page's columns and the exports'), sorted."""
    query = _query(filters, regions).order_by(*_ordering(sort, descending))
    return _rows(session, session.execute(query), filters.area.secteur)


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int  # matching plans
    number: int  # 1-based
    size: int

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)

    def window(self, around: int = 2) -> list[Optional[int]]:
        """Page numbers to link: the first, the last and those around the current one; None marks a gap."""
        wanted = sorted({1, self.count, *range(max(1, self.number - around), min(self.count, self.number + around)
                                                + 1)})
        out: list[Optional[int]] = []
        for n in wanted:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def parse_page(text: str | None) -> int:
    """A page number from the query string: a positive whole number, else 1 (a hand-edited URL, never a 500)."""
    text = (text or "").strip()
    return int(text) if text.isdecimal() and 0 < len(text) <= 6 and int(text) > 0 else 1


def plan_page(session: Session, filters: TableFilters, regions: Optional[set[int]], sort: str = DEFAULT_SORT,
              descending: bool = False, page: int = 1, size: Optional[int] = None) -> Page:
    """One page of the matching plans, sorted by the database (a page past the last shows the last)."""
    size = size or PAGE_SIZE
    total = count(session, filters, regions)
    last_page = max(1, -(-total // size))
    page = min(max(page, 1), last_page)
    query = _query(filters, regions).order_by(*_ordering(sort, descending)).limit(size).offset((page - 1) * size)
    return Page(_rows(session, session.execute(query), filters.area.secteur), total, page, size)


# --- the filter form's choices ---------------------------------------------------------------------------------

def unit_names(session: Session, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(sa.select(AdminUnit.code, AdminUnit.display_name)
                                .join(TerritoryEdition, TerritoryEdition.id == AdminUnit.edition_id)
                                .where(AdminUnit.code.in_(codes), AdminUnit.country_iso3 == MALI,
                                       TerritoryEdition.is_current)).all())


@dataclass
class Choices:
    region: list[tuple[str, str]]
    cercle: list[tuple[str, str]]  # the chosen région's cercles (all without a région)
    cercles_by_region: dict[str, list[tuple[str, str]]]  # every région's cercles (the form's script)
    secteur: list[tuple[str, str]]
    statut: list[tuple[str, str]]
    periode: list[tuple[str, str]]

    def __getitem__(self, name: str):  # templates/_filters.html reads choices[field]
        return getattr(self, name)


def filter_choices(session: Session, region_code: str = "", edition_key: str | None = None) -> Choices:
    """The régions and cercles of the edition `edition_key` (None: the current one), by name, the sectors, statuses
    and the years the plans cover. Without JavaScript the cercle list is the chosen région's (the server filters it
    once the form is sent); the form's script filters it as soon as the région changes
    (app/static/js/cercle_choices.js)."""
    edition = TerritoryEdition.key == edition_key if edition_key else TerritoryEdition.is_current
    units = session.execute(
        sa.select(AdminUnit.id, AdminUnit.code, AdminUnit.display_name.label("name"), AdminUnit.level,
                  AdminUnit.parent_id, AdminUnit.search_key)
        .join(TerritoryEdition, TerritoryEdition.id == AdminUnit.edition_id)
        .where(AdminUnit.country_iso3 == MALI, AdminUnit.level.in_((1, 2)), edition)
        .order_by(AdminUnit.search_key)).all()
    regions = [u for u in units if u.level == 1]
    code_of = {u.id: u.code for u in regions}
    by_region: dict[str, list[tuple[str, str]]] = {u.code: [] for u in regions}
    for u in units:
        if u.level == 2 and u.parent_id in code_of:
            by_region[code_of[u.parent_id]].append((u.code, u.name))
    cercles = by_region[region_code] if region_code in by_region else \
        [(u.code, u.name) for u in units if u.level == 2 and u.parent_id in code_of]
    low, high = session.execute(sa.select(sa.func.min(S.period_start), sa.func.max(S.period_end))).one()
    years = list(range(low, high + 1)) if low is not None and high is not None and high - low < 100 else []
    return Choices(region=[(u.code, u.name) for u in regions], cercle=cercles, cercles_by_region=by_region,
                   secteur=list(SECTORS.items()), statut=[(s.value, s.label) for s in PlanStatus],
                   periode=[(str(y), str(y)) for y in years])
