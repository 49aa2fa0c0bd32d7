"""The rules and the writes of a plan's execution: one action in one year at a time (docs/DOMAIN.md §15).

- Only a plan « validé » or « adopté » has an execution (`is_open`); its content stays frozen: nothing here writes a
  row of the plan, its actions or its funding lines.
- The owner's planners record it (`may_edit`: plans/accounts/access.py, `can_edit_owner_plans`); whoever reads the
  plan reads its execution (`can_read_owner`). Anyone else: PermissionError with the French reason.
- A save is checked whole (`check`), then written in one transaction; a refused save writes nothing and raises
  ValidationError with French messages keyed by field: "status", "progress", "start_date", "end_date",
  "contractor", "observations", "functioning", "funding-<i>-mobilised", "funding-<i>-paid" (<i>: the index of the
  line in `action.funding_lines`), "year".
- Optimistic locking: a record carries `version` (0 before its first save); the form sends the version it was
  loaded with and the save is an UPDATE … WHERE version = expected, so of two saves from the same version one gets
  ConflictError (the 409 page). A first save creates the row at version 0 with an INSERT that skips a row another
  save has just created, so two first saves at once are a conflict too, never a 500.
- Every save is kept in the record's history (`ExecutionChange`, the newest limits.HISTORY_RESTORABLE restorable,
  as the sections' history) and journaled (plans/core/audit.py, « execution.save » / « execution.restore »).

The rules of the money (per funding line, amounts in FCFA, each year's amounts being flows):
- mobilised and paid are whole FCFA, ≥ 0 (plans/core/money.py);
- by the end of every year, what was paid from a line cannot exceed what was mobilised for it (the save's year and
  every later year are checked, since lowering an early year's receipts can break a later year);
- what is mobilised for a line over the whole plan cannot exceed the line's amount (plans/planning/finance.py,
  `action_figures(...).line_amounts`): more money than adopted needs a revision of the plan.
Dates fall within the plan's period, the end not before the start; progress is a whole percentage 0–100, and 100
for a realised action; the functioning state (CODEV_STATES) is said of a realised work only.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import User
from plans.core import audit, limits
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.formatting import fcfa
from plans.core.money import AmountError, parse_decimal, parse_fcfa
from plans.core.vocab import CODEV_STATES, EXECUTION_STATUSES, FUNDING_SOURCES
from plans.execution.models import ExecutionChange, ExecutionFunding, ExecutionRecord
from plans.planning import finance
from plans.planning import summary as plan_summary
from plans.planning.models import Action, Plan, PlanStatus
from plans.planning.sections import parse_version

OPEN_STATUSES = frozenset({PlanStatus.VALIDE, PlanStatus.ADOPTE})
REALISED = "realise"
FIELDS = ("status", "progress", "start_date", "end_date", "contractor", "observations", "functioning")
CONTRACTOR_CHARS = 200

MSG_NOT_OPEN = ("Le suivi de l'exécution s'ouvre quand le plan est validé ou adopté : ce plan est « {status} ».")
MSG_NOT_EDITOR = "Seuls les planificateurs de la collectivité enregistrent l'exécution de ce plan."
MSG_NOT_READER = "Ce plan appartient à une autre collectivité."


# ----- Who, when ---------------------------------------------------------------------------------------------

def is_open(plan: Plan) -> bool:
    """Whether the plan has an execution to follow: validated or adopted."""
    return plan.status in OPEN_STATUSES


def may_read(user: User, plan: Plan) -> bool:
    return access.can_read_owner(user, plan.owner)


def may_edit(user: Optional[User], plan: Plan) -> bool:
    """The owner's planners, on a validated or adopted plan (the command line passes user None: the operator)."""
    if not is_open(plan):
        return False
    return user is None or access.can_edit_owner_plans(user, plan.owner)


def edit_refusal(user: Optional[User], plan: Plan) -> Optional[str]:
    """Why `user` may not record this plan's execution (French), None when they may."""
    if not is_open(plan):
        return MSG_NOT_OPEN.format(status=plan.status.label)
    if user is not None and not access.can_edit_owner_plans(user, plan.owner):
        return MSG_NOT_EDITOR
    return None


# ----- Reading -----------------------------------------------------------------------------------------------

def records(session: Session, plan: Plan) -> list[ExecutionRecord]:
    """Every execution record of the plan, with its money, ordered by action then year."""
    return list(session.scalars(
        sa.select(ExecutionRecord).where(ExecutionRecord.plan_id == plan.id)
        .options(orm.selectinload(ExecutionRecord.funding))
        .order_by(ExecutionRecord.action_id, ExecutionRecord.year)))


