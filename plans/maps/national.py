"""The national map for DGCT reviewers: one indicator per commune, from every plan, with its table twin.

    base = national_base(session)                   # every plan's figures, in a few batch queries (cached)
    view = national_view(base, Filters(region="ML01"), indicator="diaspora")
    layer = communes_layer(session)                 # the communes' GeoJSON (a str), built once (cached)
    frames = territory_frames(session)              # régions and cercles: names, label points, bounds (cached)
    area_bounds(frames, filters)                    # where the map zooms for a chosen région / cercle
    actions_at(plan, lat, lon)                      # what a click on an action shows: cost, funding lines

Indicators (per commune, from its LATEST plan matching the filters: the greatest period_start, then revision, then
id; the others are listed so a click offers them all):
- "statut": the plan's status (categorical);
- "actions": the number of PIP actions;
- "investissement": planned investment (Σ action totals, plans.planning.finance) per inhabitant of the plan's latest
  population record (plans.planning.indicators: latest_record, per_inhabitant); None without a population;
- "diaspora": the diaspora's share of the cost, plans.planning.finance.share_of(Σ diaspora amounts, Σ totals), i.e. the
  plan's PlanFinance.diaspora_share when no sector is chosen (TC1 Koniakary: 9,69 %);
- "emigres": emigrants (migration profile, emigrants_total) per 1 000 inhabitants (indicators.per_thousand);
- "ecart": the gap flag, indicators.emigration_gap: emigration ≥ STRONG_EMIGRATION_PER_MILLE ‰ but no
  diaspora-funded action (indicators' rule) among the actions counted;
- "execution_financiere", "execution_physique", "diaspora_mobilisee": the execution's financial rate (paid ÷ planned
  cost), physical rate (progress weighted by cost) and the diaspora's mobilised share (mobilised ÷ promised),
  plans/execution/figures.py's `plan_execution` at the end of the latest year with an execution record, money and
  progress cumulated through it (the summary's exec_* columns, plans/execution/desk_summary.py). A plan without any
  record has no value: no colour, « — », and the legend says why (never 0 %).
A sector filter restricts the actions counted (actions, investment, diaspora share, gap flag, the execution's
physical and financial rates: figures' by_sector groups) to that sector; the diaspora's mobilised share stays the
whole plan's (the execution's figures hold no diaspora total per sector).

Every figure comes from the plans' summaries (plans/planning/summary.py: one row per plan, written in the
transaction of each save from plans.planning.finance and plans.planning.indicators): the whole plan's figures as
stored; with a sector filter, that sector's (actions, cost, diaspora amount) stored beside them, read through the
same rules (indicators.per_inhabitant, finance.share_of, indicators.emigration_gap). Batch: one query per table
(summaries with their plan's title, owners, members, units): no query per plan, no action loaded.

Groupings (syndicats, GLCT…): their plans do NOT count in their member communes' indicators (the commune's own
plan and the grouping's plan are different budgets; adding them would double-count a commune in two plans).
They are drawn separately, as an outline of the grouping's territory (PlanOwner.geometry_cache, simplified), and
listed in the table as their own rows. A région/cercle filter keeps a grouping with at least one member there.
Plans of a conseil de cercle or régional are listed in the table (their own rows), not shaded.

Caching: `national_base` is cached per database; each request compares two fingerprints (a few queries of counts
and latest values). The frame's (`frame_fingerprint`: owners, grouping members, official names) changing reloads
everything from the summaries (`load_base`). The summaries' (`summaries_fingerprint`: their count, the sum of their
generations, the latest refresh, the plans' count and greatest id) changing alone reloads only what changed
(`reload_base`): one query of every summary's (generation, refreshed_at), then the rows of the plans whose pair
differs or which are new, the plans gone dropped; the units, owners and the other plans' entries are the previous
base's, shared and never changed (more than half the plans changed: everything is read again). So the first
request after one plan's save reads one row, and recomputes no plan.
`communes_layer` is cached per database and territory edition, and rebuilt when an official name is set. Names come
from `AdminUnit.display_name`.
"""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import Any, Optional

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.core import pool
from plans.core.errors import ValidationError
from plans.core.formatting import fcfa, number, percent
from plans.core.vocab import SECTORS
from plans.execution import figures as execution_figures
from plans.maps import sector_colour
from plans.maps.plan_map import map_actions
from plans.owners.models import GroupingMember, OwnerKind, PlanOwner
from plans.planning import finance, indicators
from plans.planning.models import Plan, PlanStatus
from plans.planning.summary import PlanSummary
from plans.territory.models import MALI, AdminUnit, TerritoryEdition

RECOMPUTE = "carte-nationale"  # the kind of work of plans/core/pool.py
GAP_THRESHOLD_PER_MILLE = indicators.STRONG_EMIGRATION_PER_MILLE  # the legend's threshold (the rule is indicators')
COORD_DECIMALS = 3  # ~110 m: the communes layer and grouping outlines, already simplified at 0.0035° (~390 m,
#                     plans/territory/edition_files.py SIMPLIFY_TOLERANCE): a finer grid adds bytes, not shape
POINT_DECIMALS = 3  # ~110 m: the clustered actions of a national view (a third lighter than 4)
POINT_SCALE = 10 ** POINT_DECIMALS
GROUPING_SIMPLIFY = 0.005  # degrees, grouping outlines (unions of full-resolution members)

INDICATORS: dict[str, str] = {
    "investissement": "Investissement prévu par habitant",
    "diaspora": "Part de la diaspora dans le financement",
    "emigres": "Émigrés pour 1 000 habitants",
    "ecart": "Forte émigration sans action financée par la diaspora",
    "actions": "Nombre d'actions",
    "statut": "Statut du plan",
    "execution_financiere": "Exécution financière (payé ÷ coût prévu)",
    "execution_physique": "Exécution physique (avancement pondéré par le coût)",
    "diaspora_mobilisee": "Diaspora : part mobilisée de ses promesses",
}
EXECUTION_INDICATORS = ("execution_financiere", "execution_physique", "diaspora_mobilisee")
EXECUTION_NOTE = ("Exécution cumulée jusqu'à la fin de la dernière année saisie pour chaque plan (l'année figure "
                  "dans le tableau et au survol). Sans exécution saisie, la commune reste sans couleur : ce n'est "
                  "pas 0 %.")
DEFAULT_INDICATOR = "investissement"

