"""Demo data: accounts and the three test-case plans on a new install (`make run` → `flask setup`), and any number
of realistic random plans on real communes (`flask demo seed`).

Every section is written through its own `apply()` (plans/sectiondata) inside `sections.save_section`, so demo
plans obey the same rules as typed ones and have a history. Actions (edited one by one in the app, no section
apply) are built as rows and checked with plans.planning.finance.action_figures: a demo action in error is a bug here.

The test cases (docs/DOMAIN.md §14) carry fixed uuids (plans/demo/data.py): seeding twice does not duplicate them.
Random plans are deterministic for a given --seed and database state; each one is committed on its own.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable, Optional

import sqlalchemy as sa
from shapely.geometry import Point
from shapely.prepared import prep
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts import service as accounts_service
from plans.accounts.models import Role, User
from plans.core import geo
from plans.core.formatting import country_name
from plans.demo import data as D
from plans.demo import execution as demo_execution
from plans.owners import service as owners_service
from plans.owners.models import OwnerKind, PlanOwner
from plans.planning import finance, sections
from plans.planning import service as plan_service
from plans.planning.indicators import HOUSEHOLD_SIZE  # the comparison's hypothesis, one value
from plans.planning.models import Action, DiasporaAssociation, FundingLine, Plan, PlanStatus, ScheduleEntry
from plans.planning.sectiondata import adoption, identification, migration, orientations, situation, suivi
from plans.territory import service as territory_service
from plans.territory.models import MALI, AdminUnit, TerritoryEdition

DEFAULT_ACTIONS = 20
MAX_LINE_FCFA = 80_000_000
MIN_LINE_FCFA = 250_000
REMITTANCE_PER_HOUSEHOLD = 337_512  # FCFA per household and year, Kayes 2007 (docs/DOMAIN.md §6; source S48, §16)


@dataclass
class SeededPlan:
    id: int
    uuid: str
    title: str
    owner: str
    created: bool  # False: a test case already there
    actions: int = 0
    total: int = 0

    def line(self) -> str:
        state = "créé" if self.created else "déjà présent"
        return (f"{state:<13} n°{self.id:<5} {self.title} — {self.owner} — {self.actions} action(s), "
                f"{_fcfa(self.total)}")


@dataclass
class DemoReport:
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    plans: list[SeededPlan] = field(default_factory=list)
    execution: Optional[str] = None  # what plans/demo/execution.py did, for the terminal


def _fcfa(n: int) -> str:
    return f"{n:,}".replace(",", " ") + " FCFA"


# ---------------------------------------------------------------------------------------------------------------
# New install


def seed_if_new(session: Session) -> list[tuple[str, str, str]]:
    """On a database with no account: the demo accounts and the three test-case plans. Returns the logins to print
    (email, password, role label); [] when the database already had accounts."""
    return seed_new_install(session).logins


def seed_new_install(session: Session) -> DemoReport:
    """Like seed_if_new, with the plans created too. The caller commits."""
    if session.scalar(sa.select(sa.func.count()).select_from(User)):
        return DemoReport()

    sicm, glct = ensure_sicm(session), ensure_kenedougou(session)
    logins = accounts_service.create_demo_accounts(session)
    for email, name, owner in ((D.SICM_PLANNER_EMAIL, "Planificateur du SICM (démonstration)", sicm),
                               (D.KENEDOUGOU_PLANNER_EMAIL, "Planificateur du GLCT-Kénédougou (démonstration)", glct)):
        password = accounts_service.generate_password(email)
        accounts_service.create_user(session, email=email, password=password, role=Role.PLANNER, full_name=name,
                                     owners=[owner])
        logins.append((email, password, Role.PLANNER.label))
    plans = seed_test_cases(session)
    session.flush()
    return DemoReport(logins=logins, plans=plans, execution=demo_execution.seed_koniakary_execution(session))


# ---------------------------------------------------------------------------------------------------------------
# Owners of the test cases


def _grouping(session: Session, name: str, **fields) -> PlanOwner:
    return (owners_service.grouping_by_name(session, name)
            or owners_service.create_grouping(session, name=name, **fields))


def ensure_sicm(session: Session) -> PlanOwner:
    """The SICM (12 communes of the old cercle de Yélimané), created if missing."""
    return _grouping(session, D.YELIMANE_NAME, kind=OwnerKind.SYNDICAT, member_codes=D.YELIMANE_CODES,
                     **D.YELIMANE_ACT)


def ensure_kenedougou(session: Session) -> PlanOwner:
    """GLCT-Kénédougou (7 Malian communes, 6 Burkinabè ones known by name), created if missing."""
    return _grouping(session, D.KENEDOUGOU_NAME, kind=OwnerKind.GLCT, member_codes=D.KENEDOUGOU_MALI_CODES,
                     foreign_by_name=[(n, "BFA") for n in D.KENEDOUGOU_BFA_NAMES], **D.KENEDOUGOU_ACT)


def de(name: str) -> str:
    """"de Koniakary", "d'Anchawadi"."""
    return ("d'" if name[:1].lower() in "aeiouyéèêâîôûh" else "de ") + name


def owner_label(owner: PlanOwner) -> str:
    """"Commune de Koniakary", "Conseil de cercle de Kayes"; a grouping by its name."""
    if owner.is_grouping:
        return owner.name
    return f"{owner.kind.label} {de(owner.name)}"


# ---------------------------------------------------------------------------------------------------------------
# The test cases


def seed_test_cases(session: Session) -> list[SeededPlan]:
    """The three plans of docs/DOMAIN.md §14, unless already there (recognised by their fixed uuid).
    The caller commits."""
    existing = {p.uuid: p for p in session.scalars(
        sa.select(Plan).where(Plan.uuid.in_(D.TEST_CASE_UUIDS)).options(orm.joinedload(Plan.owner)))}
    owners = {D.TC1_UUID: lambda: owners_service.commune_owner(session, D.KONIAKARY_PCODE),
              D.TC2_UUID: lambda: ensure_sicm(session), D.TC3_UUID: lambda: ensure_kenedougou(session)}
    rng = random.Random(20250101)
    report = []
    for spec in D.TEST_CASES:
        plan = existing.get(spec["uuid"])
        if plan is not None:
            pf = finance.plan_finance(session.get(Plan, plan.id, options=finance.load_options()))
            report.append(SeededPlan(plan.id, plan.uuid, plan.title, owner_label(plan.owner), False,
                                     len(plan.actions), pf.total))
            continue
        owner = owners[spec["uuid"]]()
        user = session.scalar(sa.select(User).where(User.email == spec["planner"]))
        if user is not None and not access.can_edit_owner_plans(user, owner):
            user = None  # the demo planner was re-attached elsewhere: the plan is seeded without an author
        report.append(build_plan(session, owner, spec, user=user, rng=rng))
    return report


# ---------------------------------------------------------------------------------------------------------------
# Building one plan from a spec (the test cases' shape in plans/demo/data.py)

_LIST_RELATIONSHIPS = ("section_states", "process_steps", "population_records", "sector_diagnostics", "findings",
                       "destinations", "codev_projects", "axes", "criteria", "priorities", "actions", "indicators")


def _save(session: Session, plan: Plan, key: str, module, data: dict, user: Optional[User]) -> None:
    sections.save_section(session, plan, key, 0, user, apply=lambda: module.apply(session, plan, data),
                          snapshot=lambda: module.dump(plan))


def _association(session: Session, owner: PlanOwner, data: dict, known: dict[str, DiasporaAssociation]):
    found = known.get(data["name"])
    if found is None:
        found = known[data["name"]] = migration.create_association(session, owner, data)
    return found


class PointSampler:
    """Points inside a geometry (rejection sampling in its bounds), else around a fallback point."""

    def __init__(self, geometry, fallback: tuple[float, float] | None, rng: random.Random):
        self.rng = rng
        self.geometry = geometry if geometry is not None and not geometry.is_empty else None
        self.prepared = prep(self.geometry) if self.geometry is not None else None
        if fallback is None and self.geometry is not None:
            p = self.geometry.representative_point()
            fallback = (p.x, p.y)
        self.fallback = fallback

    def __call__(self) -> tuple[float, float] | None:
        if self.prepared is not None:
            minx, miny, maxx, maxy = self.geometry.bounds
            for _ in range(40):
                x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
                if self.prepared.contains(Point(x, y)):
                    return round(x, 5), round(y, 5)
        if self.fallback is None:
            return None
        return (round(self.fallback[0] + self.rng.uniform(-0.01, 0.01), 5),
                round(self.fallback[1] + self.rng.uniform(-0.01, 0.01), 5))


def _unit_point(session: Session, code: str, rng: random.Random) -> tuple[float, float] | None:
    unit = territory_service.unit_by_code(session, code)
    if unit is None or unit.label_lon is None:
        return None
    return PointSampler(None, (unit.label_lon, unit.label_lat), rng)()


def build_plan(session: Session, owner: PlanOwner, spec: dict, *, user: Optional[User] = None,
               rng: random.Random, sampler: Optional[PointSampler] = None) -> SeededPlan:
    """Creates a plan from a spec through plan_service.create_plan and each section's apply(); flushes only."""
    start, end = spec["period"]
    plan = plan_service.create_plan(session, owner=owner, title=spec["title"], period_start=start, period_end=end,
                                    guide_version=spec["identification"]["guide_version"], user=user)
    if spec.get("uuid"):
        plan.uuid = spec["uuid"]
    for name in _LIST_RELATIONSHIPS:  # a new plan holds nothing: spare one SELECT per collection
        orm.attributes.set_committed_value(plan, name, [])
    orm.attributes.set_committed_value(plan, "migration_profile", None)

    _save(session, plan, "identification", identification, spec["identification"], user)
    _save(session, plan, "situation", situation, spec["situation"], user)
    _save(session, plan, "migration", migration, spec["migration"], user)

    known = {a.name: a for a in migration.associations_of(session, owner)} if spec.get("associations") else {}
    for data in spec.get("associations", ()):
        _association(session, owner, data, known)

    # Orientations: objectives name their findings by (theme, index within the theme).
    by_theme: dict[str, list] = {}
    for finding in plan.findings:
        by_theme.setdefault(finding.theme, []).append(finding)
    data = {
        "axes": [{"title": a["title"], "general_objective": a["general_objective"],
                  "migration_crosscutting": a["migration_crosscutting"],
                  "objectives": [{"title": title, "finding_ids": [by_theme[t][i].id for t, i in refs
                                                                  if i < len(by_theme.get(t, ()))]}
                                 for title, refs in a["objectives"]]} for a in spec["axes"]],
        "criteria": orientations.suggested_criteria(),
        "priorities": [{"title": title, "axis": axis, "scores": scores} for title, axis, scores in spec["priorities"]],
    }
    _save(session, plan, "orientations", orientations, data, user)

    # Actions (PIP lines).
    if sampler is None:
        sampler = PointSampler(owners_service.owner_geometry(owner), None, rng)
    for position, a in enumerate(spec["actions"]):
        point = _unit_point(session, a["point"], rng) if a.get("point") else sampler()
        plan.actions.append(_action(plan, a, position, known, point))
    session.flush()
    pf = finance.plan_finance(plan)
    for f in pf.figures:
        if f.errors:
            raise ValueError(f"Action de démonstration en erreur « {f.action.title} » : {f.errors}")

    indicators = spec["indicators"](pf) if callable(spec["indicators"]) else spec["indicators"]
    years = plan.years
    rows = []
    for suggested, (baseline, year, targets) in zip(suivi.SUGGESTED_INDICATORS, indicators):
        rows.append({**suggested, "baseline_value": None if baseline is None else str(baseline),
                     "baseline_year": year, "targets": {str(y): str(v) for y, v in zip(years, targets)},
                     "source": "Données de démonstration"})
    _save(session, plan, "suivi", suivi, {"indicators": rows}, user)

    if spec.get("adoption"):
        _save(session, plan, "adoption", adoption, spec["adoption"], user)
    if spec.get("status"):
        plan.status = PlanStatus(spec["status"])
    session.flush()
    return SeededPlan(plan.id, plan.uuid, plan.title, owner_label(owner), True, len(plan.actions), pf.total)