def record_of(session: Session, action: Action, year: int) -> Optional[ExecutionRecord]:
    return session.scalar(sa.select(ExecutionRecord).where(ExecutionRecord.action_id == action.id,
                                                           ExecutionRecord.year == year)
                          .options(orm.selectinload(ExecutionRecord.funding)))


def version_of(record: Optional[ExecutionRecord]) -> int:
    return record.version if record is not None else 0


def dump(action: Action, year: int, record: Optional[ExecutionRecord]) -> dict:
    """The record as plain data (what a form shows, what the history keeps): figures as ints, dates ISO, the money
    per funding line of the action in its order ({"line_id", "mobilised", "paid"})."""
    by_line = {f.funding_line_id: f for f in (record.funding if record is not None else ())}
    return {
        "action_uuid": action.uuid, "year": year,
        "status": record.status if record is not None else "prevu",
        "progress": record.progress if record is not None else 0,
        "start_date": record.start_date.isoformat() if record is not None and record.start_date else None,
        "end_date": record.end_date.isoformat() if record is not None and record.end_date else None,
        "contractor": record.contractor if record is not None else "",
        "observations": record.observations if record is not None else "",
        "functioning": record.functioning if record is not None else None,
        "funding": [{"line_id": line.id,
                     "mobilised": by_line[line.id].mobilised if line.id in by_line else 0,
                     "paid": by_line[line.id].paid if line.id in by_line else 0}
                    for line in action.funding_lines],
    }


# ----- Checking ----------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def parse_date(value: Any) -> Optional[date]:
    """A date given as a date, « 2025-03-15 » or « 15/03/2025 »; None when blank; ValueError when unreadable."""
    if value is None or isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return date.fromisoformat(text)


def parse_progress(value: Any) -> int:
    """A physical progress typed « 45 », « 45 % », « 45,0 »: a whole percentage 0–100, else ValueError."""
    if isinstance(value, bool):
        raise ValueError
    text = _text(value).rstrip("%").strip() if not isinstance(value, int) else value
    if text == "":
        return 0
    try:
        number = parse_decimal(text, required=True, allow_negative=True)
    except AmountError:
        raise ValueError from None
    if number != number.to_integral_value() or not 0 <= number <= 100:
        raise ValueError
    return int(number)


MSG_PROGRESS = "L'avancement physique est un pourcentage entier entre 0 et 100."


def line_label(line) -> str:
    """« Association de la diaspora (Enndam Jombuku) »: how a message names a funding line."""
    source = FUNDING_SOURCES.get(line.source_type, line.source_type or "Source")
    return f"{source} ({line.source_name})" if (line.source_name or "").strip() else source