# Fixed steps (not quantiles) so that two filtered views compare: a colour means the same value everywhere.
STEP_COLOURS = ["#ffffcc", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"]
STEPS: dict[str, list[float]] = {  # lower bounds of classes 2…6
    "investissement": [10_000, 25_000, 50_000, 100_000, 250_000],
    "diaspora": [1, 5, 10, 20, 35],
    "emigres": [25, 50, 100, 200, 400],
    "actions": [5, 10, 20, 40, 80],
    "execution_financiere": [10, 25, 50, 75, 90],
    "execution_physique": [10, 25, 50, 75, 90],
    "diaspora_mobilisee": [10, 25, 50, 75, 90],
}
STATUS_COLOURS = {"brouillon": "#d9d9d9", "soumis": "#9ecae1", "en_revue": "#fdd0a2", "a_reviser": "#fc8d59",
                  "valide": "#74c476", "adopte": "#238b45"}
GAP_COLOURS = {"oui": "#d7301f", "non": "#c6dbef"}
NO_DATA_COLOUR = "#f0f0f0"  # a commune without a plan, or without the data the indicator needs
NO_PLAN_LABEL = "pas de plan pour ces filtres"
NO_DATA_LABEL = "pas de plan ou donnée manquante"
NO_EXECUTION_LABELS = {
    "execution_financiere": "pas d'exécution saisie (ou pas de plan)",
    "execution_physique": "pas d'exécution saisie (ou pas de plan)",
    "diaspora_mobilisee": "pas d'exécution saisie, aucune promesse de la diaspora, ou pas de plan",
}


# --- the filters ----------------------------------------------------------------------------------------------

MINIMUM_PARAM = "min"
# The unit a value of each numeric indicator may be typed with (« 20 % », « 150 ‰ », « 25 000 FCFA »).
MINIMUM_UNITS: dict[str, tuple[str, ...]] = {"investissement": ("fcfa", "f cfa"), "diaspora": ("%",),
                                              "emigres": ("‰", "pour mille", "pour 1000", "pour 1 000"),
                                              "actions": (), **{k: ("%",) for k in EXECUTION_INDICATORS}}
_MINIMUM_NUMBER = re.compile(r"[0-9]{1,16}(?:[.,][0-9]{1,6})?|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3}){1,5}"
                             r"(?:[.,][0-9]{1,6})?")
MINIMUM_EXAMPLES = "par exemple 20, 20 % ou 20,5"
MINIMUM_SHOWN_UNITS = {"investissement": "\u00a0FCFA", "diaspora": "\u00a0%", "emigres": "\u00a0‰", "actions": "",
                       **{k: "\u00a0%" for k in EXECUTION_INDICATORS}}


def parse_minimum(text: str, indicator: str = DEFAULT_INDICATOR) -> Optional[Decimal]:
    """« Valeur au moins » as typed, for the map and the dashboard alike: "" → None (no minimum); "20", "20,5",
    "20.5", "1 000" (spaces as thousands separators), each optionally followed by the indicator's unit ("20 %" for
    the diaspora share, "150 ‰" for emigrants, "25 000 FCFA" for investment). Anything else — words, a negative or
    huge number, another indicator's unit, a minimum on the status or the gap flag (they have no value) — raises
    ValidationError with a French message under "min"."""
    typed = (text or "").strip()
    if not typed:
        return None
    if len(typed) > 40:
        raise ValidationError({MINIMUM_PARAM: ["La valeur minimale est trop longue : un nombre suffit "
                                               f"({MINIMUM_EXAMPLES})."]})
    if indicator not in STEPS:
        raise ValidationError({MINIMUM_PARAM: [f"L'indicateur « {INDICATORS.get(indicator, indicator)} » n'a pas de "
                                               "valeur minimale : choisissez un indicateur chiffré ou videz le champ "
                                               "« Valeur au moins »."]})
    lowered = " ".join(typed.lower().replace("\u00a0", " ").replace("\u202f", " ").split())
    number_part, unit = lowered, ""
    for candidate in sorted({u for units in MINIMUM_UNITS.values() for u in units}, key=len, reverse=True):
        if lowered.endswith(candidate):
            number_part, unit = lowered[:-len(candidate)].rstrip(), candidate
            break
    if number_part.startswith("-"):
        raise ValidationError({MINIMUM_PARAM: [f"« {typed} » : la valeur minimale ne peut pas être négative."]})
    if not _MINIMUM_NUMBER.fullmatch(number_part):
        raise ValidationError({MINIMUM_PARAM: [f"« {typed} » n'est pas un nombre lisible "
                                               f"({MINIMUM_EXAMPLES})."]})
    if unit and unit not in MINIMUM_UNITS[indicator]:
        expected = MINIMUM_UNITS[indicator]
        hint = f" ; cet indicateur se compte en {expected[0].upper() if expected[0] == 'fcfa' else expected[0]}" \
            if expected else " ; cet indicateur est un nombre, sans unité"
        raise ValidationError({MINIMUM_PARAM: [f"« {typed} » : l'unité ne convient pas à « {INDICATORS[indicator]} »"
                                               f"{hint}."]})
    return Decimal(number_part.replace(" ", "").replace(",", "."))


@dataclass(frozen=True)
class Filters:
    region: str = ""  # région P-code
    cercle: str = ""  # cercle P-code
    secteur: str = ""  # SECTORS key
    statut: str = ""  # PlanStatus value
    periode: Optional[int] = None  # a year the plan's period covers
    minimum: Optional[Decimal] = None  # keep the rows whose (numeric) indicator is at least this ("min")

    @classmethod
    def from_args(cls, args) -> "Filters":
        """From request.args. An unknown choice is ignored (a hand-edited URL shows everything, never a 500); a
        minimum that cannot be read is refused: ValidationError (parse_minimum), which the pages show as a 400."""
        statut = args.get("statut", "")
        secteur = args.get("secteur", "")
        periode = args.get("periode", "")
        indicator = args.get("indicateur", DEFAULT_INDICATOR)
        return cls(region=args.get("region", "")[:20], cercle=args.get("cercle", "")[:20],
                   secteur=secteur if secteur in SECTORS else "",
                   statut=statut if statut in {s.value for s in PlanStatus} else "",
                   periode=int(periode) if periode.isdecimal() and len(periode) == 4 and 1900 < int(periode) < 2200
                   else None,
                   minimum=parse_minimum(args.get(MINIMUM_PARAM, ""),
                                         indicator if indicator in INDICATORS else DEFAULT_INDICATOR))

    def key(self) -> tuple:
        return (self.region, self.cercle, self.secteur, self.statut, self.periode, self.minimum)


# --- the base data: every plan's figures, batch-loaded --------------------------------------------------------

@dataclass
class UnitInfo:
    id: int
    code: str
    name: str
    level: int
    parent_id: Optional[int]


@dataclass
class PlanInfo:
    id: int
    title: str
    status: str
    period_start: int
    period_end: int
    revision: int
    owner_id: int
    population: Optional[int]
    population_year: Optional[int]
    emigrants: Optional[int]
    # The whole plan's figures, as its summary stores them (plans/planning/summary.py: from finance and indicators)
    actions: int = 0
    total: int = 0
    diaspora_amount: int = 0
    investment_per_inhabitant: Optional[int] = None
    diaspora_share: Optional[Decimal] = None
    emigrants_per_mille: Optional[Decimal] = None
    gap: Optional[bool] = None
    # per sector: (actions, total cost, diaspora amount), Σ of finance.action_figures over the sector's actions
    sectors: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # the execution (summary's exec_* columns; None without any record): the year, the rates, and per sector
    # [planned, mobilised, paid, Σ cost × progress] (figures' by_sector groups)
    exec_year: Optional[int] = None
    exec_physical_rate: Optional[Decimal] = None
    exec_financial_rate: Optional[Decimal] = None
    exec_diaspora_rate: Optional[Decimal] = None
    exec_sectors: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class OwnerInfo:
    id: int
    kind: OwnerKind
    name: str
    unit_id: Optional[int]
    member_unit_ids: list[int] = field(default_factory=list)
    outline: Optional[dict] = None  # GeoJSON geometry (groupings), simplified and rounded


Point = tuple[int, str, float, float, bool]  # (plan_id, sector, lat, lon, diaspora)


@dataclass(frozen=True)
class PlanEntry:
    """One plan of a base as its summary row gave it: the row's version (generation, refreshed_at), its PlanInfo
    and its located actions. Never changed once built: a reload replaces the entries of the plans that changed."""
    version: tuple
    info: PlanInfo
    points: tuple[Point, ...]
    # the same points as `points_document` writes them: (lat, lon in 1/POINT_SCALE degrees, sector, its index in
    # SECTORS or -1, diaspora 0/1), scaled once when the row is read rather than at each view's document
    scaled: tuple[tuple[int, int, str, int, int], ...] = ()


@dataclass
class NationalBase:
    fingerprint: tuple
    units: dict[int, UnitInfo]
    owners: dict[int, OwnerInfo]
    plans: list[PlanInfo]  # by plan id
    # located actions, masked ones excluded, in plan id order: (plan_id, sector, lat, lon, diaspora)
    points: list[Point]
    frame: tuple = ()  # frame_fingerprint's part of `fingerprint`: a change of it reloads everything
    entries: dict[int, PlanEntry] = field(default_factory=dict)  # by plan id: what `plans` and `points` are made of
    outlined: frozenset[int] = frozenset()  # the groupings whose outline was read (those with a plan, when read)

    def region_of(self, unit_id: Optional[int]) -> Optional[UnitInfo]:
        unit = self.units.get(unit_id) if unit_id is not None else None
        while unit is not None and unit.level > 1:
            unit = self.units.get(unit.parent_id) if unit.parent_id is not None else None
        return unit

    def cercle_of(self, unit_id: Optional[int]) -> Optional[UnitInfo]:
        unit = self.units.get(unit_id) if unit_id is not None else None
        while unit is not None and unit.level > 2:
            unit = self.units.get(unit.parent_id) if unit.parent_id is not None else None
        return unit if unit is not None and unit.level == 2 else None

    def owner_unit_ids(self, owner: OwnerInfo) -> list[int]:
        return [owner.unit_id] if owner.unit_id is not None else list(owner.member_unit_ids)


def _count_max(model, column):
    return sa.select(sa.func.count(), sa.func.max(column)).select_from(model)


def frame_fingerprint(session: Session) -> tuple:
    """Changes when what every plan's row is read against changes: an owner (its name, unit, outline: its
    updated_at), a grouping's members, an official name. A change here reloads the whole base."""
    row: list = []
    for model, column in ((PlanOwner, PlanOwner.updated_at), (GroupingMember, GroupingMember.id),
                          (AdminUnit, AdminUnit.official_name_set_at)):
        row.extend(session.execute(_count_max(model, column)).one())
    return tuple(str(v) for v in row)


def summaries_fingerprint(session: Session) -> tuple:
    """Changes whenever a plan's summary is written (every save that changes a plan refreshes it, in its own
    transaction: plans/planning/summary.py) or a plan is added or removed. A change here reloads the rows of the
    plans whose summary changed (`reload_base`)."""
    row = list(session.execute(sa.select(sa.func.count(), sa.func.sum(PlanSummary.generation),
                                         sa.func.max(PlanSummary.refreshed_at))).one())
    row.extend(session.execute(_count_max(Plan, Plan.id)).one())
    return tuple(str(v) for v in row)


def data_fingerprint(session: Session) -> tuple:
    """The base's whole fingerprint: the frame's, then the summaries'."""
    return frame_fingerprint(session) + summaries_fingerprint(session)


_S = PlanSummary
_PLAN_COLUMNS = (_S.plan_id, _S.generation, _S.refreshed_at, Plan.title, _S.status, _S.period_start, _S.period_end,
                 _S.revision, _S.owner_id, _S.population, _S.population_year, _S.emigrants, _S.actions,
                 _S.total_cost, _S.diaspora_amount, _S.cost_per_inhabitant, _S.diaspora_share,
                 _S.emigrants_per_mille, _S.gap, _S.by_sector, _S.points, _S.exec_year, _S.exec_physical_rate,
                 _S.exec_financial_rate, _S.exec_diaspora_rate, _S.exec_by_sector)
_SECTOR_INDEX = {s: i for i, s in enumerate(SECTORS)}  # a point's sector as `points_document` numbers it
_IN_BATCH = 500  # plan ids per IN (…) list: far below SQLite's and PostgreSQL's limits on parameters


def _plan_entries(session: Session, plan_ids: Optional[list[int]] = None) -> dict[int, PlanEntry]:
    """The summaries of these plans (None: all) with their plan's title, as PlanEntry by plan id."""
    query = sa.select(*_PLAN_COLUMNS).join(Plan, Plan.id == _S.plan_id).order_by(_S.plan_id)
    if plan_ids is None:
        rows = session.execute(query).all()
    else:
        rows = [r for i in range(0, len(plan_ids), _IN_BATCH)
                for r in session.execute(query.where(_S.plan_id.in_(plan_ids[i:i + _IN_BATCH])))]
    entries: dict[int, PlanEntry] = {}
    for r in rows:
        pop = r.population if r.population and r.population > 0 else None
        info = PlanInfo(
            r.plan_id, r.title, r.status, r.period_start, r.period_end, r.revision or 1, r.owner_id, pop,
            r.population_year, r.emigrants, actions=r.actions, total=r.total_cost, diaspora_amount=r.diaspora_amount,
            investment_per_inhabitant=r.cost_per_inhabitant,
            diaspora_share=Decimal(r.diaspora_share) if r.total_cost else None,
            emigrants_per_mille=Decimal(r.emigrants_per_mille) if r.emigrants_per_mille is not None else None,
            gap=r.gap, sectors={k: tuple(v) for k, v in (r.by_sector or {}).items()},
            exec_year=r.exec_year, exec_physical_rate=_decimal(r.exec_physical_rate),
            exec_financial_rate=_decimal(r.exec_financial_rate), exec_diaspora_rate=_decimal(r.exec_diaspora_rate),
            exec_sectors=dict(r.exec_by_sector or {}))
        points = tuple((r.plan_id, sector, round(lat, POINT_DECIMALS), round(lon, POINT_DECIMALS), bool(diaspora))
                       for sector, lat, lon, diaspora in r.points or ())
        scaled = tuple((round(lat * POINT_SCALE), round(lon * POINT_SCALE), sector, _SECTOR_INDEX.get(sector, -1),
                        1 if diaspora else 0) for _, sector, lat, lon, diaspora in points)
        entries[r.plan_id] = PlanEntry(_version(r.generation, r.refreshed_at), info, points, scaled)
    return entries


def _version(generation, refreshed_at) -> tuple:
    """A summary row's version. The time too: SQLite may give a deleted plan's id to the next plan, whose new row
    starts again at generation 1."""
    return (generation, str(refreshed_at))


def _outlines(session: Session, owners: dict[int, OwnerInfo], owner_ids: set[int]) -> dict[int, dict]:
    """The simplified, rounded outlines (GeoJSON geometries) of these groupings that have one."""
    out: dict[int, dict] = {}
    if owner_ids:
        for owner_id, wkb in session.execute(sa.select(PlanOwner.id, PlanOwner.geometry_cache)
                                             .where(PlanOwner.id.in_(sorted(owner_ids)))):
            if wkb and owner_id in owners:
                geom = shapely.from_wkb(wkb).simplify(GROUPING_SIMPLIFY)
                geom = shapely.transform(geom, lambda c: c.round(COORD_DECIMALS))
                out[owner_id] = shapely.geometry.mapping(geom)
    return out


def _planned_groupings(owners: dict[int, OwnerInfo], plans) -> set[int]:
    return {p.owner_id for p in plans if (o := owners.get(p.owner_id)) is not None and o.kind.is_grouping}


def _assembled(fingerprint: tuple, frame: tuple, units: dict[int, UnitInfo], owners: dict[int, OwnerInfo],
               entries: dict[int, PlanEntry], outlined: frozenset[int]) -> NationalBase:
    ordered = [entries[i] for i in sorted(entries)]
    return NationalBase(fingerprint, units, owners, [e.info for e in ordered],
                        list(chain.from_iterable(e.points for e in ordered)), frame, entries, outlined)


def load_base(session: Session, fingerprint: tuple = (), frame: tuple = ()) -> NationalBase:
    """Every plan's figures from the plan summaries, in a fixed number of queries (no query per plan, no action
    loaded: each summary holds its plan's figures and located actions)."""
    units = {u.id: UnitInfo(u.id, u.code, u.name, u.level, u.parent_id) for u in session.execute(
        sa.select(AdminUnit.id, AdminUnit.code, AdminUnit.display_name.label("name"), AdminUnit.level,
                  AdminUnit.parent_id).where(AdminUnit.country_iso3 == MALI))}
    owners = {o.id: OwnerInfo(o.id, o.kind, o.name, o.unit_id) for o in session.execute(
        sa.select(PlanOwner.id, PlanOwner.kind, PlanOwner.name, PlanOwner.unit_id))}
    for owner_id, unit_id in session.execute(sa.select(GroupingMember.owner_id, GroupingMember.unit_id)
                                             .order_by(GroupingMember.id)):
        if owner_id in owners:
            owners[owner_id].member_unit_ids.append(unit_id)
    entries = _plan_entries(session)
    wanted = _planned_groupings(owners, (e.info for e in entries.values()))
    for owner_id, outline in _outlines(session, owners, wanted).items():
        owners[owner_id].outline = outline
    return _assembled(fingerprint, frame, units, owners, entries, frozenset(wanted))


def reload_base(session: Session, previous: NationalBase, fingerprint: tuple = (), frame: tuple = ()) -> NationalBase:
    """A new base after saves that changed plan summaries only (the same frame): one query of every summary's
    version, then the rows of the plans whose version differs or which are new; the plans gone are dropped. The
    units, owners and the other plans' entries are `previous`'s, shared, never changed (another thread may be
    reading it). When more than half the plans changed, every row is read again (`load_base`)."""
    versions = {plan_id: _version(generation, refreshed_at) for plan_id, generation, refreshed_at in session.execute(
        sa.select(_S.plan_id, _S.generation, _S.refreshed_at))}
    changed = sorted(i for i, v in versions.items() if (e := previous.entries.get(i)) is None or e.version != v)
    if len(changed) > len(versions) // 2:
        return load_base(session, fingerprint, frame)
    entries = {i: e for i, e in previous.entries.items() if i in versions and i not in changed}
    fresh = _plan_entries(session, changed)
    entries.update(fresh)
    owners, outlined = previous.owners, previous.outlined
    wanted = _planned_groupings(owners, (e.info for e in fresh.values())) - outlined
    if wanted:  # a grouping's first plan: its outline, on a copy of its OwnerInfo
        owners = dict(owners)
        for owner_id, outline in _outlines(session, owners, wanted).items():
            owners[owner_id] = dataclasses.replace(owners[owner_id], outline=outline)
        outlined = outlined | wanted
    return _assembled(fingerprint, frame, previous.units, owners, entries, outlined)


def _decimal(value) -> Optional[Decimal]:
    return Decimal(value) if value is not None else None


_CACHE_LOCK = threading.Lock()
_BASES: dict[str, NationalBase] = {}
_LAYERS: dict[str, tuple[tuple, "CommunesLayer"]] = {}


def _db_key(session: Session) -> str:
    return str(session.get_bind().url)


def national_base(session: Session) -> NationalBase:
    """The cached base for this database, reloaded when its fingerprint changed: only the plans whose summary
    changed when the frame is the same (`reload_base`), everything otherwise (`load_base`). A reload runs one at a
    time on the server (plans/core/pool.py, "carte-nationale"); while another runs, the base this process already
    has is served as it is (the next request after that reload gets the new one), and a process without one waits
    for its turn (pool.Busy, a 503, if none comes)."""
    key = _db_key(session)
    frame = frame_fingerprint(session)
    fp = frame + summaries_fingerprint(session)
    base = _BASES.get(key)
    if base is not None and base.fingerprint == fp:
        return base
    try:
        with pool.slot(RECOMPUTE, wait=0 if base is not None else None):
            if base is not None and base.frame == frame:
                fresh = reload_base(session, base, fp, frame)
            else:
                fresh = load_base(session, fp, frame)
    except pool.Busy:
        if base is None:
            raise
        return base
    with _CACHE_LOCK:
        _BASES[key] = fresh
    return fresh


def clear_caches() -> None:
    with _CACHE_LOCK:
        _BASES.clear()
        _LAYERS.clear()
        _VIEWS.clear()
        _FRAMES.clear()


# --- one view: filters + indicator → values per commune, groupings, table rows --------------------------------

@dataclass
class Row:
    """One line of the table twin: a commune (its latest plan) or a grouping/cercle/région's plan."""
    kind: str  # "commune" | "groupement" | "collectivite"
    code: str  # commune P-code ("" for the others)
    name: str
    cercle: str
    region: str
    plan_id: int
    plan_title: str
    period: str
    status: str
    status_label: str
    actions: int
    total: int
    population: Optional[int]
    investment_per_inhabitant: Optional[int]
    diaspora_share: Optional[Decimal]
    emigrants_per_mille: Optional[Decimal]
    gap: Optional[bool]
    plans: list[tuple[int, str]]  # every matching plan of the territory, latest first: (id, "title (period)")
    owner_id: int = 0
    # the execution at the end of exec_year (None: no execution recorded)
    exec_year: Optional[int] = None
    physical_rate: Optional[Decimal] = None
    financial_rate: Optional[Decimal] = None
    diaspora_mobilised_rate: Optional[Decimal] = None
    _texts: Optional[dict[str, str]] = field(default=None, init=False, repr=False, compare=False)

    def value(self, indicator: str):
        return {"investissement": self.investment_per_inhabitant, "diaspora": self.diaspora_share,
                "emigres": self.emigrants_per_mille, "actions": self.actions, "statut": self.status,
                "ecart": None if self.gap is None else ("oui" if self.gap else "non"),
                "execution_financiere": self.financial_rate, "execution_physique": self.physical_rate,
                "diaspora_mobilisee": self.diaspora_mobilised_rate}[indicator]

    def texts(self) -> dict[str, str]:
        """Every indicator as French text (formatted once here, for the page, the JSON and the tooltip), computed at
        the first call (the JSON asks twice: the row and the commune's tooltip); the row is not changed after."""
        if self._texts is None:
            self._texts = self._formatted()
        return self._texts

    def _formatted(self) -> dict[str, str]:
        return {
            "investissement": fcfa(self.investment_per_inhabitant) if self.investment_per_inhabitant is not None
            else "—",
            "diaspora": percent(self.diaspora_share, 2) if self.diaspora_share is not None else "—",
            "emigres": (number(self.emigrants_per_mille, 1) + " ‰") if self.emigrants_per_mille is not None else "—",
            "actions": number(self.actions),
            "statut": self.status_label,
            "ecart": "—" if self.gap is None else ("Oui" if self.gap else "Non"),
            "total": fcfa(self.total),
            "execution_annee": str(self.exec_year) if self.exec_year is not None else "—",
            **{k: percent(self.value(k), 2) if self.value(k) is not None else "—" for k in EXECUTION_INDICATORS},
        }

    def map_text(self, indicator: str) -> str:
        """The indicator's text where the map shows it (the commune's or grouping's tooltip): an execution's
        rate says its year."""
        text = self.texts()[indicator]
        if indicator in EXECUTION_INDICATORS and self.exec_year is not None and self.value(indicator) is not None:
            return f"{text} (fin {self.exec_year})"
        return text


def _row(base: NationalBase, kind: str, unit: Optional[UnitInfo], owner: OwnerInfo, plans: list[PlanInfo],
         secteur: str) -> Row:
    plan = plans[0]
    pop = plan.population
    if not secteur:  # the whole plan: its summary's figures as stored
        count, total = plan.actions, plan.total
        per_inhabitant, share, gap = plan.investment_per_inhabitant, plan.diaspora_share, plan.gap
    else:  # that sector's actions only, through the same rules (indicators, finance.share_of)
        count, total, diaspora = plan.sectors.get(secteur, (0, 0, 0))
        per_inhabitant = indicators.per_inhabitant(total, pop)
        share = finance.share_of(diaspora, total) if total else None
        gap = indicators.emigration_gap(plan.emigrants_per_mille, indicators.has_diaspora_funding(diaspora))
    physical, financial = plan.exec_physical_rate, plan.exec_financial_rate
    if secteur:  # that sector's execution: figures' group rates over its stored sums
        sums = plan.exec_sectors.get(secteur) if plan.exec_year is not None else None
        group = execution_figures.totals(*sums) if sums else None
        physical = group.physical_rate if group is not None else None
        financial = group.financial_rate if group is not None else None
    uid = unit.id if unit is not None else (owner.unit_id or (owner.member_unit_ids or [None])[0])
    cercle = base.cercle_of(uid) if kind != "groupement" else None
    region = base.region_of(uid)
    status = PlanStatus(plan.status)
    return Row(kind=kind, code=unit.code if (unit is not None and kind == "commune") else "",
               name=unit.name if (unit is not None and kind == "commune") else owner.name,
               cercle=cercle.name if cercle else "", region=region.name if region else "",
               plan_id=plan.id, plan_title=plan.title, period=f"{plan.period_start}-{plan.period_end}",
               status=status.value, status_label=status.label, actions=count, total=total,
               population=pop, investment_per_inhabitant=per_inhabitant, diaspora_share=share,
               emigrants_per_mille=plan.emigrants_per_mille, gap=gap,
               plans=[(p.id, f"{p.title} ({p.period_start}-{p.period_end})") for p in plans], owner_id=owner.id,
               exec_year=plan.exec_year, physical_rate=physical, financial_rate=financial,
               diaspora_mobilised_rate=plan.exec_diaspora_rate)


@dataclass
class NationalView:
    filters: Filters
    indicator: str
    communes: list[Row]  # one per commune with a matching plan, by région, cercle, name
    others: list[Row]  # groupings and conseils de cercle / régionaux
    plan_ids: set[int]  # the plans shown (the latest per territory and the older ones listed)

    @property
    def rows(self) -> list[Row]:
        return self.communes + self.others


def _in_area(base: NationalBase, unit_ids: list[int], filters: Filters) -> bool:
    if not filters.region and not filters.cercle:
        return True
    for uid in unit_ids:
        region = base.region_of(uid)
        cercle = base.cercle_of(uid)
        if filters.region and (region is None or region.code != filters.region):
            continue
        if filters.cercle and (cercle is None or cercle.code != filters.cercle):
            continue
        return True
    return False


def national_view(base: NationalBase, filters: Filters, indicator: str = DEFAULT_INDICATOR,
                  region_ids: Optional[set[int]] = None) -> NationalView:
    """The indicator for every commune with a plan matching the filters. `region_ids`: a reviewer attached to
    régions sees only the plans of owners lying there (plans.accounts.access rules); None: every plan."""
    if indicator not in INDICATORS:
        indicator = DEFAULT_INDICATOR
    by_owner: dict[int, list[PlanInfo]] = {}
    for plan in base.plans:
        if filters.statut and plan.status != filters.statut:
            continue
        if filters.periode is not None and not (plan.period_start <= filters.periode <= plan.period_end):
            continue
        by_owner.setdefault(plan.owner_id, []).append(plan)

    communes, others, shown = [], [], set()
    for owner_id, plans in by_owner.items():
        owner = base.owners.get(owner_id)
        if owner is None:
            continue
        unit_ids = base.owner_unit_ids(owner)
        if region_ids is not None and not any((r := base.region_of(u)) is not None and r.id in region_ids
                                              for u in unit_ids):
            continue
        if not _in_area(base, unit_ids, filters):
            continue
        plans.sort(key=lambda p: (p.period_start, p.revision, p.id), reverse=True)
        unit = base.units.get(owner.unit_id) if owner.unit_id is not None else None
        is_commune = owner.kind is OwnerKind.COMMUNE and unit is not None
        kind = "commune" if is_commune else ("groupement" if owner.kind.is_grouping else "collectivite")
        row = _row(base, kind, unit, owner, plans, filters.secteur)
        if not _reaches_minimum(row, indicator, filters.minimum):
            continue
        shown.update(p.id for p in plans)
        (communes if is_commune else others).append(row)
    communes.sort(key=lambda r: (r.region, r.cercle, r.name))
    others.sort(key=lambda r: (r.kind, r.region, r.name))
    return NationalView(filters, indicator, communes, others, shown)


def _reaches_minimum(row: Row, indicator: str, minimum: Optional[Decimal]) -> bool:
    """The minimum applies to the numeric indicators (the status and the gap flag have none)."""
    if minimum is None or indicator not in STEPS:
        return True
    value = row.value(indicator)
    return value is not None and value >= minimum


def colour_for(indicator: str, value) -> str:
    if value is None:
        return NO_DATA_COLOUR
    if indicator == "statut":
        return STATUS_COLOURS.get(value, NO_DATA_COLOUR)
    if indicator == "ecart":
        return GAP_COLOURS[value]
    steps = STEPS[indicator]
    return STEP_COLOURS[sum(1 for s in steps if value >= s)]


def legend(indicator: str) -> list[dict[str, str]]:
    """[{"colour", "label"}] for the HTML legend (the same colours as the polygons)."""
    if indicator == "statut":
        return [{"colour": STATUS_COLOURS[s.value], "label": s.label} for s in PlanStatus] + [
            {"colour": NO_DATA_COLOUR, "label": NO_PLAN_LABEL}]
    if indicator == "ecart":
        return [{"colour": GAP_COLOURS["oui"], "label": f"Oui (≥ {GAP_THRESHOLD_PER_MILLE} ‰, aucune action diaspora)"},
                {"colour": GAP_COLOURS["non"], "label": "Non"},
                {"colour": NO_DATA_COLOUR, "label": NO_DATA_LABEL}]
    fmt = {"investissement": lambda v: fcfa(int(v)), "diaspora": lambda v: percent(v, 0),
           "emigres": lambda v: number(int(v)) + " ‰", "actions": lambda v: number(int(v)),
           **{k: (lambda v: percent(v, 0)) for k in EXECUTION_INDICATORS}}[indicator]
    steps = STEPS[indicator]
    out = [{"colour": STEP_COLOURS[0], "label": f"moins de {fmt(steps[0])}"}]
    for i, lo in enumerate(steps):
        hi = steps[i + 1] if i + 1 < len(steps) else None
        out.append({"colour": STEP_COLOURS[i + 1],
                    "label": f"{fmt(lo)} à {fmt(hi)}" if hi is not None else f"{fmt(lo)} et plus"})
    out.append({"colour": NO_DATA_COLOUR, "label": NO_EXECUTION_LABELS.get(indicator, NO_DATA_LABEL)})
    return out


def legend_note(indicator: str) -> str:
    """What the legend adds under its classes (the execution's year rule), "" for the others."""
    return EXECUTION_NOTE if indicator in EXECUTION_INDICATORS else ""


def row_json(row: Row) -> dict[str, Any]:
    return {"kind": row.kind, "code": row.code, "name": row.name, "cercle": row.cercle, "region": row.region,
            "plan": row.plan_id, "period": row.period, "status": row.status, "texts": row.texts(),
            "plans": [[i, t] for i, t in row.plans]}


def view_document(base: NationalBase, view: NationalView) -> dict[str, Any]:
    """The indicators JSON: the colour and text of each commune, grouping outlines, the legend and the rows."""
    ind = view.indicator
    groupings = []
    for row in view.others:
        owner = base.owners.get(row.owner_id)
        if row.kind == "groupement" and owner is not None and owner.outline is not None:
            groupings.append({"name": row.name, "text": row.map_text(ind), "plans": [[i, t] for i, t in row.plans],
                              "geometry": owner.outline})
    return {
        "indicator": ind, "label": INDICATORS[ind], "legend": legend(ind), "note": legend_note(ind),
        "communes": {r.code: [colour_for(ind, r.value(ind)), r.map_text(ind)] for r in view.communes},
        "groupings": groupings, "rows": [row_json(r) for r in view.rows],
    }


def points_document(base: NationalBase, view: NationalView) -> dict[str, Any]:
    """The located actions of the plans shown, as ONE flat array (5 integers per action) for the cluster layer:
    [Δlat, Δlon, plan index, sector index, diaspora 0/1, …], where the coordinates are in thousandths of a degree
    (POINT_SCALE) and each is the difference from the previous point's (the first from 0): small numbers that gzip
    makes a fifth lighter than the coordinates themselves (issue 15: the first load ≤ 450 KiB). Masked locations
    never leave the server. `decoded_points` reads it back, as app/static/js/national_map.js does."""
    plan_ids = sorted(view.plan_ids)
    flat: list = []
    secteur = view.filters.secteur
    last_lat = last_lon = 0
    for i, plan_id in enumerate(plan_ids):  # base.points' order: by plan id, each plan's in its summary's order
        for lat, lon, sector, sector_index, diaspora in base.entries[plan_id].scaled:
            if secteur and sector != secteur:
                continue
            flat.extend((lat - last_lat, lon - last_lon, i, sector_index, diaspora))
            last_lat, last_lon = lat, lon
    return {"plans": [[pid, base.entries[pid].info.title] for pid in plan_ids],
            "sectors": [[s, SECTORS[s], sector_colour(s)] for s in SECTORS], "scale": POINT_SCALE, "points": flat}


def decoded_points(doc: dict[str, Any]) -> list[tuple[float, float, int, int, int]]:
    """The points of `points_document` as (lat, lon, plan index, sector index, diaspora 0/1)."""
    out, lat, lon, flat, scale = [], 0, 0, doc["points"], doc["scale"]
    for i in range(0, len(flat), 5):
        lat, lon = lat + flat[i], lon + flat[i + 1]
        out.append((lat / scale, lon / scale, flat[i + 2], flat[i + 3], flat[i + 4]))
    return out


POINT_TOLERANCE = 0.6 * 10 ** -POINT_DECIMALS  # a point of the cluster layer is rounded to POINT_DECIMALS


def actions_at(plan, lat: float, lon: float, secteur: str = "") -> dict[str, Any]:
    """What a click on an action of the national map shows: the plan's actions drawn at that point (several may
    share a site), each with its cost, its funding lines and the part not covered, as plans.maps.plan_map's
    `map_actions` takes them from plans.planning.finance (never a masked site: nobody's map of many plans shows
    one). Amounts as French text; user text stays text (the page sets it with textContent)."""
    out = []
    for e in map_actions(plan):
        if e.lat is None or e.lon is None or (secteur and e.sector != secteur):
            continue
        if abs(e.lat - lat) > POINT_TOLERANCE or abs(e.lon - lon) > POINT_TOLERANCE:
            continue
        out.append({"number": e.number, "title": e.title, "sector": e.sector_label, "status": e.status_label,
                    "total": fcfa(e.total), "funding": [[f.label, f.status, fcfa(f.amount)] for f in e.funding],
                    "gap": fcfa(e.gap) if e.gap else "", "diaspora": e.diaspora})
    return {"plan": [plan.id, plan.title], "actions": out}


# --- cached, serialised documents -----------------------------------------------------------------------------

@dataclass
class Payload:
    """A JSON document serialised once, with its gzip and its ETag."""
    body: bytes
    gz: bytes
    etag: str

    @classmethod
    def of(cls, text: str, level: int = 6) -> "Payload":
        body = text.encode()
        return cls(body, gzip.compress(body, level, mtime=0), hashlib.sha1(body).hexdigest())


# The points' flat array of small integers: gzip's level 6 took three times level 5's time on the benchmark's
# 28 000 actions (about 150 against 45 ms, paid by the first request after each save) for 1.6 % fewer bytes (157.0
# against 159.6 KB). The other documents compress in a few milliseconds at 6.
POINTS_GZIP_LEVEL = 5


def _dumps(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str)


_VIEWS: dict[tuple, Payload] = {}
_MAX_VIEWS = 256


def cached_payload(session: Session, what: str, filters: Filters, indicator: str,
                   region_ids: Optional[set[int]]) -> Payload:
    """The indicators ("indicateurs") or points ("actions") JSON of a view, serialised once per data state."""
    base = national_base(session)
    key = (_db_key(session), base.fingerprint, what, filters.key(), indicator,
           tuple(sorted(region_ids)) if region_ids is not None else None)
    payload = _VIEWS.get(key)
    if payload is None:
        view = national_view(base, filters, indicator, region_ids)
        if what == "indicateurs":
            doc = view_document(base, view)
            doc["bounds"] = area_bounds(territory_frames(session), filters, region_ids)
        else:
            doc = points_document(base, view)
        payload = Payload.of(_dumps(doc), 6 if what == "indicateurs" else POINTS_GZIP_LEVEL)
        with _CACHE_LOCK:
            if len(_VIEWS) >= _MAX_VIEWS:
                _VIEWS.clear()
            _VIEWS[key] = payload
    return payload


# --- the communes layer ---------------------------------------------------------------------------------------

@dataclass
class CommunesLayer(Payload):
    count: int = 0


def _territory_key(session: Session) -> tuple:
    """Changes when communes are added, an official name is set or cleared, or another edition becomes the current
    one (in any process)."""
    return tuple(session.execute(
        sa.select(sa.func.count(), sa.func.max(AdminUnit.id), sa.func.max(AdminUnit.official_name_set_at))
        .select_from(AdminUnit).where(AdminUnit.country_iso3 == MALI, AdminUnit.level == 3)).one()) + (
        session.scalar(sa.select(sa.func.max(TerritoryEdition.id)).where(TerritoryEdition.is_current,
                                                                          TerritoryEdition.country_iso3 == MALI)),)


def build_communes_geojson(session: Session, edition_key: str | None = None) -> tuple[str, int]:
    """The Malian communes of the edition `edition_key` (None: the current one): geometry_simplified (simplified as
    a coverage when the edition was loaded, plans/territory/edition_files.py) with coordinates rounded to
    COORD_DECIMALS; properties c (P-code), n (name). Compact JSON.

    Built with shapely's vectorised functions, not from a GeoDataFrame: the same 701 communes through
    `GeoDataFrame.to_json` (then compacted) give the same content and size in about twice the time (measured, 370
    against 180 ms), and the layer is built again after every restart and every edition change. geopandas reads
    and measures an edition when it is loaded (plans/territory/edition_files.py) and checks points in bulk
    (plans/planning/location.py `points_outside`)."""
    edition = TerritoryEdition.key == edition_key if edition_key else TerritoryEdition.is_current
    rows = session.execute(
        sa.select(AdminUnit.code, AdminUnit.display_name.label("name"), AdminUnit.geometry_simplified)
        .join(TerritoryEdition, TerritoryEdition.id == AdminUnit.edition_id)
        .where(AdminUnit.country_iso3 == MALI, AdminUnit.level == 3, edition,
               AdminUnit.geometry_simplified.is_not(None))
        .order_by(AdminUnit.code)).all()
    geoms = shapely.from_wkb([r.geometry_simplified for r in rows])
    geoms = shapely.transform(geoms, lambda c: c.round(COORD_DECIMALS))
    features = [{"type": "Feature", "id": r.code, "properties": {"c": r.code, "n": r.name},
                 "geometry": shapely.geometry.mapping(g)} for r, g in zip(rows, geoms)]
    return _dumps({"type": "FeatureCollection", "features": features}), len(features)


def communes_layer(session: Session, edition_key: str | None = None) -> CommunesLayer:
    """The communes layer of an edition (None: the current one), cached per database and edition."""
    key, tkey = f"{_db_key(session)}|{edition_key or ''}", _territory_key(session)
    cached = _LAYERS.get(key)
    if cached is not None and cached[0] == tkey:
        return cached[1]
    text, count = build_communes_geojson(session, edition_key)
    p = Payload.of(text)
    layer = CommunesLayer(p.body, p.gz, p.etag, count)
    with _CACHE_LOCK:
        _LAYERS[key] = (tkey, layer)
    return layer


# --- the régions and cercles: where to zoom, where to write their names --------------------------------------

@dataclass(frozen=True)
class Frame:
    """A région or cercle of the current edition: its name, where its name is written (the loader's label point,
    inside the unit) and its bounding box, [[south, west], [north, east]] (Leaflet's order)."""
    id: int
    code: str
    name: str
    level: int
    label: Optional[tuple[float, float]]  # (lat, lon)
    bounds: Optional[list[list[float]]]


_FRAMES: dict[str, tuple[tuple, dict[str, Frame]]] = {}


def _frames_key(session: Session) -> tuple:
    return tuple(session.execute(
        sa.select(sa.func.count(), sa.func.max(AdminUnit.id), sa.func.max(AdminUnit.official_name_set_at))
        .select_from(AdminUnit).where(AdminUnit.country_iso3 == MALI, AdminUnit.level.in_((1, 2)))).one())


def territory_frames(session: Session) -> dict[str, Frame]:
    """Every région and cercle by P-code (cached per database, rebuilt when a unit is added or renamed)."""
    key, fkey = _db_key(session), _frames_key(session)
    cached = _FRAMES.get(key)
    if cached is not None and cached[0] == fkey:
        return cached[1]
    rows = session.execute(
        sa.select(AdminUnit.id, AdminUnit.code, AdminUnit.display_name.label("name"), AdminUnit.level,
                  AdminUnit.label_lat, AdminUnit.label_lon, AdminUnit.geometry_simplified)
        .join(TerritoryEdition, TerritoryEdition.id == AdminUnit.edition_id)
        .where(AdminUnit.country_iso3 == MALI, AdminUnit.level.in_((1, 2)), TerritoryEdition.is_current)
        .order_by(AdminUnit.level, AdminUnit.code)).all()
    frames: dict[str, Frame] = {}
    for r in rows:
        bounds = None
        if r.geometry_simplified:
            west, south, east, north = shapely.from_wkb(r.geometry_simplified).bounds
            bounds = [[round(south, COORD_DECIMALS), round(west, COORD_DECIMALS)],
                      [round(north, COORD_DECIMALS), round(east, COORD_DECIMALS)]]
        label = (r.label_lat, r.label_lon) if r.label_lat is not None and r.label_lon is not None else None
        frames[r.code] = Frame(r.id, r.code, r.name, r.level, label, bounds)
    with _CACHE_LOCK:
        _FRAMES[key] = (fkey, frames)
    return frames


def area_bounds(frames: dict[str, Frame], filters: Filters,
                region_ids: Optional[set[int]] = None) -> Optional[list[list[float]]]:
    """Where the map zooms for these filters: the chosen cercle, else the chosen région, else the régions a
    reviewer is limited to; None (the whole country) otherwise, or when the unit has no boundary."""
    chosen = [frames.get(filters.cercle)] if filters.cercle else [frames.get(filters.region)] if filters.region \
        else [f for f in frames.values() if f.level == 1 and f.id in region_ids] if region_ids is not None else []
    boxes = [f.bounds for f in chosen if f is not None and f.bounds is not None]
    if not boxes:
        return None
    return [[min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)],
            [max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)]]


