"""Section 5 — Actions (PIP): creating, changing, duplicating, reordering and deleting the plan's actions, one
at a time, and restoring one from the history.

Unlike the other sections, actions are saved one by one: each carries its own version (`Action.version_id`,
SQLAlchemy's `version_id_col`), so two people may edit two different actions at once, and a stale form for the
same action is refused with `ConflictError` (explicit check of the version the form was loaded with, plus the
`UPDATE … WHERE version_id = …` SQLAlchemy issues, whose failure `StaleDataError` is turned into a conflict).

Every operation goes through `plans.planning.sections.save_section` for the section "actions", so it bumps the section's
saved state and records a `PlanChange` whose snapshot is the action as saved (`dump_action` plus
"action_uuid" and "operation"). For a deletion the snapshot is the action as it was just before, so restoring
that change brings the action back. The module exposes `dump(plan)` and `apply(session, plan, snapshot)` for
the history's restore route (app/planning/routes.py `restore`): `apply` recreates or updates the action named
by the snapshot's "action_uuid" and `dump` then returns that action's snapshot.

Input (`data`) has the shape `dump_action` gives; values may also be what people type: "1 500 000",
"1.500.000", "2,5", "70 %". Rules:
- hard input errors (unreadable or negative figures, a share outside 0–100, an unknown sector, source, scheme,
  objective or association, a title missing, a location half given) are checked here (`clean`);
- every rule of plans/finance.action_figures that is an ERROR there also refuses the save: quantity ≤ 0,
  total typed without a reason, a schedule that does not add up to the total or leaves the period,
  over-funding, a diaspora line without its association, a co-financing scheme broken. Its WARNINGS (a scheme
  share still missing while part of the cost is unfunded) do not, and a funding gap is never an error.
The migration tag « Financé par la diaspora » is never taken from the input: `clean` derives it from the funding
lines (plans/planning/indicators.py `migration_tags`), and `dump_action` writes the derived tags.
Error keys are the form's field names: "title", "unit_cost", "schedule-2026", "funding_lines-2-share_pct" where
2 is the index of the row AS POSTED (blank rows included), so the message lands next to the right input.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from plans.accounts.models import User
from plans.core import limits
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.ids import canonical_uuid
from plans.core.money import AmountError, parse_decimal, parse_fcfa, parse_share
from plans.core.vocab import (
    ACTION_STATUSES,
    DIASPORA_SOURCES,
    FUNDING_SOURCES,
    FUNDING_STATUSES,
    LOCATION_PRECISIONS,
    MIGRATION_TAGS,
    SECTORS,
)
from plans.planning import finance, indicators, sections
from plans.planning.cofinancing import SCHEMES
from plans.planning.location import check_location
from plans.planning.models import Action, Axis, DiasporaAssociation, FundingLine, Plan, ScheduleEntry, new_uuid
from plans.planning.sectiondata import migration

SECTION = "actions"
COPY_SUFFIX = " (copie)"
_LAST_ACTION = "_actions_service_last_action"  # set on the Plan instance by `apply`, read by `dump`

TEXT_FIELDS = {"sub_sector": 200, "title": 300, "expected_results": limits.TEXT_CELL, "localities": 500, "unit": 50,
               "override_reason": 300, "maitre_ouvrage": 200}
SCALAR_FIELDS = ("objective_id", "sector", "sub_sector", "title", "expected_results", "localities", "quantity",
                 "unit", "unit_cost", "total_override", "override_reason", "maitre_ouvrage", "tags", "status",
                 "cofinancing_scheme", "lon", "lat", "location_precision")
LINE_FIELDS = ("source_type", "source_name", "association_id", "association_section", "amount", "share_pct", "status",
               "in_kind")

# French names of what changed, for the history's summaries.
CHANGE_LABELS = {
    "objective_id": "objectif", "sector": "secteur", "sub_sector": "sous-secteur", "title": "intitulé",
    "expected_results": "résultats attendus", "localities": "localités", "quantity": "quantité", "unit": "unité",
    "unit_cost": "coût unitaire", "total_override": "coût total saisi", "override_reason": "raison du coût saisi",
    "maitre_ouvrage": "maître d'ouvrage", "tags": "étiquettes migration", "status": "statut",
    "cofinancing_scheme": "dispositif de cofinancement", "location": "localisation",
    "schedule": "programmation annuelle", "funding_lines": "financements",
}
_COST_FIELDS = ("quantity", "unit_cost", "total_override")

MSG_TITLE = "Donnez l'intitulé de l'action."
MSG_SECTOR = "Choisissez le secteur de l'action."
MSG_UNIT_COST = "Indiquez le coût unitaire en FCFA (ou un coût total saisi, avec sa raison)."
MSG_OBJECTIVE = "Choisissez un objectif de ce plan (section 4), ou aucun."
MSG_SOURCE = "Choisissez la source de financement."
MSG_ASSOCIATION = "Cette association n'est pas enregistrée pour cette collectivité (section 3)."
MSG_ASSOCIATION_TWICE = ("Choisissez une association de la liste ou inscrivez une nouvelle association, "
                         "pas les deux.")
NEW_ASSOCIATION_KEYS = {"name": "new_association_name", "host_country": "new_association_country"}
MSG_LOCATION_PAIR = "Indiquez la longitude et la latitude, ou aucune des deux."
MSG_LON = "La longitude va de -180 à 180 (le Mali est entre -12,3 et 4,3)."
MSG_LAT = "La latitude va de -90 à 90 (le Mali est entre 10,1 et 25,0)."
MSG_QUANTITY_TOO_LARGE = "Quantité trop élevée : vérifiez le nombre de zéros."
# The quantity column's whole digits (Numeric(14, 3): below 10^11); PostgreSQL refuses a larger value.
QUANTITY_LIMIT = Decimal(10) ** (Action.__table__.c.quantity.type.precision - Action.__table__.c.quantity.type.scale)


def _too_long(n: int) -> str:
    return f"{n} caractères au plus."


# ----- Reading input ------------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def _int_or_none(value) -> Optional[int]:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "oui", "y", "yes")
    return bool(value)


def _tags_in(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [t.strip() for t in value if isinstance(t, str) and t.strip()]


def _schedule_in(value) -> list[tuple[Any, Any]]:
    """{year: amount} or [{"year": …, "amount": …}] → [(year, amount)]."""
    if not value:
        return []
    if isinstance(value, dict):
        return list(value.items())
    return [(row.get("year"), row.get("amount")) for row in value if isinstance(row, dict)]


def _line_is_blank(row: dict) -> bool:
    return not any(_text(row.get(n)) for n in ("source_type", "source_name", "association_id", "association_section",
                                               "new_association_name", "new_association_country", "amount",
                                               "share_pct"))


@dataclass
class Cleaned:
    values: dict[str, Any]  # the action's scalar columns, typed
    schedule: dict[int, int]  # year → FCFA (blank years left out)
    lines: list[dict[str, Any]]  # funding lines typed, blank rows left out ("new_association": to create)
    line_rows: list[int]  # for each kept line, its index as posted
    errors: dict[str, list[str]]


def clean(session: Session, plan: Plan, data: dict, *, lenient: bool = False,
          associations: Optional[dict[int, DiasporaAssociation]] = None) -> Cleaned:
    """The action's input read and checked field by field (plans/core/money.py for figures). Never raises: the
    errors are in `Cleaned.errors`. `lenient` (restoring from history): an objective or association that no
    longer exists is dropped instead of refused. `associations`: the owner's, by id, when the caller checks many
    actions at once (`owner_associations`); else read here."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    values: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        values[name] = _text(data.get(name))
        if len(values[name]) > limit:
            err(name, limits.too_long(values[name], limit))
    if not values["title"]:
        err("title", MSG_TITLE)

    sector = _text(data.get("sector"))
    if sector not in SECTORS:
        err("sector", MSG_SECTOR)
    values["sector"] = sector

    objective_id = data.get("objective_id")
    values["objective_id"] = None
    if objective_id not in (None, ""):
        wanted = _int_or_none(objective_id)
        known = {o.id for axis in plan.axes for o in axis.objectives}
        if wanted in known:
            values["objective_id"] = wanted
        elif not lenient:
            err("objective_id", MSG_OBJECTIVE)

    def figure(key: str, parse, *args, **kwargs):
        try:
            return parse(data.get(key), *args, **kwargs)
        except AmountError as error:
            err(key, error.message)
            return None

    values["quantity"] = figure("quantity", parse_decimal, required=True, max_decimals=3)
    if values["quantity"] is not None and values["quantity"] >= QUANTITY_LIMIT:
        err("quantity", MSG_QUANTITY_TOO_LARGE)
        values["quantity"] = None
    values["unit_cost"] = figure("unit_cost", parse_fcfa, required=False)
    values["total_override"] = figure("total_override", parse_fcfa, required=False)
    if values["unit_cost"] is None and values["total_override"] is None and "unit_cost" not in errors \
            and "total_override" not in errors:
        err("unit_cost", MSG_UNIT_COST)

    tags = _tags_in(data.get("tags"))
    unknown = [t for t in tags if t not in MIGRATION_TAGS]
    if unknown:
        err("tags", "Étiquette inconnue : " + ", ".join(f"« {t} »" for t in unknown) + ".")
    values["tags"] = ",".join(t for t in MIGRATION_TAGS if t in tags)

    status = _text(data.get("status")) or "prevu"
    if status not in ACTION_STATUSES:
        err("status", "Choisissez un statut de la liste.")
    values["status"] = status

    scheme = _text(data.get("cofinancing_scheme")) or None
    if scheme is not None and scheme not in SCHEMES:
        err("cofinancing_scheme", f"Dispositif de cofinancement inconnu : « {scheme} ».")
    values["cofinancing_scheme"] = scheme

    lon = figure("lon", parse_decimal, required=False, allow_negative=True)
    lat = figure("lat", parse_decimal, required=False, allow_negative=True)
    if lon is not None and not -180 <= lon <= 180:
        err("lon", MSG_LON)
    if lat is not None and not -90 <= lat <= 90:
        err("lat", MSG_LAT)
    if (lon is None) != (lat is None) and "lon" not in errors and "lat" not in errors:
        err("lon" if lon is None else "lat", MSG_LOCATION_PAIR)
    values["lon"] = float(lon) if lon is not None else None
    values["lat"] = float(lat) if lat is not None else None
    # --- plans/planning/location.py: the point must lie in the owner's territory (500 m tolerance). Not when restoring
    # from history (lenient): an earlier state is restored as it was, even if the boundaries changed since.
    if not lenient and lon is not None and lat is not None and "lon" not in errors and "lat" not in errors:
        for message in check_location(plan.owner, lon, lat):
            err("lon", message)
    # --- end plans/planning/location.py
    precision = _text(data.get("location_precision")) or "exacte"
    if precision not in LOCATION_PRECISIONS:
        err("location_precision", "Choisissez une précision de la liste.")
    values["location_precision"] = precision

    schedule: dict[int, int] = {}
    for year, amount in _schedule_in(data.get("schedule")):
        y = _int_or_none(year)
        key = f"schedule-{year}"
        if y is None:
            err("schedule", f"Année illisible dans la programmation : « {year} ».")
            continue
        try:
            value = parse_fcfa(amount, required=False)
        except AmountError as error:
            err(key, error.message)
            continue
        if value is None:
            continue
        schedule[y] = schedule.get(y, 0) + value

    associations = dict(associations) if associations is not None else owner_associations(session, plan)
    lines: list[dict[str, Any]] = []
    line_rows: list[int] = []
    typed = [row for row in data.get("funding_lines") or () if isinstance(row, dict) and not _line_is_blank(row)]
    if limits.too_many("funding_lines", len(typed)):
        err("funding_lines", limits.too_many("funding_lines", len(typed)))
    for index, row in enumerate(data.get("funding_lines") or ()):
        if not isinstance(row, dict) or _line_is_blank(row):
            continue
        prefix = f"funding_lines-{index}-"
        line: dict[str, Any] = {}
        source = _text(row.get("source_type"))
        if source not in FUNDING_SOURCES:
            err(prefix + "source_type", MSG_SOURCE)
        line["source_type"] = source
        line["source_name"] = _text(row.get("source_name"))
        if len(line["source_name"]) > 200:
            err(prefix + "source_name", _too_long(200))
        association_id = None
        if source in DIASPORA_SOURCES and row.get("association_id") not in (None, ""):
            association_id = _int_or_none(row.get("association_id"))
            if association_id not in associations:
                association_id = None
                if not lenient:
                    err(prefix + "association_id", MSG_ASSOCIATION)
        new_name, new_country = _text(row.get("new_association_name")), _text(row.get("new_association_country"))
        if source in DIASPORA_SOURCES and (new_name or new_country) and prefix + "association_id" not in errors:
            if association_id is not None:
                err(prefix + "new_association_name", MSG_ASSOCIATION_TWICE)
            else:
                association_id, new = _new_association(plan, associations, new_name, new_country, prefix, err)
                if new is not None:
                    line["new_association"] = new
        line["association_id"] = association_id
        section = _text(row.get("association_section"))
        if len(section) > 200:
            err(prefix + "association_section", _too_long(200))
        line["association_section"] = section  # kept as typed whatever the source (it names who pays)
        for key, parse in (("amount", parse_fcfa), ("share_pct", parse_share)):
            try:
                line[key] = parse(row.get(key), required=False)
            except AmountError as error:
                err(prefix + key, error.message)
                line[key] = None
        status = _text(row.get("status")) or finance.DEFAULT_STATUS
        if status not in FUNDING_STATUSES:
            err(prefix + "status", "Choisissez un statut de la liste.")
        line["status"] = status
        line["in_kind"] = _bool(row.get("in_kind"))
        lines.append(line)
        line_rows.append(index)
    new = {(n["new_association"]["name"].casefold(), n["new_association"]["host_country"]): i
           for i, n in zip(line_rows, lines) if n.get("new_association")}
    if new and limits.too_many("diaspora_associations", len(associations) + len(new)):
        err(f"funding_lines-{min(new.values())}-new_association_name",
            limits.too_many("diaspora_associations", len(associations) + len(new)))
    cleaned = Cleaned(values, schedule, lines, line_rows, errors)
    # « Financé par la diaspora » follows the funding lines (plans/planning/indicators.py), whatever was typed:
    # a typed "diaspora" (an older plan file, a hand-made form) is accepted and replaced by the derived value.
    values["tags"] = ",".join(indicators.migration_tags(finance.action_figures(_shadow(cleaned))))
    return cleaned