def check(plan: Plan, action: Action, year: int, data: dict, other_years: dict[int, dict[int, tuple[int, int]]]
          ) -> dict:
    """The record `data` checked: the clean values, or ValidationError (every message at once, keyed by field).
    `other_years`: for each other year with a record, line id → (mobilised, paid), for the checks across years."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    years = list(plan.years)
    if year not in years:
        err("year", f"L'année {year} est hors de la période du plan ({years[0]}–{years[-1]}).")
    status = _text(data.get("status")) or "prevu"
    if status not in EXECUTION_STATUSES:
        err("status", "Choisissez l'état d'exécution dans la liste.")
    try:
        progress = parse_progress(data.get("progress"))
    except (ValueError, ArithmeticError):
        progress = None
        err("progress", MSG_PROGRESS)
    if progress is not None and status == REALISED and progress != 100:
        err("progress", f"Une action réalisée est avancée à 100 % (saisi : {progress} %).")
    dates = {}
    for key, label in (("start_date", "de début"), ("end_date", "de fin")):
        try:
            dates[key] = parse_date(data.get(key))
        except (ValueError, TypeError):
            dates[key] = None
            err(key, f"Date {label} illisible : écrivez-la sous la forme 15/03/{year}.")
            continue
        when = dates[key]
        if when is not None and not plan.period_start <= when.year <= plan.period_end:
            err(key, f"La date {label} ({when.strftime('%d/%m/%Y')}) est hors de la période du plan "
                     f"({plan.period_start}–{plan.period_end}).")
    if dates.get("start_date") and dates.get("end_date") and dates["end_date"] < dates["start_date"]:
        err("end_date", "La date de fin précède la date de début.")
    contractor = _text(data.get("contractor"))
    if len(contractor) > CONTRACTOR_CHARS:
        err("contractor", f"Le nom de l'entreprise ou du prestataire ne peut pas dépasser {CONTRACTOR_CHARS} "
                          "caractères.")
    observations = _text(data.get("observations"))
    if len(observations) > limits.TEXT_LONG:
        err("observations", f"Les observations ne peuvent pas dépasser {limits.TEXT_LONG} caractères.")
    functioning = _text(data.get("functioning")) or None
    if functioning is not None:
        if functioning not in CODEV_STATES:
            err("functioning", "Choisissez l'état de fonctionnement dans la liste.")
        elif status != REALISED:
            err("functioning", "L'état de fonctionnement se renseigne pour un ouvrage réalisé.")

    figures = finance.action_figures(action, years)
    posted = data.get("funding") or []
    money: dict[int, tuple[int, int]] = {}
    for i, line in enumerate(action.funding_lines):
        row = posted[i] if i < len(posted) and isinstance(posted[i], dict) else {}
        values = []
        for key in ("mobilised", "paid"):
            try:
                values.append(parse_fcfa(row.get(key), required=False) or 0)
            except AmountError as error:
                values.append(0)
                err(f"funding-{i}-{key}", error.message)
        money[line.id] = (values[0], values[1])
    if len(posted) > len(action.funding_lines):
        err("", "Le formulaire nomme des lignes de financement que cette action n'a pas : rechargez la page.")

    for i, (line, amount) in enumerate(zip(action.funding_lines, figures.line_amounts)):
        flows = {y: v[line.id] for y, v in other_years.items() if y != year and line.id in v}
        flows[year] = money[line.id]
        mobilised = paid = 0
        for y in sorted(flows):
            mobilised += flows[y][0]
            paid += flows[y][1]
            if y >= year and paid > mobilised:
                err(f"funding-{i}-paid",
                    f"{line_label(line)} : le payé cumulé à fin {y} ({fcfa(paid)}) dépasse le mobilisé cumulé "
                    f"({fcfa(mobilised)}) de {fcfa(paid - mobilised)}.")
                break
        if mobilised > amount:
            err(f"funding-{i}-mobilised",
                f"{line_label(line)} : le mobilisé sur la durée du plan ({fcfa(mobilised)}) dépasse le montant "
                f"prévu de la ligne ({fcfa(amount)}) de {fcfa(mobilised - amount)} ; un financement plus élevé "
                "demande une révision du plan.")
    if errors:
        raise ValidationError(errors)
    return {"status": status, "progress": progress, "start_date": dates["start_date"],
            "end_date": dates["end_date"], "contractor": contractor, "observations": observations,
            "functioning": functioning, "money": money}


def _other_years(session: Session, action: Action, year: int) -> dict[int, dict[int, tuple[int, int]]]:
    rows = session.execute(
        sa.select(ExecutionRecord.year, ExecutionFunding.funding_line_id, ExecutionFunding.mobilised,
                  ExecutionFunding.paid)
        .join(ExecutionFunding, ExecutionFunding.record_id == ExecutionRecord.id)
        .where(ExecutionRecord.action_id == action.id, ExecutionRecord.year != year))
    out: dict[int, dict[int, tuple[int, int]]] = {}
    for y, line_id, mobilised, paid in rows:
        out.setdefault(y, {})[line_id] = (int(mobilised), int(paid))
    return out


# ----- Writing -----------------------------------------------------------------------------------------------

def _stored_record(session: Session, plan: Plan, action: Action, year: int) -> ExecutionRecord:
    """The record's row, created at version 0 if missing; two first saves at once: the second insert is skipped."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(ExecutionRecord).values(
        plan_id=plan.id, action_id=action.id, year=year, status="prevu", progress=0, contractor="", observations="",
        version=0).on_conflict_do_nothing())
    return session.scalar(sa.select(ExecutionRecord).where(ExecutionRecord.action_id == action.id,
                                                           ExecutionRecord.year == year)
                          .execution_options(populate_existing=True))


def _summary(action: Action, year: int, clean: dict) -> str:
    return (f"Exécution {year} de « {action.title} » : {EXECUTION_STATUSES[clean['status']].lower()}, "
            f"avancement {clean['progress']} %")


def save(session: Session, plan: Plan, action: Action, year: int, data: dict, expected_version: Any,
         user: Optional[User], *, ip: str = "", journal: str = "execution.save") -> ExecutionRecord:
    """Checks and writes one action's execution in one year (rules: module docstring). The caller commits."""
    refusal = edit_refusal(user, plan)
    if refusal:
        raise PermissionError(refusal)
    if action.plan_id != plan.id:
        raise ValidationError({"": "Cette action n'appartient pas à ce plan."})
    expected = parse_version(expected_version)
    clean = check(plan, action, year, data, _other_years(session, action, year))
    return write(session, plan, action, year, clean, expected, user, ip=ip, journal=journal)