def view_title(frames: dict[str, Frame], filters: Filters, indicator: str) -> str:
    """What a picture of the map shows, in words: « Carte nationale — indicator — Région de Kayes, … »."""
    parts = [f"Carte nationale — {INDICATORS.get(indicator, INDICATORS[DEFAULT_INDICATOR])}"]
    for code, word in ((filters.region, "Région"), (filters.cercle, "Cercle")):
        if code and code in frames:
            parts.append(f"{word} : {frames[code].name}")
    if filters.secteur:
        parts.append(f"Secteur : {SECTORS[filters.secteur]}")
    if filters.statut:
        parts.append(f"Statut : {PlanStatus(filters.statut).label}")
    if filters.periode is not None:
        parts.append(f"Période : {filters.periode}")
    if filters.minimum is not None:
        parts.append(f"Valeur au moins : {number(filters.minimum)}"
                     f"{MINIMUM_SHOWN_UNITS.get(indicator, '')}")
    return " — ".join(parts[:2]) + (" ; " + " ; ".join(parts[2:]) if len(parts) > 2 else "")


def labels_document(frames: dict[str, Frame]) -> list[list]:
    """The names the map writes on the territory: [name, level (1 région, 2 cercle), lat, lon] for each unit with a
    label point (the page shows régions at a national zoom, cercles closer in)."""
    return [[f.name, f.level, round(f.label[0], 3), round(f.label[1], 3)] for f in frames.values()
            if f.label is not None]