def _new_association(plan: Plan, associations: dict[int, DiasporaAssociation], name: str, country: str,
                     prefix: str, err) -> tuple[Optional[int], Optional[dict]]:
    """An association typed on a funding line: the owner's own when the name (any case) and country match one,
    else the values of one to create on save (section 3's rules)."""
    try:
        values = migration.clean_association({"name": name, "host_country": country})
    except ValidationError as error:
        for key, messages in error.errors.items():
            for message in messages:
                err(prefix + NEW_ASSOCIATION_KEYS.get(key, "new_association_name"), message)
        return None, None
    for association in associations.values():
        if association.name.casefold() == values["name"].casefold() and association.host_country == values[
                "host_country"]:
            return association.id, None
    return None, {"owner_id": plan.owner_id, **values}


def _shadow(cleaned: Cleaned) -> Action:
    """A transient Action (not in any session) holding the cleaned input, for plans/finance to judge."""
    values = dict(cleaned.values)
    if values.get("quantity") is None:
        values["quantity"] = Decimal(1)
    return Action(**values,
                  schedule=[ScheduleEntry(year=y, amount=a) for y, a in sorted(cleaned.schedule.items())],
                  funding_lines=[_shadow_line(i, line) for i, line in enumerate(cleaned.lines)])


def _shadow_line(position: int, line: dict) -> FundingLine:
    values = {k: v for k, v in line.items() if k != "new_association"}
    shadow = FundingLine(position=position, **values)
    if line.get("new_association"):  # judged as funded by an association (it is created on save)
        shadow.association = DiasporaAssociation(**line["new_association"])
    return shadow


