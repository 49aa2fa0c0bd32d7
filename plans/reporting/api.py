"""What the partner API reads: the plans an account may read (latest revision of each), filtered and paged, as
JSON-ready summaries, one revision of one plan, and its execution. Figures come from plans.planning.finance and
plans.planning.indicators (population, investment per inhabitant, funding states, diaspora-funded actions), the
execution's from plans.execution.figures (`plan_execution` at the end of each year recorded: rates, money mobilised
and paid, cumulated through that year; per action its state, progress and money); visibility from
plans.accounts.access. Rates are strings with two decimals (as "diaspora_share"), null where there is nothing to
divide by (no diaspora money programmed)."""
from __future__ import annotations

import math
import re
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Mapping, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts import service as accounts_service
from plans.accounts.models import User
from plans.core.errors import ValidationError
from plans.execution import figures as execution_figures
from plans.execution.models import ExecutionRecord
from plans.owners.models import GroupingMember, PlanOwner
from plans.planning import finance, indicators
from plans.planning import service as plan_service
from plans.planning.models import Plan, PlanStatus
from plans.territory.models import AdminUnit

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_INT_PARAMETER = 1_000_000
STATUSES = [s.value for s in PlanStatus]
# A summary's "funding_states": API key → plans.planning.indicators state (definitions and labels there).
FUNDING_STATE_KEYS = {"identified": indicators.IDENTIFIED, "secured": indicators.SECURED,
                      "promised": indicators.PROMISED, "to_find": indicators.TO_FIND,
                      "not_covered": indicators.NOT_COVERED}
PCODE_RE = re.compile(r"[A-Za-z]{2}[0-9]{2,12}")


@dataclass(frozen=True)
class PlanQuery:
    status: Optional[PlanStatus] = None
    region: Optional[AdminUnit] = None
    since: Optional[datetime] = None  # naive UTC, as stored
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


@dataclass
class PlanPage:
    plans: list[dict]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def positive_int(args: Mapping[str, str], name: str, default: int | None = None,
                 maximum: int = MAX_INT_PARAMETER) -> int:
    """A whole-number parameter from 1 to `maximum` (`default` when absent)."""
    raw = (args.get(name) or "").strip()
    if not raw and default is not None:
        return default
    digits = raw.lstrip("0")
    if not raw.isascii() or not raw.isdigit() or not digits:
        raise ValidationError({name: [f"Le paramètre « {name} » doit être un nombre entier supérieur ou égal à 1."]})
    # Compared as text first: int() of thousands of digits is refused by Python itself.
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise ValidationError({name: [f"Le paramètre « {name} » ne peut pas dépasser {maximum}."]})
    return int(digits)


def parse_since(raw: str) -> datetime:
    """An ISO 8601 date or date-time (UTC unless it says otherwise) → naive UTC. An offset that carries the instant
    past year 1 or 9999 (`0001-01-01T00:00:00+05:00`) is refused like any unreadable date."""
    try:
        if len(raw) == 10:
            return datetime.combine(datetime.strptime(raw, "%Y-%m-%d").date(), time())
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ValidationError({"since": [f"Le paramètre « since » doit être une date ISO 8601, par exemple "
                                         f"2025-01-31 ou 2025-01-31T08:00:00Z (reçu : « {raw[:40]} »)."]}) from None
    return value