# --- the filter form's choices ---------------------------------------------------------------------------------

def filter_choices(base: NationalBase, region_code: str = "") -> dict:
    """The form's choices; the cercles are the chosen région's (all without one), and every région's cercles
    (`cercles_by_region`) let the form's script follow a change of région (app/static/js/cercle_choices.js)."""
    regions = sorted((u for u in base.units.values() if u.level == 1), key=lambda u: u.name)
    cercles = [u for u in base.units.values() if u.level == 2]
    if region_code:
        cercles = [u for u in cercles if (r := base.region_of(u.id)) is not None and r.code == region_code]
    years = sorted({y for p in base.plans for y in range(p.period_start, p.period_end + 1)})
    by_region: dict[str, list[tuple[str, str]]] = {u.code: [] for u in regions}
    for cercle in sorted((u for u in base.units.values() if u.level == 2), key=lambda u: u.name):
        region = base.region_of(cercle.id)
        if region is not None and region.code in by_region:
            by_region[region.code].append((cercle.code, cercle.name))
    return {"cercles_by_region": by_region, "region": [(u.code, u.name) for u in regions],
            "cercle": [(u.code, u.name) for u in sorted(cercles, key=lambda u: u.name)],
            "secteur": list(SECTORS.items()),
            "statut": [(s.value, s.label) for s in PlanStatus],
            "periode": [(str(y), str(y)) for y in years]}