def _action(plan: Plan, a: dict, position: int, associations: dict, point) -> Action:
    objective = None
    if a.get("objective") is not None:
        axis_index, objective_index = a["objective"]
        objective = plan.axes[axis_index].objectives[objective_index]
    lines = []
    for i, raw in enumerate(a["lines"]):
        line = raw if isinstance(raw, dict) else {
            "source": raw[0], "share": raw[1], "name": raw[2], "status": raw[3],
            "in_kind": len(raw) > 4 and raw[4]}
        association = None
        if line["source"] == "association_diaspora":  # by its name, or the start of it ("ADCYF")
            wanted = line.get("association") or line["name"]
            association = associations.get(wanted) or next(
                (a for n, a in associations.items() if n.startswith(wanted)), None)
        if line["source"] == "association_diaspora" and association is None:
            raise ValueError(f"Association inconnue : {line['name']}")
        lines.append(FundingLine(
            position=i, source_type=line["source"], source_name=line["name"], association=association,
            amount=line.get("amount"), share_pct=None if line.get("share") is None else Decimal(line["share"]),
            status=line["status"], in_kind=bool(line.get("in_kind"))))
    lon, lat = point if point else (None, None)
    return Action(
        position=position, objective=objective, sector=a["sector"], sub_sector=a.get("sub_sector", ""),
        title=a["title"], expected_results=a.get("expected_results", ""), localities=a.get("localities", ""),
        quantity=Decimal(a["quantity"]), unit=a.get("unit", ""), unit_cost=a["unit_cost"],
        maitre_ouvrage=a.get("maitre_ouvrage", ""), tags=a.get("tags", ""), status=a.get("status", "prevu"),
        cofinancing_scheme=a.get("scheme"), lon=lon, lat=lat,
        location_precision=a.get("location_precision", "exacte" if point else "approximative"),
        schedule=[ScheduleEntry(year=y, amount=v) for y, v in sorted(a["schedule"].items())],
        funding_lines=lines)


