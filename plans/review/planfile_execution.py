"""The execution a plan file carries (schema_version 2: "plan.execution", written by plans/review/planfile.py's
`export_document`), read back by an import (plans/review/planfile_import.py). docs/plan-format.md says it for users.

Where it goes: the execution belongs to a validated or adopted plan whose content is the file's
(plans/execution/service.py, `is_open`): the plan an administrator's or the command line's import creates as
« validé » or « adopté », or the plan of that revision already here, validated or adopted, when the file's content
is its content (`same_content`: the file then carries nothing but execution, and no revision is opened). A file
whose execution cannot go anywhere (the plan is created or kept as a draft, or its content differs from the adopted
revision, which opens the next one) is imported without it, and a warning says so.

What is checked, as the forms check it, before anything is written (`apply`): each record by
plans/execution/service.py's `check` — the years of one action's funding line taken together, the file's records
over this server's for the years the file leaves out (paid ≤ mobilised by the end of each year, mobilised ≤ the
line's amount) — each measure by plans/execution/measures.py's `check`; an action or an indicator the file does
not have, a year met twice, a funding list that is not the action's lines are refused. Every refusal is a
ValidationError keyed by JSON path ("plan.execution.records[2].funding[0].paid"), in French, and the import rolls
the whole session back: nothing is half-imported.

What is written: the records and measures the file changes (one that is already as the file says writes nothing),
each a new version kept in the record's history with the import's summary; no journal entry each, the import's own
(« plan.import ») says how many. A record or a measure this server has and the file does not is kept: an import
never deletes execution. The evidence's descriptions are not imported (the files are not in a plan file): an import
neither adds nor deletes a photo or a document.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts.models import User
from plans.core.errors import ValidationError
from plans.execution import measures as measures_service
from plans.execution import service
from plans.execution.models import ExecutionFunding, ExecutionRecord
from plans.planning.models import Action, Plan
from plans.review.planfile import WITHHELD, export_document, json_path, messages_at

# What a file's content is compared on (`same_content`): the plan as written, not its status, its history, its
# owner (checked apart) nor its execution.
CONTENT_KEYS = ("uuid", "revision", "title", "period", "guide_version", "sections", "diaspora_associations",
                "actions")


def carried(document: dict) -> dict:
    """The document's execution: {"records", "measures", "evidence"}, empty for a file of version 1."""
    part = document["plan"].get("execution") or {}
    return {"records": part.get("records") or [], "measures": part.get("measures") or [],
            "evidence": part.get("evidence") or []}


def has_any(document: dict) -> bool:
    """Whether the document records any execution (records or measures; evidence descriptions alone are not)."""
    part = carried(document)
    return bool(part["records"] or part["measures"])


def _comparable(plan_part: dict, withheld: set[str]) -> dict:
    out = {key: plan_part.get(key) for key in CONTENT_KEYS}
    actions = []
    for row in out["actions"] or []:
        if row.get("uuid") in withheld:  # the point the file could not carry is the one kept here
            row = {**row, "lon": None, "lat": None, WITHHELD: True}
        actions.append(row)
    out["actions"] = actions
    return out


def same_content(session: Session, plan: Plan, document: dict) -> bool:
    """Whether the document's plan content is `plan`'s as it stands (its execution, status and history aside)."""
    withheld = {row["uuid"] for row in document["plan"]["actions"] if row.get(WITHHELD)}
    here = export_document(session, plan)["plan"]
    return _comparable(here, withheld) == _comparable(document["plan"], withheld)


def _record_path(n: int, key: str) -> str:
    parts = key.split("-")
    if len(parts) == 3 and parts[0] == "funding" and parts[1].isdecimal():
        return json_path("plan.execution.records", n, "funding", int(parts[1]), parts[2])
    return json_path("plan.execution.records", n, key)


def _measure_path(n: int, key: str) -> str:
    if key.startswith("group-"):
        return json_path("plan.execution.measures", n, "groups", key[len("group-"):])
    return json_path("plan.execution.measures", n, key)


def _stored_flows(session: Session, plan: Plan) -> dict[int, dict[int, dict[int, tuple[int, int]]]]:
    """action id → year → line id → (mobilised, paid), as stored."""
    rows = session.execute(
        sa.select(ExecutionRecord.action_id, ExecutionRecord.year, ExecutionFunding.funding_line_id,
                  ExecutionFunding.mobilised, ExecutionFunding.paid)
        .join(ExecutionFunding, ExecutionFunding.record_id == ExecutionRecord.id)
        .where(ExecutionRecord.plan_id == plan.id))
    out: dict[int, dict[int, dict[int, tuple[int, int]]]] = {}
    for action_id, year, line_id, mobilised, paid in rows:
        out.setdefault(action_id, {}).setdefault(year, {})[line_id] = (int(mobilised), int(paid))
    return out