def _remap(key: str, line_rows: list[int]) -> str:
    parts = key.split("-")
    if parts[0] == "funding_lines" and len(parts) == 3 and parts[1].isdecimal() and int(parts[1]) < len(line_rows):
        return f"funding_lines-{line_rows[int(parts[1])]}-{parts[2]}"
    return key


def owner_associations(session: Session, plan: Plan) -> dict[int, DiasporaAssociation]:
    return {a.id: a for a in session.scalars(
        sa.select(DiasporaAssociation).where(DiasporaAssociation.owner_id == plan.owner_id))}


def check(session: Session, plan: Plan, data: dict, *,
          associations: Optional[dict[int, DiasporaAssociation]] = None) -> tuple[Cleaned, finance.ActionFigures]:
    """`clean` + plans/finance.action_figures on the result; ValidationError with every message, each under
    its form field, when the action may not be saved."""
    cleaned = clean(session, plan, data, associations=associations)
    figures = finance.action_figures(_shadow(cleaned), plan.years)
    errors = {k: list(v) for k, v in cleaned.errors.items()}
    cost_unreadable = any(k in errors for k in _COST_FIELDS)
    for key, message in figures.errors:
        key = _remap(key, cleaned.line_rows)
        if key in errors:
            continue  # the input itself is already refused there
        if cost_unreadable and key in ("schedule", "funding_lines", "cofinancing_scheme"):
            continue  # measured against a total we could not read: would only confuse
        if key.endswith("-association_id") and any(k.startswith(key[:-len("association_id")] + "new_association")
                                                   for k in errors):
            continue  # a new association was typed on that line: its own message says what is missing
        errors.setdefault(key, []).append(message)
    if errors:
        raise ValidationError(errors)
    return cleaned, figures