# ---------------------------------------------------------------------------------------------------------------
# Random plans on real communes


@dataclass(frozen=True)
class Commune:
    id: int
    code: str
    name: str
    cercle: str
    lon: Optional[float]
    lat: Optional[float]

    @property
    def region(self) -> str:
        return self.code[:4]


def communes(session: Session) -> list[Commune]:
    """The Malian communes of the current edition, by P-code, as plain values (no lazy load afterwards)."""
    cercle = orm.aliased(AdminUnit)
    rows = session.execute(
        sa.select(AdminUnit.id, AdminUnit.code, AdminUnit.display_name, cercle.display_name,
                  AdminUnit.label_lon, AdminUnit.label_lat)
        .join(TerritoryEdition, AdminUnit.edition_id == TerritoryEdition.id)
        .outerjoin(cercle, AdminUnit.parent_id == cercle.id)
        .where(AdminUnit.country_iso3 == MALI, AdminUnit.level == 3, TerritoryEdition.is_current)
        .order_by(AdminUnit.code))
    return [Commune(r[0], r[1], r[2], r[3] or "", r[4], r[5]) for r in rows]


def seed_random_plans(session: Session, count: Optional[int], actions: int = DEFAULT_ACTIONS, seed: int = 1,
                      progress: Optional[Callable[[SeededPlan], None]] = None) -> list[SeededPlan]:
    """`count` plans on communes drawn at random (those without a plan first), each with `actions` actions;
    `count` None: one plan on every commune that has none. One commit per plan."""
    rng = random.Random(seed)
    everything = communes(session)
    planned = set(session.scalars(sa.select(PlanOwner.unit_id).join(Plan, Plan.owner_id == PlanOwner.id)
                                  .where(PlanOwner.unit_id.is_not(None))))
    free = [c for c in everything if c.id not in planned and c.code != D.KONIAKARY_PCODE]
    rng.shuffle(free)
    if count is None:
        count = len(free)
    chosen = free[:count]
    while len(chosen) < count:  # more plans than free communes: a second plan (a later period) on some
        chosen.append(rng.choice(everything))
    report = []
    for commune in chosen:
        owner = owners_service.commune_owner(session, commune.code)
        geometry = session.scalar(sa.select(AdminUnit.geometry).where(AdminUnit.id == commune.id))
        sampler = PointSampler(geo.from_wkb(geometry) if geometry else None,
                               (commune.lon, commune.lat) if commune.lon is not None else None, rng)
        known = {a.name: a for a in migration.associations_of(session, owner)}
        spec = random_spec(rng, commune, actions, existing_associations=list(known))
        seeded = build_plan(session, owner, spec, rng=rng, sampler=sampler)
        session.commit()
        report.append(seeded)
        if progress:
            progress(seeded)
    return report