def apply(session: Session, plan: Plan, document: dict, user: Optional[User], summary: str) -> int:
    """Checks the document's execution against `plan` (open, its content the file's) and writes what it changes
    (rules: the module's docstring). Returns how many records and measures were written. The caller rolls back on
    ValidationError and commits on success."""
    part = carried(document)
    actions = {a.uuid: a for a in session.scalars(
        sa.select(Action).where(Action.plan_id == plan.id).options(orm.selectinload(Action.funding_lines)))}
    session.expire(plan, ["indicators"])
    refs = [row["ref"] for row in document["plan"]["sections"]["suivi"]["indicators"]]
    indicators = dict(zip(refs, plan.indicators))
    errors: dict[str, list[str]] = {}

    def err(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    # The file's records by action, then each checked with the years of its action taken together.
    wanted: dict[tuple[str, int], int] = {}
    flows = _stored_flows(session, plan)
    for n, row in enumerate(part["records"]):
        action = actions.get(row["action"])
        if action is None:
            err(json_path("plan.execution.records", n, "action"),
                f"Action inconnue : « {row['action']} » ne désigne aucune action de plan.actions.")
            continue
        if (row["action"], row["year"]) in wanted:
            err(json_path("plan.execution.records", n, "year"),
                f"L'exécution {row['year']} de cette action est déjà donnée plus haut "
                f"(plan.execution.records[{wanted[(row['action'], row['year'])]}]).")
            continue
        wanted[(row["action"], row["year"])] = n
        if len(row["funding"]) != len(action.funding_lines):
            err(json_path("plan.execution.records", n, "funding"),
                f"L'action « {action.title} » a {len(action.funding_lines)} ligne(s) de financement : le fichier en "
                f"donne {len(row['funding'])}, une par ligne dans l'ordre de ses funding_lines est attendue.")
            continue
        flows.setdefault(action.id, {})[row["year"]] = {
            line.id: (row["funding"][i]["mobilised"], row["funding"][i]["paid"])
            for i, line in enumerate(action.funding_lines)}
    checked: list[tuple[Action, int, dict]] = []
    for (uuid, year), n in wanted.items():
        action, row = actions[uuid], part["records"][n]
        base = json_path("plan.execution.records", n)
        if any(p == base or p.startswith(base + ".") for p in errors):
            continue
        data: dict[str, Any] = {**{k: row[k] for k in service.FIELDS}, "funding": row["funding"]}
        try:
            checked.append((action, year, service.check(plan, action, year, data, flows.get(action.id, {}))))
        except ValidationError as error:
            for path, messages in messages_at(error, lambda k, n=n: _record_path(n, k)).items():
                errors.setdefault(path, []).extend(messages)

    measured: dict[tuple[str, int], int] = {}
    checked_measures = []
    for n, row in enumerate(part["measures"]):
        indicator = indicators.get(row["indicator"])
        if indicator is None:
            err(json_path("plan.execution.measures", n, "indicator"),
                f"Indicateur inconnu : « {row['indicator']} » ne désigne aucun indicateur de "
                "plan.sections.suivi.indicators.")
            continue
        if (row["indicator"], row["year"]) in measured:
            err(json_path("plan.execution.measures", n, "year"),
                f"La mesure {row['year']} de cet indicateur est déjà donnée plus haut "
                f"(plan.execution.measures[{measured[(row['indicator'], row['year'])]}]).")
            continue
        measured[(row["indicator"], row["year"])] = n
        data = {"value": row["value"], "groups": row["groups"], "source": row["source"],
                "measured_on": row["measured_on"]}
        try:
            checked_measures.append((indicator, row["year"], measures_service.check(plan, indicator, row["year"],
                                                                                     data)))
        except ValidationError as error:
            for path, messages in messages_at(error, lambda k, n=n: _measure_path(n, k)).items():
                errors.setdefault(path, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    written = 0
    for action, year, clean in checked:
        record = service.record_of(session, action, year)
        if service.same_as_stored(action, record, clean):
            continue
        service.write(session, plan, action, year, clean, service.version_of(record), user, journal=None,
                      summary=f"{summary} : exécution {year} de « {action.title} »")
        written += 1
    for indicator, year, clean in checked_measures:
        row = measures_service.measure_of(session, indicator, year)
        if measures_service.same_as_stored(row, clean):
            continue
        measures_service.write(session, plan, indicator, year, clean, row.version if row is not None else 0, user,
                               journal=None)
        written += 1
    session.flush()
    return written