def remapped_warnings(figures: finance.ActionFigures, line_rows: Iterable[int] | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, message in figures.warnings:
        key = _remap(key, list(line_rows)) if line_rows is not None else key
        out.setdefault(key, []).append(message)
    return out


def spread_evenly(session: Session, plan: Plan, data: dict) -> dict[int, int]:
    """The action's total (as typed) split over the plan years in equal whole francs (the first years take the
    remainder); {} when the cost cannot be read yet."""
    cleaned = clean(session, plan, data)
    if any(k in cleaned.errors for k in _COST_FIELDS):
        return {}
    total = finance.action_total(_shadow(cleaned))
    if total <= 0 or not plan.years:
        return {}
    return finance.largest_remainder(total, {y: 1 for y in plan.years})


# ----- Writing ------------------------------------------------------------------------------------------------

def _assign(session: Session, action: Action, cleaned: Cleaned) -> None:
    for name, value in cleaned.values.items():
        setattr(action, name, value)
    by_year = {e.year: e for e in action.schedule}
    kept = []
    for year, amount in sorted(cleaned.schedule.items()):
        entry = by_year.pop(year, None) or ScheduleEntry(year=year)
        entry.amount = amount
        kept.append(entry)
    action.schedule[:] = kept
    lines = list(action.funding_lines)
    new_lines = []
    created: dict[tuple, DiasporaAssociation] = {}  # two lines naming the same new association share it
    for position, values in enumerate(cleaned.lines):
        line = lines[position] if position < len(lines) else FundingLine()
        line.position = position
        new = values.get("new_association")
        for name, value in values.items():
            if name != "new_association":
                setattr(line, name, value)
        if new:
            key = (new["owner_id"], new["name"].casefold(), new["host_country"])
            if key not in created:
                created[key] = DiasporaAssociation(**new)
                session.add(created[key])
            line.association = created[key]
        else:
            line.association = session.get(DiasporaAssociation, line.association_id) \
                if line.association_id is not None else None
        new_lines.append(line)
    action.funding_lines[:] = new_lines
    action.updated_at = utcnow()  # always an UPDATE of the row, so its version is checked and bumped


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(SECTION) from None


def _ordered(plan: Plan) -> list[Action]:
    return sorted(plan.actions, key=lambda a: (a.position if a.position is not None else 0, a.id or 0))


def _set_positions(session: Session, plan: Plan, ordered: list[Action]) -> None:
    """Renumbers 0…n-1 with plain UPDATEs: reordering is not a change of the other actions, so their version
    (and the forms open on them) stays valid."""
    session.flush()
    for position, action in enumerate(ordered):
        if action.position != position:
            session.execute(sa.update(Action).where(Action.id == action.id).values(position=position)
                            .execution_options(synchronize_session=False))
            set_committed_value(action, "position", position)
    session.expire(plan, ["actions"])


def _record(session: Session, plan: Plan, user: Optional[User], apply, snapshot) -> None:
    # The state row is held while saving: the session keeps rows by weak reference, and save_section reads it
    # again (a version read and dropped was a second query).
    state = sections.state(session, plan, SECTION)
    sections.save_section(session, plan, SECTION, state.version, user, apply=apply, snapshot=snapshot)


def _snapshot(action: Action, operation: str) -> dict:
    return {**dump_action(action), "operation": operation}


def check_room(session: Session, plan: Plan) -> None:
    """ValidationError when the plan already holds as many actions as plans/core/limits.py allows."""
    count = session.scalar(sa.select(sa.func.count()).select_from(Action).where(Action.plan_id == plan.id)) or 0
    bound = limits.ROWS["actions"]
    if count >= bound.limit:
        raise ValidationError({"": [bound.full(count, "Ce plan")]})


def check_plan_lines(session: Session, plan: Plan, lines: int, action: Optional[Action] = None) -> None:
    """ValidationError (under "funding_lines") when `lines` lines for `action` (None: a new one) would bring the
    plan over the funding lines plans/core/limits.py allows per plan."""
    query = sa.select(sa.func.count()).select_from(FundingLine).join(Action, Action.id == FundingLine.action_id) \
        .where(Action.plan_id == plan.id)
    if action is not None and action.id is not None:
        query = query.where(Action.id != action.id)
    message = limits.too_many("plan_funding_lines", (session.scalar(query) or 0) + lines)
    if message:
        raise ValidationError({"funding_lines": [message]})


def save_options():
    """SQLAlchemy loader options for the Plan an action form is saved into: the axes and their objectives, which the
    form's choices and `clean` read (lazily, one query per axis)."""
    return (selectinload(Plan.axes).selectinload(Axis.objectives),)


def create_action(session: Session, plan: Plan, data: dict, user: Optional[User] = None, *,
                  associations: Optional[dict[int, DiasporaAssociation]] = None, uuid: Optional[str] = None,
                  summary: Optional[str] = None) -> Action:
    """A new action at the end of the PIP. ValidationError when refused. The caller commits. `associations`: the
    owner's, by id, when the caller has read them already (`check`). `uuid`: the one it takes (an action carried
    over from the previous plan, plans/execution/nextplan.py), else a new one; `summary`: the history's line, else
    « Action « … » ajoutée »."""
    check_room(session, plan)
    cleaned, _ = check(session, plan, data, associations=associations)
    check_plan_lines(session, plan, len(cleaned.lines))
    action = Action(plan_id=plan.id, uuid=uuid or new_uuid())
    holder: dict[str, Action] = {}

    def apply() -> str:
        action.position = max((a.position or 0 for a in plan.actions), default=-1) + 1
        _assign(session, action, cleaned)
        session.add(action)
        _flush(session)
        session.expire(plan, ["actions"])
        holder["a"] = action
        return summary or f"Action « {action.title} » ajoutée"

    _record(session, plan, user, apply, lambda: _snapshot(holder["a"], "create"))
    return action


def update_action(session: Session, plan: Plan, action: Action, data: dict, expected_version: int | str | None,
                  user: Optional[User] = None, *,
                  associations: Optional[dict[int, DiasporaAssociation]] = None) -> Action:
    """Saves the form over `action` if it is still at `expected_version` (else ConflictError; a version that is
    not a number: ValidationError, plans.planning.sections.parse_version). `associations`: as `create_action`."""
    if sections.parse_version(expected_version) != action.version_id:
        raise ConflictError(SECTION)
    cleaned, _ = check(session, plan, data, associations=associations)
    check_plan_lines(session, plan, len(cleaned.lines), action)
    before = dump_action(action)

    def apply() -> str:
        _assign(session, action, cleaned)
        _flush(session)
        return _change_summary(before, dump_action(action))

    _record(session, plan, user, apply, lambda: _snapshot(action, "update"))
    return action


def duplicate_action(session: Session, plan: Plan, action: Action, user: Optional[User] = None) -> Action:
    """A copy of `action` (funding lines and schedule included) with a new uuid, placed right after it."""
    check_room(session, plan)
    data = dump_action(action)
    title = (action.title or "")[:300 - len(COPY_SUFFIX)] + COPY_SUFFIX
    copy = Action(plan_id=plan.id, uuid=new_uuid(), title=title)
    cleaned = clean(session, plan, {**data, "title": title}, lenient=True)
    check_plan_lines(session, plan, len(cleaned.lines))

    def apply() -> str:
        _assign(session, copy, cleaned)
        ordered = _ordered(plan)
        copy.position = action.position + 1
        session.add(copy)
        _flush(session)
        ordered.insert(ordered.index(action) + 1, copy)
        _set_positions(session, plan, ordered)
        return f"Action « {action.title} » dupliquée en « {copy.title} »"

    _record(session, plan, user, apply, lambda: _snapshot(copy, "create"))
    return copy


def move_action(session: Session, plan: Plan, action: Action, offset: int, user: Optional[User] = None) -> bool:
    """Moves `action` up (offset -1) or down (+1) in the PIP; False (nothing recorded) at either end."""
    ordered = _ordered(plan)
    index = ordered.index(action)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(ordered):
        return False

    def apply() -> str:
        ordered.insert(target, ordered.pop(index))
        _set_positions(session, plan, ordered)
        return f"Action « {action.title} » déplacée : n°{index + 1} → n°{target + 1}"

    _record(session, plan, user, apply, lambda: _snapshot(action, "move"))
    return True


def delete_action(session: Session, plan: Plan, action: Action, user: Optional[User] = None) -> None:
    """Deletes `action`; the change keeps it whole, so restoring that change brings it back."""
    snapshot = _snapshot(action, "delete")

    def apply() -> str:
        ordered = [a for a in _ordered(plan) if a is not action]
        session.delete(action)
        _flush(session)
        _set_positions(session, plan, ordered)
        return f"Action « {action.title} » supprimée"

    _record(session, plan, user, apply, lambda: snapshot)


# ----- Snapshots: history and restore -------------------------------------------------------------------------

def _decimal_text(value) -> Optional[str]:
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return text


def dump_action(action: Action) -> dict:
    """One action as JSON-ready data (ints for FCFA, strings for decimals), the shape `clean` reads back."""
    return {
        "action_uuid": action.uuid,
        "position": action.position,
        "objective_id": action.objective_id,
        "sector": action.sector,
        "sub_sector": action.sub_sector or "",
        "title": action.title,
        "expected_results": action.expected_results or "",
        "localities": action.localities or "",
        "quantity": _decimal_text(action.quantity if action.quantity is not None else 1),
        "unit": action.unit or "",
        "unit_cost": action.unit_cost,
        "total_override": action.total_override,
        "override_reason": action.override_reason or "",
        "maitre_ouvrage": action.maitre_ouvrage or "",
        "tags": indicators.migration_tags(finance.action_figures(action)),  # the diaspora tag derived, as saved
        "status": action.status or "prevu",
        "cofinancing_scheme": action.cofinancing_scheme,
        "lon": action.lon,
        "lat": action.lat,
        "location_precision": action.location_precision or "exacte",
        "schedule": {str(e.year): e.amount for e in sorted(action.schedule, key=lambda e: e.year)},
        "funding_lines": [
            {"source_type": line.source_type, "source_name": line.source_name or "",
             "association_id": line.association_id,
             "association_name": line.association.name if line.association is not None else "",
             "association_section": line.association_section or "",
             "amount": line.amount, "share_pct": _decimal_text(line.share_pct), "status": line.status or "promis",
             "in_kind": bool(line.in_kind)}
            for line in sorted(action.funding_lines, key=lambda ln: ln.position or 0)],
    }


def dump(plan: Plan) -> dict:
    """The snapshot of the action `apply` just restored (what the restore route records); without one, every
    action of the plan under "actions"."""
    action = plan.__dict__.pop(_LAST_ACTION, None)
    if action is not None:
        return _snapshot(action, "restore")
    return {"actions": [dump_action(a) for a in _ordered(plan)]}


def apply(session: Session, plan: Plan, snapshot: dict) -> str:
    """Restores the action of `snapshot` (a PlanChange of the section "actions"): updates the action with that
    uuid, or recreates it (at its former place) if it was deleted. An objective or association deleted since is
    dropped; the finance rules are not enforced (the list then shows what to correct). Returns a French summary.
    A snapshot holding "actions" (a list) restores each of them."""
    if "actions" in snapshot and "action_uuid" not in snapshot:
        return " ; ".join(apply(session, plan, s) for s in snapshot["actions"]) or "Aucune action"
    uuid = snapshot.get("action_uuid")
    if not uuid:
        raise ValidationError("Cette version ne désigne aucune action.")
    uuid = canonical_uuid(uuid) or uuid  # a snapshot saved before uuids were kept in lower case
    cleaned = clean(session, plan, snapshot, lenient=True)
    if cleaned.errors:
        raise ValidationError(cleaned.errors)
    action = next((a for a in plan.actions if a.uuid == uuid), None)
    check_plan_lines(session, plan, len(cleaned.lines), action)
    if action is not None:
        before = dump_action(action)
        _assign(session, action, cleaned)
        _flush(session)
        summary = _change_summary(before, dump_action(action))
    else:
        check_room(session, plan)
        ordered = _ordered(plan)
        action = Action(plan_id=plan.id, uuid=uuid, position=len(ordered))
        _assign(session, action, cleaned)
        session.add(action)
        _flush(session)
        position = snapshot.get("position")
        position = min(max(int(position), 0), len(ordered)) if isinstance(position, int) else len(ordered)
        ordered.insert(position, action)
        _set_positions(session, plan, ordered)
        summary = f"Action « {action.title} » rétablie"
    plan.__dict__[_LAST_ACTION] = action
    return summary


def _change_summary(before: dict, after: dict) -> str:
    changed = []
    for name in SCALAR_FIELDS:
        if name in ("lon", "lat", "location_precision"):
            continue
        if before.get(name) != after.get(name):
            changed.append(CHANGE_LABELS[name])
    if any(before.get(n) != after.get(n) for n in ("lon", "lat", "location_precision")):
        changed.append(CHANGE_LABELS["location"])
    strip = lambda lines: [{k: v for k, v in ln.items() if k != "association_name"} for ln in lines]  # noqa: E731
    if before.get("schedule") != after.get("schedule"):
        changed.append(CHANGE_LABELS["schedule"])
    if strip(before.get("funding_lines", [])) != strip(after.get("funding_lines", [])):
        changed.append(CHANGE_LABELS["funding_lines"])
    title = after.get("title") or before.get("title")
    if not changed:
        return f"Action « {title} » enregistrée sans changement"
    return f"Action « {title} » modifiée : " + ", ".join(changed)