def parse_query(session: Session, args: Mapping[str, str]) -> PlanQuery:
    """The list's parameters, checked; a ValidationError keyed by the parameter names what is wrong."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for name, default, maximum in (("page", 1, MAX_INT_PARAMETER), ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)):
        try:
            values[name] = positive_int(args, name, default, maximum)
        except ValidationError as error:
            errors.update(error.errors)
    status = args.get("status")
    if status:
        if status not in STATUSES:
            errors["status"] = [f"Statut inconnu : « {status[:40]} ». Statuts possibles : {', '.join(STATUSES)}."]
        else:
            values["status"] = PlanStatus(status)
    region = args.get("region")
    if region:
        try:
            if not PCODE_RE.fullmatch(region.strip()):
                raise ValidationError({"region": [f"Code de région inconnu : « {region[:40]} ». Exemple : ML01 pour "
                                                  f"Kayes."]})
            values["region"] = accounts_service.region_by_code(session, region.strip())
        except ValidationError as error:
            errors["region"] = error.messages
    since = args.get("since")
    if since:
        try:
            values["since"] = parse_since(since.strip())
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return PlanQuery(**values)


def owner_pcodes(owner: PlanOwner) -> list[str]:
    """The P-codes an owner is known by: its unit's, or its members' (foreign units known only by name have none)."""
    units = [owner.unit] if owner.unit is not None else owner.member_units
    return [u.code for u in units if u is not None and not u.is_manual]


def iso_utc(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def _rate(value) -> Optional[str]:
    return str(value) if value is not None else None


def recorded_years(records: list) -> list[int]:
    return sorted({r.year for r in records})


def execution_year(ex: execution_figures.PlanExecution) -> dict:
    """One year of a plan's execution as the API gives it (plans/execution/figures.py's figures, copied)."""
    return {
        "year": ex.year,
        "physical_rate": _rate(ex.physical_rate),
        "financial_rate": _rate(ex.financial_rate),
        "mobilised_rate": _rate(ex.mobilised_rate),
        "planned": ex.planned,
        "mobilised": ex.mobilised,
        "paid": ex.paid,
        "pia_planned": ex.pia_planned,
        "pia_paid": ex.pia_paid,
        "diaspora": {"promised": ex.diaspora_promised, "mobilised": ex.diaspora_mobilised,
                     "paid": ex.diaspora_paid, "mobilised_rate": _rate(ex.diaspora_mobilised_rate)},
    }


def execution_summary(plan: Plan, pf: finance.PlanFinance, records: list) -> Optional[dict]:
    """The list's "execution": every year recorded (cumulated through each), None without any record."""
    years = recorded_years(records)
    if not years:
        return None
    return {"latest_year": years[-1],
            "years": [execution_year(execution_figures.plan_execution(plan, records, y, pf)) for y in years]}


def _action_year(a: execution_figures.ActionExecution) -> dict:
    record = a.record
    return {
        "uuid": a.action.uuid,
        "title": a.action.title,
        "recorded": record is not None,
        "status": a.status,
        "status_label": a.status_label,
        "progress": a.progress,
        "start_date": record.start_date.isoformat() if record is not None and record.start_date else None,
        "end_date": record.end_date.isoformat() if record is not None and record.end_date else None,
        "functioning": record.functioning if record is not None else None,
        "cost": a.cost,
        "mobilised_year": a.mobilised_year,
        "paid_year": a.paid_year,
        "mobilised": a.mobilised,
        "paid": a.paid,
        "financial_rate": _rate(a.financial_rate),
        "funding": [{"source": x.line.source_type, "funder": x.line.source_name or "", "amount": x.amount,
                     "mobilised_year": x.mobilised_year, "paid_year": x.paid_year, "mobilised": x.mobilised,
                     "paid": x.paid, "state": x.state} for x in a.lines],
    }


def execution_document(session: Session, plan: Plan, year: Optional[int] = None) -> dict:
    """GET /api/v1/plans/<uuid>/execution: per year recorded (or the one `year`), the plan's rates and each action's
    state, progress and money (the year's flows and the totals through it)."""
    plan = _with_finance(session, [plan.id])[plan.id]
    records = _records_by_plan(session, [plan.id]).get(plan.id, [])
    pf = finance.plan_finance(plan)
    years = recorded_years(records)
    if year is not None:
        years = [year]
    out = []
    for y in years:
        ex = execution_figures.plan_execution(plan, records, y, pf)
        out.append({**execution_year(ex), "actions": [_action_year(a) for a in ex.actions]})
    return {"uuid": plan.uuid, "revision": plan.revision, "title": plan.title, "status": plan.status.value,
            "years_recorded": recorded_years(records), "years": out}


def parse_year(args: Mapping[str, str], plan: Plan) -> Optional[int]:
    """?year=YYYY: a year of the plan's period, None when absent."""
    if not args.get("year"):
        return None
    year = positive_int(args, "year", maximum=9999)
    if not plan.period_start <= year <= plan.period_end:
        raise ValidationError({"year": [f"L'année {year} n'est pas dans la période du plan "
                                        f"({plan.period_start}-{plan.period_end})."]})
    return year