def _round(n: float, step: int) -> int:
    return int(n // step) * step


def _split(total: int, parts: int, rng: random.Random, step: int = 1000) -> list[int]:
    """`total` in `parts` amounts (multiples of `step` but the last) summing exactly to `total`."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    s = sum(weights)
    amounts = [_round(total * w / s, step) for w in weights[:-1]]
    return amounts + [total - sum(amounts)]


def random_spec(rng: random.Random, commune: Commune, n_actions: int,
                existing_associations: Iterable[str] = ()) -> dict:
    """A plausible plan for a commune: the same shape as the test cases of plans/demo/data.py."""
    start = rng.choice((2024, 2025, 2025, 2025, 2026))
    end = start + 4
    years = list(range(start, end + 1))
    name = commune.name
    region = D.REGION_MIGRATION.get(commune.region, D.REGION_MIGRATION["ML02"])
    (rate_lo, rate_hi), (abroad_lo, abroad_hi), destination_weights, displacement = region

    # Population and migration figures.
    big = commune.region == "ML09" or name.lower().endswith("commune")
    p2009 = rng.randint(60_000, 450_000) if big else rng.randint(5_000, 38_000)
    p2022 = int(p2009 * rng.uniform(1.35, 1.6))
    emigrants = int(p2022 * rng.uniform(rate_lo, rate_hi))
    abroad = int(emigrants * rng.uniform(abroad_lo, abroad_hi))
    internal = emigrants - abroad - rng.randint(0, max(1, emigrants // 50))
    countries = list(destination_weights)
    picked = []
    for _ in range(rng.randint(3, min(6, len(countries)))):
        choice = rng.choices(countries, weights=[destination_weights[c] for c in countries])[0]
        countries.remove(choice)
        picked.append(choice)
    counts = finance.largest_remainder(int(abroad * rng.uniform(0.8, 1.0)),
                                       {c: destination_weights[c] for c in picked})
    households = p2022 // HOUSEHOLD_SIZE
    receiving = Decimal(rng.randint(15, 65) if commune.region == "ML01" else rng.randint(5, 35))
    remittances = _round(households * float(receiving) / 100 * REMITTANCE_PER_HOUSEHOLD
                         * (1 if commune.region == "ML01" else 0.6), 100_000)
    returnees = rng.randint(5, 120)
    forced = rng.randint(0, returnees // 2)
    main_country = picked[0]

    # Associations of the diaspora (owner-level: reused when the commune already has some).
    associations = [{"name": n, "host_country": main_country, "host_city": "", "sections": "", "sectors": []}
                    for n in existing_associations]
    if not associations and rng.random() < (0.9 if commune.region == "ML01" else 0.45):
        for country in picked[:rng.randint(1, 2)]:
            pattern = rng.choice(D.ASSOCIATION_PATTERNS)
            city = D.DIASPORA_CITIES.get(country, "")
            associations.append({
                "name": pattern.format(de_commune=de(name), ville=city or country_name(country)),
                "host_country": country, "host_city": city,
                "sections": "\n".join(country_name(c) for c in picked if c != country),
                "sectors": rng.sample(["education", "sante", "hydraulique", "culture_jeunesse", "migration"], 2)})
    association_names = [a["name"] for a in associations]

    # Actions first: their sectors decide the diagnostics, findings and objectives.
    templates = [rng.choice(D.ACTION_TEMPLATES) for _ in range(n_actions)]
    sectors = list(dict.fromkeys(t[0] for t in templates))
    if "migration" not in sectors:
        sectors.append("migration")
    axes, objective_of = [], {}
    for title, general, crosscutting, axis_sectors in D.AXES_BY_SECTOR:
        mine = [s for s in sectors if s in axis_sectors]
        if not mine:
            continue
        for k, s in enumerate(mine):
            objective_of[s] = (len(axes), k)
        axes.append({"title": title, "general_objective": general, "migration_crosscutting": crosscutting,
                     "objectives": [(D.OBJECTIVE_TITLES[s], [(s, 0)] if s != "migration" else [("migration", 0)])
                                    for s in mine]})

    actions = []
    for template in templates:
        actions.append(_random_action(rng, template, years, name, association_names, objective_of))

    status = rng.choices(("brouillon", "soumis", "en_revue", "adopte"), weights=(65, 15, 10, 10))[0]
    adoption_data = None
    if status == "adopte":
        voted = date(start - 1, 12, rng.randint(1, 20))
        adoption_data = {"deliberation_number": f"{rng.randint(1, 40):02d}/CC-{name[:3].upper()}-{start - 1}",
                         "deliberation_date": voted.isoformat(), "council_session": "Session ordinaire de décembre",
                         "transmission_date": date(start - 1, 12, min(28, voted.day + 7)).isoformat(),
                         "transmission_authority": f"Préfet du cercle {de(commune.cercle)}"}

    diaspora_step_abroad = bool(associations)
    steps = [
        {"step": "lancement", "date": date(start - 1, 9, rng.randint(1, 28)).isoformat(),
         "place": f"Mairie {de(name)}", "place_country": "ML", "men": rng.randint(30, 90),
         "women": rng.randint(15, 60), "youth": rng.randint(10, 40), "diaspora": rng.randint(0, 4)},
        {"step": "diagnostic", "date": date(start - 1, 10, rng.randint(1, 28)).isoformat(),
         "place": f"Villages et quartiers {de(name)}", "place_country": "ML", "men": rng.randint(80, 300),
         "women": rng.randint(60, 250), "youth": rng.randint(30, 120), "diaspora": 0},
        {"step": "diagnostic_migratoire", "date": date(start - 1, 11, rng.randint(1, 28)).isoformat(),
         "place": (f"{associations[0]['host_city'] or country_name(associations[0]['host_country'])}, rencontre "
                   f"avec les ressortissants") if diaspora_step_abroad else f"Mairie {de(name)}",
         "place_country": associations[0]["host_country"] if diaspora_step_abroad else "ML",
         "men": rng.randint(10, 50), "women": rng.randint(3, 20), "youth": rng.randint(3, 20),
         "diaspora": rng.randint(10, 60) if diaspora_step_abroad else rng.randint(1, 8)},
        {"step": "atelier_planification", "date": date(start - 1, 12, rng.randint(1, 10)).isoformat(),
         "place": name, "place_country": "ML", "men": rng.randint(20, 50), "women": rng.randint(8, 30),
         "youth": rng.randint(5, 20), "diaspora": rng.randint(0, 5)},
        {"step": "restitution", "date": date(start - 1, 12, rng.randint(11, 20)).isoformat(),
         "place": f"Place publique {de(name)}", "place_country": "ML", "men": rng.randint(60, 200),
         "women": rng.randint(40, 160), "youth": rng.randint(20, 80), "diaspora": rng.randint(0, 3)},
    ]

    codev = []
    for _ in range(rng.randint(1, 3) if commune.region == "ML01" else rng.randint(0, 1)):
        sector, title = rng.choice((("education", "École de 3 classes"), ("sante", "Maternité"),
                                    ("hydraulique", "Puits à grand diamètre"), ("culture_jeunesse", "Mosquée"),
                                    ("sante", "Dispensaire"), ("hydraulique", "Forage équipé")))
        codev.append({"title": title, "locality": name, "sector": sector, "year": rng.randint(1975, 2020),
                      "cost_fcfa": _round(rng.randint(5_000_000, 60_000_000), 500_000),
                      "funders": f"Ressortissants en {country_name(main_country)}",
                      "state": rng.choices(("fonctionnel", "en_panne", "abandonne"), weights=(70, 20, 10))[0]})

    migration_findings = rng.sample(D.MIGRATION_FINDINGS, 3)

    def indicators(pf) -> list:
        share = str(pf.diaspora_share)
        ramp = lambda top: [round(top * (i + 1) / len(years)) for i in range(len(years))]  # noqa: E731
        return [(len(associations), years[0] - 1, [len(associations) + (i + 1) // 2 for i in range(len(years))]),
                (0, years[0] - 1, ramp(pf.diaspora_amount)), (0, years[0] - 1, [share] * len(years)),
                (0, years[0] - 1, ramp(pf.migration_actions)), (0, years[0] - 1, ramp(rng.randint(10, 60))),
                (0, years[0] - 1, [0] * len(years)), (0, years[0] - 1, [1] * len(years)),
                (years[0] - 2, years[0] - 1, [years[0]] * len(years))]

    title = f"PDESC de la commune {de(name)} {start}-{end}"
    return {
        "title": title, "period": (start, end), "status": status, "adoption": adoption_data,
        "associations": associations,
        "identification": {
            "title": title, "period_start": start, "period_end": end, "guide_version": rng.choice(("2018", "2024")),
            "facilitators": "Comité de pilotage communal ; services techniques du cercle " + de(commune.cercle),
            "process_funders": "Budget communal" + (" ; ressortissants" if associations else ""),
            "summary": f"Plan de démonstration généré (données inventées) pour la commune {de(name)}, "
                       f"cercle {de(commune.cercle)}.",
            "process_steps": steps},
        "situation": {
            "population_records": [
                {"year": 2009, "value": p2009, "source": "rgph_2009", "note": "Valeur de démonstration"},
                {"year": 2022, "value": p2022, "source": "rgph_2022", "note": "Valeur de démonstration"}],
            "sector_diagnostics": [
                {"sector": s, "sub_sector": "", "findings_text": D.SECTOR_FINDINGS[s][0],
                 "assets": D.SECTOR_FINDINGS[s][3], "constraints": D.SECTOR_FINDINGS[s][1] + " "
                 + D.SECTOR_FINDINGS[s][2], "potentials": ""} for s in sectors],
            "findings": [{"theme": s, "text": D.SECTOR_FINDINGS[s][0]} for s in sectors if s != "migration"]},
        "migration": {
            "emigrants_total": emigrants, "emigrants_internal": max(internal, 0), "emigrants_international": abroad,
            "data_year": rng.randint(2021, start - 1), "source": "Enquête communale (démonstration)",
            "reliability": rng.choice(("estime", "declaratif", "mesure")),
            "households_with_emigrant_pct": str(min(Decimal(95), receiving + rng.randint(5, 20))),
            "households_receiving_remittances_pct": str(receiving), "remittances_fcfa_per_year": remittances,
            "remittance_uses": "Consommation, santé, scolarité, construction.",
            "returnees_voluntary": returnees - forced, "returnees_forced": forced,
            "returnee_graduates": rng.randint(0, returnees // 10), "returnee_skills_needs": "",
            "displaced_hosted": rng.randint(100, 3000) if displacement else None,
            "displaced_returned": rng.randint(0, 500) if displacement else None,
            "transit_seasonal": "Départs saisonniers après les récoltes." if rng.random() < 0.5 else "",
            "destinations": [{"country": c, "city": D.DIASPORA_CITIES.get(c, ""), "count": counts[c],
                              "trend": rng.choice(("hausse", "stable", "baisse", "inconnue"))} for c in picked],
            "codev_projects": codev,
            "findings": [{"text": t} for t in migration_findings]},
        "axes": axes,
        "priorities": [(a["title"], objective_of[a["sector"]][0], [rng.randint(1, 5) for _ in range(5)])
                       for a in actions[:6]],
        "actions": actions,
        "indicators": indicators,
    }


_ANICT_SECTORS = {"education", "sante", "hydraulique", "assainissement", "infrastructures", "commerce", "transport",
                  "elevage", "agriculture", "securite_alimentaire"}


def _status(rng: random.Random) -> str:
    return rng.choices(("acquis", "promis", "a_rechercher"), weights=(25, 55, 20))[0]


def _random_action(rng: random.Random, template, years: list[int], commune: str, associations: list[str],
                   objective_of: dict) -> dict:
    sector, sub_sector, title, unit, (qmin, qmax), (cmin, cmax), tag_choices = template
    step = 5000 if cmax >= 1_000_000 else 500
    unit_cost = max(step, _round(rng.randint(cmin, cmax), step))
    quantity = rng.randint(qmin, qmax)
    while quantity > 1 and quantity * unit_cost > MAX_LINE_FCFA:
        quantity -= 1
    while quantity * unit_cost < MIN_LINE_FCFA:
        quantity += 1
    total = quantity * unit_cost
    tags = rng.choice(tag_choices)
    if "diaspora" in tags and not associations:
        tags = ",".join(t for t in tags.split(",") if t != "diaspora")

    lines, scheme = [], None
    pct = lambda p: _round(total * p, 1000)  # noqa: E731
    if "diaspora" in tags:
        association = rng.choice(associations)
        programme = total * 7 // 10
        if 15_000_000 <= programme <= 30_000_000 and total % 10 == 0 and rng.random() < 0.5:
            scheme = "diaspora_ctc"
            lines = [{"source": "programme_codev", "amount": programme, "name": "Programme d'appui aux "
                      "investissements de la diaspora", "status": _status(rng)},
                     {"source": "association_diaspora", "amount": total // 10, "name": association,
                      "status": "promis"},
                     {"source": "budget_communal", "amount": total - programme - total // 10,
                      "name": f"Commune {de(commune)}", "status": _status(rng)}]
        else:
            diaspora = pct(rng.uniform(0.2, 0.6))
            local = pct(rng.uniform(0.05, 0.15))
            lines = [{"source": "association_diaspora", "amount": diaspora, "name": association, "status": "promis"},
                     {"source": "budget_communal", "amount": local, "name": f"Commune {de(commune)}",
                      "status": _status(rng)}]
            rest = total - diaspora - local
            if rest > 0 and rng.random() < 0.7:
                source = rng.choice(("cooperation_decentralisee", "ptf", "ong"))
                lines.append({"source": source, "amount": rest, "name": rng.choice(D.FUNDING_PARTNERS[source]),
                              "status": _status(rng)})
    elif sector in _ANICT_SECTORS and rng.random() < 0.5:
        anict = pct(rng.choice((0.7, 0.75, 0.8)))
        local = pct(0.1)
        lines = [{"source": "anict", "amount": anict, "name": "ANICT (droits de tirage)", "status": _status(rng)},
                 {"source": "budget_communal", "amount": local, "name": f"Commune {de(commune)}",
                  "status": _status(rng)}]
        population = total - anict - local
        if rng.random() < 0.75:
            lines.append({"source": "population", "amount": population, "name": "Population bénéficiaire",
                          "status": "promis", "in_kind": True})
            if anict <= total * 8 // 10 and rng.random() < 0.6:
                scheme = "anict"
    else:
        source = rng.choice(("ptf", "ong", "etat", "ptf"))
        main = pct(rng.uniform(0.5, 0.85))
        lines = [{"source": source, "amount": main, "name": rng.choice(D.FUNDING_PARTNERS[source]),
                  "status": _status(rng)}]
        if rng.random() < 0.8:
            share = rng.uniform(0.1, 1 - main / total) if total > main else 0
            lines.append({"source": "budget_communal", "amount": pct(share), "name": f"Commune {de(commune)}",
                          "status": _status(rng)})
    lines = [line for line in lines if line["amount"] > 0]

    span = rng.randint(1, min(3, len(years)))
    first = rng.randint(0, len(years) - span)
    schedule = dict(zip(years[first:first + span], _split(total, span, rng)))
    locality = commune if rng.random() < 0.7 else "Ensemble de la commune"
    return {"title": title, "sector": sector, "sub_sector": sub_sector, "objective": objective_of[sector],
            "expected_results": f"{quantity} {unit}{'s' if quantity > 1 and not unit.endswith('s') else ''} "
                                "réalisé(s) et fonctionnel(s).",
            "localities": locality, "quantity": quantity, "unit": unit, "unit_cost": unit_cost,
            "maitre_ouvrage": f"Commune {de(commune)}", "tags": tags,
            "status": rng.choices(("prevu", "finance", "en_cours"), weights=(80, 12, 8))[0], "scheme": scheme,
            "schedule": schedule, "lines": lines,
            "location_precision": "exacte" if rng.random() < 0.8 else "approximative"}


# ---------------------------------------------------------------------------------------------------------------
# Listing


def list_plans(session: Session, owner: Optional[PlanOwner] = None) -> list[Plan]:
    query = sa.select(Plan).options(orm.joinedload(Plan.owner)).order_by(Plan.id)
    if owner is not None:
        query = query.where(Plan.owner_id == owner.id)
    return list(session.scalars(query))