def write(session: Session, plan: Plan, action: Action, year: int, clean: dict, expected: Optional[int],
          user: Optional[User], *, ip: str = "", journal: Optional[str] = "execution.save",
          summary: Optional[str] = None) -> ExecutionRecord:
    """Writes a record `check` returned (`clean`) over the version `expected`, kept in the history. Who may is the
    caller's to ask (`save`; a plan file's import, plans/review/planfile_execution.py, which checks a file's years
    together). `journal` None: no entry of its own (the import journals itself); `summary`: the history's line."""
    record = _stored_record(session, plan, action, year)
    if expected is None or expected != record.version:
        raise ConflictError("execution")
    now = utcnow()
    updated = session.execute(
        sa.update(ExecutionRecord).where(ExecutionRecord.id == record.id, ExecutionRecord.version == record.version)
        .values(version=record.version + 1, saved_at=now, saved_by_id=user.id if user else None)
        .execution_options(synchronize_session=False))
    if updated.rowcount != 1:
        raise ConflictError("execution")
    session.refresh(record)
    for name in FIELDS:
        setattr(record, name, clean[name])
    existing = {f.funding_line_id: f for f in record.funding}
    kept = []
    for line in action.funding_lines:
        mobilised, paid = clean["money"][line.id]
        row = existing.pop(line.id, None) or ExecutionFunding(funding_line_id=line.id)
        row.mobilised, row.paid = mobilised, paid
        kept.append(row)
    record.funding[:] = kept
    session.flush()
    summary = summary or _summary(action, year, clean)
    # The plan's summary (its exec_* figures) is recomputed by the desk's next reader: counted in this transaction.
    plan_summary.mark(session, plan.id)
    session.add(ExecutionChange(plan_id=plan.id, action_uuid=action.uuid, year=year,
                                user_id=user.id if user else None, at=now, summary=summary,
                                snapshot=dump(action, year, record)))
    session.flush()
    _prune(session, plan.id, action.uuid, year)
    if journal:
        audit.record(session, user, journal, target=f"plan:{plan.id}",
                     details={"action": action.uuid, "year": year, "status": clean["status"],
                              "progress": clean["progress"], "version": record.version}, ip=ip)
    return record


def same_as_stored(action: Action, record: Optional[ExecutionRecord], clean: dict) -> bool:
    """Whether writing `clean` would leave the stored record as it is (an import skips such a record)."""
    if record is None:
        return False
    money = {f.funding_line_id: (int(f.mobilised), int(f.paid)) for f in record.funding}
    return (all(getattr(record, name) == clean[name] for name in FIELDS)
            and all(money.get(line.id, (0, 0)) == clean["money"][line.id] for line in action.funding_lines))


def _prune(session: Session, plan_id: int, action_uuid: str, year: int) -> None:
    older = list(session.scalars(
        sa.select(ExecutionChange).where(ExecutionChange.plan_id == plan_id, ExecutionChange.action_uuid == action_uuid,
                                         ExecutionChange.year == year, ExecutionChange.restorable.is_(True))
        .order_by(ExecutionChange.id.desc()).offset(limits.HISTORY_RESTORABLE)))
    for change in older:
        change.snapshot = {"action_uuid": action_uuid, "year": year}
        change.restorable = False
    if older:
        session.flush()


def history(session: Session, plan: Plan, action: Action, year: int, limit: int = 50) -> list[ExecutionChange]:
    """The saves of one action's execution in one year, newest first."""
    return list(session.scalars(
        sa.select(ExecutionChange).where(ExecutionChange.plan_id == plan.id, ExecutionChange.action_uuid == action.uuid,
                                         ExecutionChange.year == year)
        .order_by(ExecutionChange.id.desc()).limit(limit)))


MSG_NOT_RESTORABLE = ("Cette version n'est plus conservée en entier (seules les {n} dernières le sont) : "
                      "elle ne peut pas être restaurée.")


def restore(session: Session, plan: Plan, change_id: int, expected_version: Any, user: Optional[User], *,
            ip: str = "") -> ExecutionRecord:
    """Writes an earlier save of a record back, as a new save (checked again, versioned, kept in the history)."""
    change = session.get(ExecutionChange, change_id)
    if change is None or change.plan_id != plan.id:
        raise ValidationError({"": "Cette version n'existe pas dans l'historique de ce plan."})
    if not change.restorable:
        raise ValidationError({"": MSG_NOT_RESTORABLE.format(n=limits.HISTORY_RESTORABLE)})
    action = session.scalar(sa.select(Action).where(Action.plan_id == plan.id, Action.uuid == change.action_uuid))
    if action is None:
        raise ValidationError({"": "L'action de cette version n'existe plus dans ce plan."})
    saved = change.snapshot
    by_line = {row.get("line_id"): row for row in saved.get("funding") or []}
    data = {**{k: saved.get(k) for k in FIELDS},
            "funding": [{"mobilised": by_line.get(line.id, {}).get("mobilised", 0),
                         "paid": by_line.get(line.id, {}).get("paid", 0)} for line in action.funding_lines]}
    return save(session, plan, action, change.year, data, expected_version, user, ip=ip, journal="execution.restore")