def plan_summary(plan: Plan, figures: finance.PlanFinance, revisions: list[Plan],
                 records: Optional[list] = None) -> dict:
    owner = plan.owner
    ind = indicators.plan_indicators(plan, figures)
    states = ind.funding.by_key()
    return {
        "uuid": plan.uuid,
        "revision": plan.revision,
        "title": plan.title,
        "status": plan.status.value,
        "status_label": plan.status.label,
        "period": {"start": plan.period_start, "end": plan.period_end},
        "owner": {"name": owner.name, "kind": owner.kind.value, "kind_label": owner.kind_label,
                  "pcodes": owner_pcodes(owner)},
        "total_cost": figures.total,
        "funded": figures.funded,
        "diaspora_amount": figures.diaspora_amount,
        "diaspora_share": str(figures.diaspora_share),
        "funding_states": {key: states[state] for key, state in FUNDING_STATE_KEYS.items()},
        "population": ind.population,
        "population_year": ind.population_year,
        "investment_per_inhabitant": ind.cost_per_inhabitant,
        "diaspora_funded_actions": [a.uuid for a in ind.diaspora_funded_actions],
        "updated_at": iso_utc(plan.updated_at),
        "revisions": [{"revision": r.revision, "status": r.status.value} for r in revisions],
        "execution": execution_summary(plan, figures, records or []),
    }


def _visible_by_uuid(session: Session, user: User) -> dict[str, list[Plan]]:
    """Every revision an account may read, grouped by plan uuid, oldest revision first."""
    grouped: dict[str, list[Plan]] = {}
    for plan in plan_service.visible_plans(session, user):
        grouped.setdefault(plan.uuid, []).append(plan)
    for revisions in grouped.values():
        revisions.sort(key=lambda p: p.revision)
    return grouped


def list_plans(session: Session, user: User, query: PlanQuery) -> PlanPage:
    """The latest revision of each plan the account may read that passes the filters, newest change first."""
    grouped = _visible_by_uuid(session, user)
    latest = [revisions[-1] for revisions in grouped.values()]
    if query.status is not None:
        latest = [p for p in latest if p.status is query.status]
    if query.since is not None:
        latest = [p for p in latest if p.updated_at >= query.since]
    if query.region is not None:
        _load_owner_units(session, {p.owner_id for p in latest})
        latest = [p for p in latest if query.region.id in access.owner_region_ids(p.owner)]
    latest.sort(key=lambda p: (-p.updated_at.timestamp(), p.uuid))
    start = (query.page - 1) * query.per_page
    page = latest[start:start + query.per_page]
    with_figures = _with_finance(session, [p.id for p in page])
    records = _records_by_plan(session, [p.id for p in page])
    summaries = [plan_summary(with_figures[p.id], finance.plan_finance(with_figures[p.id]), grouped[p.uuid],
                              records.get(p.id, [])) for p in page]
    return PlanPage(summaries, query.page, query.per_page, len(latest))


def find_plan(session: Session, user: User, plan_uuid: str, revision: Optional[int] = None) -> Optional[Plan]:
    """One revision (the latest by default) of a plan the account may read; None when it does not exist OR may not
    be read, so that a caller cannot tell the two apart."""
    try:
        plan_uuid = str(uuid_module.UUID(plan_uuid))
    except (ValueError, AttributeError, TypeError):
        return None
    query = sa.select(Plan).options(orm.joinedload(Plan.owner)).where(Plan.uuid == plan_uuid)
    if revision is None:
        query = query.order_by(Plan.revision.desc()).limit(1)
    else:
        query = query.where(Plan.revision == revision)
    plan = session.scalar(query)
    if plan is None or not access.can_read_owner(user, plan.owner):
        return None
    return plan


def _with_finance(session: Session, plan_ids: list[int]) -> dict[int, Plan]:
    if not plan_ids:
        return {}
    plans = session.scalars(sa.select(Plan).where(Plan.id.in_(plan_ids)).options(
        *finance.load_options(), orm.selectinload(Plan.population_records), orm.selectinload(Plan.migration_profile)))
    return {p.id: p for p in plans}


def _records_by_plan(session: Session, plan_ids: list[int]) -> dict[int, list[ExecutionRecord]]:
    """The plans' execution records with their money, in one query."""
    out: dict[int, list[ExecutionRecord]] = {}
    if plan_ids:
        for record in session.scalars(sa.select(ExecutionRecord).where(ExecutionRecord.plan_id.in_(plan_ids))
                                      .options(orm.selectinload(ExecutionRecord.funding))
                                      .order_by(ExecutionRecord.action_id, ExecutionRecord.year)):
            out.setdefault(record.plan_id, []).append(record)
    return out


def _load_owner_units(session: Session, owner_ids: set[int]) -> None:
    """Loads the owners' units and members in a few queries before owner_region_ids walks them."""
    if owner_ids:
        session.scalars(sa.select(PlanOwner).where(PlanOwner.id.in_(owner_ids)).options(
            orm.selectinload(PlanOwner.unit), orm.selectinload(PlanOwner.members).selectinload(GroupingMember.unit),
        )).all()
