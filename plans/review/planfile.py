"""The plan file: one JSON document holding a whole plan, which travels between a commune's laptop and the
national server (`flask plans export` / `plans import`, the download and upload pages).

Contract (schema_version 2; the JSON Schema is schemas/pdl-m-plan.v2.schema.json, the prose docs/plan-format.md; a
file of version 1, the same without "execution", is still read with schemas/pdl-m-plan.v1.schema.json):

    {"format": "pdl-m-plan", "schema_version": 2, "exported_at": "2026-03-01T09:30:00Z",
     "plan": {
       "uuid", "revision", "status", "title", "period": {"start", "end"}, "guide_version",
       "owner": {"kind": "commune" | "cercle" | "region", "name", "pcode", "territory_edition"}
              | {"kind": "syndicat" | "convention" | "entente" | "glct" | "union", "name", "founding_act_ref",
                 "founding_act_date", "tutelle_authority",
                 "members": [{"pcode", "name"}                 (a Malian unit)
                             | {"code", "country", "name"}     (a foreign unit from a boundary layer)
                             | {"name", "country"}]},          (a foreign unit known by name only)
       "sections": {"identification": {…}, "situation": {…}, "migration": {…}, "orientations": {…},
                    "suivi": {"indicators": […]}, "adoption": {…}},
       "diaspora_associations": [{"ref", "name", "host_country", …}],
       "actions": [{"uuid", "objective": objective ref | null, …, "schedule": {"2025": FCFA},
                    "funding_lines": [{"source_type", "association": association ref | null, "amount", …}]}],
       "execution": {"records": [{"action": action uuid, "year", "status", "progress", …,
                                  "funding": [{"mobilised", "paid"}]  (one per funding line of the action)}],
                     "measures": [{"indicator": indicator ref, "year", "value", "groups", …}],
                     "evidence": [{"action", "year", "uuid", "kind", "name", …}]},   (a description, not the file)
       "history": {"changes": [{"at", "section", "user", "summary"}],
                   "transitions": [{"at", "from", "to", "user", "reason"}],
                   "claimed": {"changes": […], "transitions": […]}}}}      (optional)

The sections hold what each plans/sectiondata module's `dump(plan)` gives, with one change: database ids never
leave the server. Each row carries a file-local "ref" ("finding-3", "objective-1", "association-2"), numbered
from 1 in the order of the plan, and rows point at each other through these refs (objective → findings,
priority → axis, priority scores → criteria, action → objective, funding line → association). Actions keep
their uuid (comments are anchored to it); uuids are read in their canonical form (lower case, plans/core/ids.py).
Keys come in a fixed order and refs are derived from order, so export → import → export gives the same document
apart from "exported_at".

Money is an integer number of FCFA; decimals (quantities, shares, indicator values) are strings ("12.5"); dates
are ISO 8601 ("2025-03-01"), instants ISO 8601 UTC ("2025-03-01T10:00:00Z").

The history is a summary, not the plan's restorable history: the saves made here (PlanChange) and the status
transitions, then apart, under "claimed", the history carried by the files imported into this plan (kept in
PlanSnapshot rows of kind "import") that this server did not record itself: what a file says happened elsewhere is
its author's claim, never this server's record. The saves an import itself records are left out, so that
importing a file does not change the history: export → import → export on one server gives the same document.

Import (`import_document`): size, JSON, format and version, then the JSON Schema, then the rules of every section
(the sectiondata modules' validate functions, plans/actions_service.check) — every refusal is a
ValidationError whose keys are JSON paths ("plan.actions[3].funding_lines[0].amount") and messages French.
The owner is found by P-code (a grouping by its name). A plan already here with the same uuid is updated (its
latest revision, if editable), or gets a new revision when that revision is adopted; else the plan is created.
Nothing is half-imported: on any refusal the session is rolled back. The caller commits on success. The execution a
file carries is checked and written by plans/review/planfile_execution.py (where it may go: its docstring).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import User
from plans.core import limits
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.ids import canonical_uuid
from plans.core.text import without_control_characters
from plans.core.vocab import MIGRATION_TAGS
from plans.execution import measures as execution_measures
from plans.execution import service as execution_service
from plans.execution.evidence import ExecutionEvidence
from plans.owners.models import PlanOwner
from plans.planning import actions as actions_service
from plans.planning import location, sections
from plans.planning.models import Action, DiasporaAssociation, FundingLine, Plan, PlanChange
from plans.planning.sectiondata import adoption, identification, migration, orientations, situation, suivi
from plans.review.models import PlanSnapshot, PlanTransition

FORMAT = "pdl-m-plan"
SCHEMA_VERSION = 2  # 2 carries the execution ("execution"); a file of version 1 (without it) is still read
READABLE_VERSIONS = (1, 2)
MAX_DOCUMENT_BYTES = limits.PLAN_FILE_BYTES
MAX_DOCUMENT_MB = MAX_DOCUMENT_BYTES // (1024 * 1024)
MAX_MESSAGES = 50  # a file broken everywhere: the first problems are enough to act on
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
SCHEMA_PATH = SCHEMA_DIR / f"pdl-m-plan.v{SCHEMA_VERSION}.schema.json"
IMPORT_MARK = "_import"  # key of the PlanChange snapshots an import records: left out of the history summary
SNAPSHOT_KIND = "import"
MEDIA_TYPE = "application/json"
TAG_ORDER = {tag: i for i, tag in enumerate(MIGRATION_TAGS)}
ACTION_FIELDS = ("sector", "sub_sector", "title", "expected_results", "localities", "quantity", "unit", "unit_cost",
                 "total_override", "override_reason", "maitre_ouvrage", "tags", "status", "cofinancing_scheme", "lon",
                 "lat", "location_precision", "schedule")
WITHHELD = "location_withheld"  # optional (added within schema_version 1): a masked point left out of the file
MSG_WITHHELD_ALONE = ("« location_withheld » ne va qu'avec une localisation masquée (« masquee ») sans coordonnées : "
                      "retirez-le, ou videz lon et lat.")

# The sections a file carries, in the order they are written (identification first: it sets the period that
# the indicators and the actions are checked against; findings before the objectives that point at them).
CONTENT_SECTIONS = ("identification", "situation", "migration", "orientations", "suivi", "adoption")
IDENTIFICATION_TEXTS = ("facilitators", "process_funders", "summary")
# Optional in the file (added after version 1 was published): a file without it leaves the plan's text as it is.
OPTIONAL_IDENTIFICATION_TEXTS = ("previous_review",)

MSG_NOT_JSON = "Ce fichier n'est pas un document JSON : choisissez le fichier .json exporté par PDL-M."
MSG_NOT_PLAN = "Ce fichier n'est pas un fichier de plan PDL-M (format « pdl-m-plan » attendu)."


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def instant(value: datetime | None) -> str | None:
    """A stored (naive UTC) datetime as ISO 8601 UTC, to the second: "2025-03-01T10:00:00Z"."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def json_path(*parts: Any) -> str:
    """json_path("plan", "actions", 3, "amount") → "plan.actions[3].amount"."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in (None, ""):
            out += ("." if out else "") + str(part)
    return out


def _form_key_path(prefix: str, key: str, renames: dict[str, str] | None = None) -> str:
    """A sectiondata error key ("axes-1-objectives-2-findings") as a JSON path under `prefix`."""
    if not key:
        return prefix
    parts: list[Any] = []
    for piece in key.split("-"):
        parts.append(int(piece) if piece.isdecimal() else (renames or {}).get(piece, piece))
    return json_path(prefix, *parts)


def messages_at(error: ValidationError, path_of: Callable[[str], str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, messages in error.errors.items():
        out.setdefault(path_of(key), []).extend(messages)
    return out


def error_lines(error: ValidationError) -> list[str]:
    """« chemin : message » lines for a refusal of `import_document` (CLI output, upload page)."""
    return [f"{path} : {message}" if path else message for path, messages in error.errors.items()
            for message in messages]


def document_bytes(document: dict) -> bytes:
    """The document as written to a file: UTF-8, indented, keys in the document's own (stable) order."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def file_name(plan: Plan) -> str:
    """"plan-<uuid>-r1.json"."""
    return f"plan-{plan.uuid}-r{plan.revision}.json"


# ---------------------------------------------------------------------------------------------------------------
# Export


def _owner_part(owner: PlanOwner) -> dict:
    if not owner.is_grouping:
        unit = owner.unit
        return {"kind": owner.kind.value, "name": unit.display_name if unit else owner.name,
                "pcode": unit.code if unit else None,
                "territory_edition": unit.edition.key if unit is not None else None}
    members = []
    for unit in owner.member_units:
        if not unit.is_foreign:
            members.append((0, unit.code, {"pcode": unit.code, "name": unit.display_name}))
        elif unit.is_manual:
            members.append((2, f"{unit.country_iso3} {unit.name}", {"name": unit.name, "country": unit.country_iso3}))
        else:
            members.append((1, unit.code, {"code": unit.code, "country": unit.country_iso3,
                                           "name": unit.display_name}))
    members.sort(key=lambda m: (m[0], m[1]))
    return {"kind": owner.kind.value, "name": owner.name, "founding_act_ref": owner.founding_act_ref,
            "founding_act_date": owner.founding_act_date.isoformat() if owner.founding_act_date else None,
            "tutelle_authority": owner.tutelle_authority, "members": [m[2] for m in members]}


class _Refs:
    """Database id → file ref, per kind of row, numbered in the order the rows are met."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[int, str]] = {}

    def add(self, kind: str, row_id: int) -> str:
        table = self.by_kind.setdefault(kind, {})
        table[row_id] = ref = f"{kind}-{len(table) + 1}"
        return ref

    def get(self, kind: str, row_id: int | None) -> str | None:
        return self.by_kind.get(kind, {}).get(row_id) if row_id is not None else None


def _sections_part(plan: Plan, refs: _Refs) -> dict:
    ident = identification.dump(plan)
    sit = situation.dump(plan)
    mig = migration.dump(plan)
    # Findings of both sections share one numbering: objectives point at either.
    situation_findings = [{"ref": refs.add("finding", f["id"]), "theme": f["theme"], "text": f["text"]}
                          for f in sit["findings"]]
    migration_findings = [{"ref": refs.add("finding", f["id"]), "text": f["text"]} for f in mig["findings"]]
    # An objective's findings in the findings' order, not the link table's (which differs between databases).
    finding_order = {f["ref"]: n for n, f in enumerate(situation_findings + migration_findings)}
    ori = orientations.dump(plan)
    axes = []
    for a in ori["axes"]:
        axis_ref = refs.add("axis", a["id"])
        axes.append({"ref": axis_ref, "title": a["title"], "general_objective": a["general_objective"],
                     "migration_crosscutting": a["migration_crosscutting"],
                     "objectives": [{"ref": refs.add("objective", o["id"]), "title": o["title"],
                                     "findings": sorted((refs.get("finding", f) for f in o["finding_ids"]
                                                         if refs.get("finding", f)), key=finding_order.get)}
                                    for o in a["objectives"]]})
    criteria = [{"ref": refs.add("criterion", c["id"]), "name": c["name"], "weight": c["weight"]}
                for c in ori["criteria"]]
    priorities = []
    for p in ori["priorities"]:
        axis = axes[p["axis"]]["ref"] if p["axis"] is not None else None
        priorities.append({"ref": refs.add("priority", p["id"]), "title": p["title"], "axis": axis,
                           "scores": {c["ref"]: score for c, score in zip(criteria, p["scores"])
                                      if score is not None}})
    indicators = [{"ref": refs.add("indicator", i["id"]), "category": i["category"], "name": i["name"],
                   "unit": i["unit"], "baseline_value": i["baseline_value"], "baseline_year": i["baseline_year"],
                   "targets": {y: i["targets"][y] for y in sorted(i["targets"])}, "source": i["source"]}
                  for i in suivi.dump(plan)["indicators"]]
    return {
        "identification": {
            **{n: ident[n] or "" for n in IDENTIFICATION_TEXTS + OPTIONAL_IDENTIFICATION_TEXTS},
            "process_steps": [{"ref": refs.add("step", s["id"]), **{n: s[n] for n in identification.STEP_FIELDS}}
                              for s in ident["process_steps"]]},
        "situation": {
            "population_records": [{"ref": refs.add("population", r["id"]),
                                    **{n: r[n] for n in situation.POPULATION_FIELDS}}
                                   for r in sit["population_records"]],
            "sector_diagnostics": [{"ref": refs.add("diagnostic", d["id"]),
                                    **{n: d[n] for n in situation.DIAGNOSTIC_FIELDS}}
                                   for d in sit["sector_diagnostics"]],
            "findings": situation_findings},
        "migration": {
            **{n: mig[n] for n in migration.PROFILE_FIELDS},
            "destinations": [{"ref": refs.add("destination", d["id"]),
                              **{n: d[n] for n in migration.DESTINATION_FIELDS}} for d in mig["destinations"]],
            "codev_projects": [{"ref": refs.add("codev", c["id"]), **{n: c[n] for n in migration.CODEV_FIELDS}}
                               for c in mig["codev_projects"]],
            "findings": migration_findings},
        "orientations": {"axes": axes, "criteria": criteria, "priorities": priorities},
        "suivi": {"indicators": indicators},
        "adoption": adoption.dump(plan),
    }


def _associations_part(session: Session, plan: Plan, refs: _Refs) -> list[dict]:
    """Every diaspora association of the owner: section 3 and the Word document show them all."""
    out = []
    for association in migration.associations_of(session, plan.owner):
        data = migration.association_data(association)
        out.append({"ref": refs.add("association", association.id), **data})
    return out


def _location_fields(d: dict, reveal_masked: bool) -> dict:
    """lon, lat, location_precision of a dumped action; a masked point the reader may not see is left out, and
    "location_withheld": true says so (an import then keeps the point already stored: `_write_actions`)."""
    if location.is_withheld(d["lon"], d["lat"], d["location_precision"], reveal_masked):
        return {"lon": None, "lat": None, "location_precision": d["location_precision"], WITHHELD: True}
    return {n: d[n] for n in ("lon", "lat", "location_precision")}


def _actions_part(plan: Plan, refs: _Refs, reveal_masked: bool) -> list[dict]:
    out = []
    for action in sorted(plan.actions, key=lambda a: (a.position if a.position is not None else 0, a.id or 0)):
        d = actions_service.dump_action(action)
        d["tags"] = sorted(d["tags"], key=lambda t: (TAG_ORDER.get(t, len(TAG_ORDER)), t))  # as a save orders them
        d.update(_location_fields(d, reveal_masked))
        out.append({
            "uuid": d["action_uuid"], "objective": refs.get("objective", d["objective_id"]),
            **{n: d[n] for n in ACTION_FIELDS if n != "schedule"},
            **({WITHHELD: True} if d.get(WITHHELD) else {}),
            "schedule": d["schedule"],
            "funding_lines": [{"source_type": ln["source_type"], "source_name": ln["source_name"],
                               "association": refs.get("association", ln["association_id"]),
                               # optional (added within schema_version 1): only when a section is named
                               **({"association_section": ln["association_section"]}
                                  if ln.get("association_section") else {}),
                               "amount": ln["amount"], "share_pct": ln["share_pct"], "status": ln["status"],
                               "in_kind": ln["in_kind"]} for ln in d["funding_lines"]],
        })
    return out


def _execution_part(session: Session, plan: Plan, refs: _Refs) -> dict:
    """The plan's execution (schema_version 2): each action's records per year, its money per funding line in the
    order of the action's lines; the indicators' measures; what is known of the evidence (never the files, which
    travel with the backup: docs/plan-format.md). Empty lists for a plan without execution."""
    empty: dict[str, list] = {"records": [], "measures": [], "evidence": []}
    if plan.id is None:
        return empty
    actions = sorted(plan.actions, key=lambda a: (a.position if a.position is not None else 0, a.id or 0))
    order = {a.id: n for n, a in enumerate(actions)}
    by_id = {a.id: a for a in actions}
    records = []
    for record in sorted(execution_service.records(session, plan), key=lambda r: (order.get(r.action_id, 0),
                                                                                    r.year)):
        action = by_id.get(record.action_id)
        if action is None:
            continue
        d = execution_service.dump(action, record.year, record)
        records.append({"action": action.uuid, "year": record.year,
                        **{n: d[n] for n in execution_service.FIELDS},
                        "funding": [{"mobilised": f["mobilised"], "paid": f["paid"]} for f in d["funding"]]})
    indicator_order = {i.id: n for n, i in enumerate(plan.indicators)}
    measures = [{"indicator": refs.get("indicator", m.indicator_id), "year": m.year,
                 "value": suivi.decimal_text(m.value),
                 "groups": {k: (m.breakdown or {})[k] for k in sorted(m.breakdown or {})},
                 "source": m.source, "measured_on": m.measured_on.isoformat() if m.measured_on else None}
                for m in sorted(execution_measures.measures(session, plan),
                                key=lambda m: (indicator_order.get(m.indicator_id, 0), m.year))
                if refs.get("indicator", m.indicator_id)]
    evidence = [{"action": by_id[e.action_id].uuid, "year": e.year, "uuid": e.uuid, "kind": e.kind,
                 "name": e.original_name, "caption": e.caption, "size": e.size, "width": e.width,
                 "height": e.height, "added_at": instant(e.created_at)}
                for e in sorted(session.scalars(sa.select(ExecutionEvidence).where(
                    ExecutionEvidence.plan_id == plan.id)),
                    key=lambda e: (order.get(e.action_id, 0), e.year, e.created_at, e.uuid))
                if e.action_id in by_id]
    return {"records": records, "measures": measures, "evidence": evidence}


def _change_key(c: dict) -> tuple:
    return (c.get("at") or "", c.get("section") or "", c.get("user") or "", c.get("summary") or "")


def _transition_key(t: dict) -> tuple:
    return (t.get("at") or "", t.get("from") or "", t.get("to") or "", t.get("user") or "", t.get("reason") or "")


def _history_part(session: Session, plan: Plan) -> dict:
    """This server's records ("changes", "transitions"), and apart from them what the files imported into this plan
    said and this server did not record itself ("claimed", only when there is some): a file's « en revue → validé
    by relecteur@… » is its author's claim, never this server's record (issue 14, item 4)."""
    changes: dict[tuple, dict] = {}
    transitions: dict[tuple, dict] = {}
    claimed_changes: dict[tuple, dict] = {}
    claimed_transitions: dict[tuple, dict] = {}
    if plan.id is not None:
        for document in session.scalars(sa.select(PlanSnapshot.document).where(
                PlanSnapshot.plan_id == plan.id, PlanSnapshot.kind == SNAPSHOT_KIND).order_by(PlanSnapshot.id)):
            history = ((document or {}).get("plan") or {}).get("history") or {}
            for part in (history, history.get("claimed") or {}):
                for c in part.get("changes") or []:
                    claimed_changes[_change_key(c)] = c
                for t in part.get("transitions") or []:
                    claimed_transitions[_transition_key(t)] = t
        for change in session.scalars(sa.select(PlanChange).where(PlanChange.plan_id == plan.id)
                                      .options(orm.joinedload(PlanChange.user)).order_by(PlanChange.id)):
            if isinstance(change.snapshot, dict) and IMPORT_MARK in change.snapshot:
                continue
            c = {"at": instant(change.at), "section": change.section,
                 "user": change.user.email if change.user is not None else None, "summary": change.summary or ""}
            changes[_change_key(c)] = c
        for transition in session.scalars(sa.select(PlanTransition).where(PlanTransition.plan_id == plan.id)
                                          .options(orm.joinedload(PlanTransition.user))
                                          .order_by(PlanTransition.id)):
            t = {"at": instant(transition.at), "from": transition.from_status, "to": transition.to_status,
                 "user": transition.user.email if transition.user is not None else None,
                 "reason": transition.reason or ""}
            transitions[_transition_key(t)] = t
    # the newest ones only: a file carries at most what plans/core/limits.py lets an import read
    kept_changes, kept_transitions = limits.ROWS["changes"].limit, limits.ROWS["transitions"].limit
    out = {"changes": [changes[k] for k in sorted(changes)][-kept_changes:],
           "transitions": [transitions[k] for k in sorted(transitions)][-kept_transitions:]}
    # A claim this server recorded too (its own export imported back) is its record, not a claim.
    claimed = {"changes": [claimed_changes[k] for k in sorted(set(claimed_changes) - set(changes))][-kept_changes:],
               "transitions": [claimed_transitions[k] for k in sorted(set(claimed_transitions) - set(transitions))]
               [-kept_transitions:]}
    if claimed["changes"] or claimed["transitions"]:
        out["claimed"] = claimed
    return out


def export_for(session: Session, plan: Plan, reader: Optional[User]) -> dict:
    """The plan document as `reader` may read it: the point of a masked site only for those who may see it
    (plans.accounts.access.can_see_masked_location); the download and the partner API serve this."""
    return export_document(session, plan, reveal_masked=access.can_see_masked_location(reader, plan.owner))


def export_document(session: Session, plan: Plan, *, reveal_masked: bool = True) -> dict:
    """The whole plan as a JSON-serialisable plan document (see the module's docstring). With every point: what
    this server keeps (snapshots, the copy a revision starts from) and the operator's `flask plans export`; what a
    user reads goes through `export_for`."""
    refs = _Refs()
    sections_part = _sections_part(plan, refs)
    associations = _associations_part(session, plan, refs)
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": instant(utcnow()),
        "plan": {
            "uuid": plan.uuid,
            "revision": plan.revision,
            "status": plan.status.value,
            "title": plan.title,
            "period": {"start": plan.period_start, "end": plan.period_end},
            "guide_version": plan.guide_version,
            "owner": _owner_part(plan.owner),
            "sections": sections_part,
            "diaspora_associations": associations,
            "actions": _actions_part(plan, refs, reveal_masked),
            "execution": _execution_part(session, plan, refs),
            "history": _history_part(session, plan),
        },
    }


def without_timestamp(document: dict) -> dict:
    """The document without "exported_at": what two exports of the same plan share."""
    return {k: v for k, v in document.items() if k != "exported_at"}


# ---------------------------------------------------------------------------------------------------------------
# Reading a file: size, JSON, format, version, schema


@lru_cache(maxsize=len(READABLE_VERSIONS))
def schema(version: int = SCHEMA_VERSION) -> dict:
    """The JSON Schema of a readable version (the current one by default: what an export follows)."""
    return json.loads((SCHEMA_DIR / f"pdl-m-plan.v{version}.schema.json").read_text(encoding="utf-8"))


def _reject_constant(name: str):
    raise ValueError(name)


def parse_bytes(data: bytes | str) -> Any:
    """The JSON value of a file's content, or ValidationError in French (too large, not text, truncated, not JSON)."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    too_large = limits.file_too_large(size)
    if too_large:
        raise ValidationError(too_large)
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(MSG_NOT_JSON + " (le texte n'est pas en UTF-8)") from None
    else:
        text = data
    if not text.strip():
        raise ValidationError("Le fichier est vide.")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        stripped = text.strip()
        if error.pos >= len(stripped) or (stripped.startswith("{") and not stripped.endswith("}")):
            raise ValidationError(
                f"Le fichier est tronqué : il s'arrête avant la fin du document (ligne {error.lineno}). "
                "Refaites l'export ou le téléchargement, puis importez le fichier complet.") from None
        raise ValidationError(f"{MSG_NOT_JSON} (erreur ligne {error.lineno}, colonne {error.colno})") from None
    except (ValueError, RecursionError):
        raise ValidationError(MSG_NOT_JSON) from None


_TYPE_NAMES = {"object": "un objet { … }", "array": "une liste [ … ]", "string": "du texte",
               "integer": "un nombre entier", "number": "un nombre", "boolean": "true ou false", "null": "null"}


def _type_text(expected) -> str:
    names = [expected] if isinstance(expected, str) else list(expected)
    return " ou ".join(_TYPE_NAMES.get(n, n) for n in names)


def _shown(value, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def _french(error) -> str:
    """A JSON Schema error in French."""
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "type":
        return f"doit être {_type_text(value)} (valeur lue : {_shown(instance)})."
    if kind == "required":
        missing = [n for n in value if isinstance(instance, dict) and n not in instance]
        return "champ obligatoire manquant : " + ", ".join(f"« {n} »" for n in missing) + "."
    if kind == "additionalProperties":
        extra = sorted(set(instance) - set(error.schema.get("properties", {}))) if isinstance(instance, dict) else []
        return "champ inconnu : " + ", ".join(f"« {n} »" for n in extra) + "."
    if kind in ("enum", "const"):
        allowed = value if kind == "enum" else [value]
        shown = ", ".join(json.dumps(v, ensure_ascii=False) for v in allowed[:12])
        return f"valeur {_shown(instance)} non reconnue ; valeurs possibles : {shown}."
    if kind == "minimum":
        return f"doit être supérieur ou égal à {value} (valeur lue : {instance})."
    if kind == "maximum":
        return f"doit être inférieur ou égal à {value} (valeur lue : {instance})."
    if kind == "minLength" or (kind == "pattern" and value == "\\S"):
        return "ne peut pas être vide."
    if kind == "maxLength":
        return f"texte trop long : {value} caractères au plus."
    if kind == "pattern":
        return f"format non reconnu : {_shown(instance)}."
    if kind == "minItems":
        return f"doit contenir au moins {value} élément(s)."
    if kind == "maxItems":
        return f"contient trop d'éléments ({value} au plus)."
    if kind in ("oneOf", "anyOf"):
        return "ne correspond à aucune des formes attendues."
    if kind == "propertyNames":
        return "nom de champ non reconnu."
    if kind == "format":
        return f"format {value} non respecté : {_shown(instance)}."
    return "valeur non conforme au schéma du fichier de plan."


def _schema_path(error) -> str:
    return json_path(*error.absolute_path) or "(document)"


def check_schema(document: Any) -> None:
    """ValidationError keyed by JSON path when `document` breaks the JSON Schema (after format and version)."""
    if not isinstance(document, dict):
        raise ValidationError(MSG_NOT_PLAN)
    if document.get("format") != FORMAT:
        raise ValidationError(MSG_NOT_PLAN)
    version = document.get("schema_version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
            raise ValidationError({"schema_version": [
                f"Version de format inconnue : ce fichier est en version {version}, cette application lit les "
                f"versions 1 à {SCHEMA_VERSION}. Mettez l'application à jour pour l'importer."]})
        raise ValidationError({"schema_version": [
            f"Version de format inconnue : {_shown(version)} (version 1 à {SCHEMA_VERSION} attendue, en nombre "
            "entier)."]})
    validator = Draft202012Validator(schema(version))
    errors: dict[str, list[str]] = {}
    count = 0
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        # oneOf/anyOf: say what is wrong in the closest branch, not only that no branch fits.
        best = error
        if error.context:
            best = best_match(error.context) or error
        messages = errors.setdefault(_schema_path(best), [])
        message = _french(best)
        if message not in messages:  # "required" yields one error per missing key, each message names them all
            messages.append(message)
        count += 1
        if count >= MAX_MESSAGES:
            break
    if errors:
        raise ValidationError(errors)


def read_document(document_or_bytes: dict | bytes | str) -> dict:
    """The plan document checked against the JSON Schema, from bytes, text or an already parsed dict."""
    document = document_or_bytes if isinstance(document_or_bytes, dict) else parse_bytes(document_or_bytes)
    check_counts(document)
    document = _without_controls(document)
    check_schema(document)
    _canonical_uuids(document)
    return document


def _canonical_uuids(document: dict) -> None:
    """The plan's and the actions' uuids in their canonical form (the schema let any case through): "3F2A…" of a
    file is the plan "3f2a…" here, never a second one beside it."""
    p = document["plan"]
    p["uuid"] = canonical_uuid(p["uuid"])
    for action in p["actions"]:
        action["uuid"] = canonical_uuid(action["uuid"])
    execution = p.get("execution") or {}
    for row in execution.get("records", []) + execution.get("evidence", []):
        row["action"] = canonical_uuid(row["action"])


def _rows(value: Any) -> list:
    return value if isinstance(value, list) else []


def _part(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def check_counts(document: Any) -> None:
    """ValidationError keyed by JSON path when a list of the document holds more rows than plans/core/limits.py
    allows. Run on the parsed JSON before anything else reads it (the JSON Schema, the rules, the database): the
    cost of refusing a plan of 15 000 actions is that of its parse. Values of the wrong type are left to the schema."""
    plan = _part(document, "plan")
    if not isinstance(plan, dict):
        return
    sections = _part(plan, "sections")
    lists: list[tuple[str, str, Any]] = [
        ("actions", "plan.actions", plan.get("actions")),
        ("diaspora_associations", "plan.diaspora_associations", plan.get("diaspora_associations")),
        ("members", "plan.owner.members", _part(plan, "owner", "members")),
        ("changes", "plan.history.changes", _part(plan, "history", "changes")),
        ("transitions", "plan.history.transitions", _part(plan, "history", "transitions")),
        ("process_steps", "plan.sections.identification.process_steps",
         _part(sections, "identification", "process_steps")),
        ("population_records", "plan.sections.situation.population_records",
         _part(sections, "situation", "population_records")),
        ("sector_diagnostics", "plan.sections.situation.sector_diagnostics",
         _part(sections, "situation", "sector_diagnostics")),
        ("findings", "plan.sections.situation.findings", _part(sections, "situation", "findings")),
        ("destinations", "plan.sections.migration.destinations", _part(sections, "migration", "destinations")),
        ("codev_projects", "plan.sections.migration.codev_projects", _part(sections, "migration", "codev_projects")),
        ("findings", "plan.sections.migration.findings", _part(sections, "migration", "findings")),
        ("axes", "plan.sections.orientations.axes", _part(sections, "orientations", "axes")),
        ("criteria", "plan.sections.orientations.criteria", _part(sections, "orientations", "criteria")),
        ("priorities", "plan.sections.orientations.priorities", _part(sections, "orientations", "priorities")),
        ("indicators", "plan.sections.suivi.indicators", _part(sections, "suivi", "indicators")),
        ("execution_records", "plan.execution.records", _part(plan, "execution", "records")),
        ("measures", "plan.execution.measures", _part(plan, "execution", "measures")),
        ("evidence", "plan.execution.evidence", _part(plan, "execution", "evidence")),
    ]
    for i, record in enumerate(_rows(_part(plan, "execution", "records"))[:limits.ROWS["execution_records"].limit + 1]):
        lists.append(("funding_lines", json_path("plan.execution.records", i, "funding"), _part(record, "funding")))
    for i, action in enumerate(_rows(plan.get("actions"))[:limits.ACTIONS_PER_PLAN + 1]):
        lists.append(("funding_lines", json_path("plan.actions", i, "funding_lines"), _part(action, "funding_lines")))
    for i, axis in enumerate(_rows(_part(sections, "orientations", "axes"))[:limits.ROWS["axes"].limit + 1]):
        lists.append(("objectives", json_path("plan.sections.orientations.axes", i, "objectives"),
                      _part(axis, "objectives")))
        for j, objective in enumerate(_rows(_part(axis, "objectives"))[:limits.ROWS["objectives"].limit + 1]):
            lists.append(("finding_links", json_path("plan.sections.orientations.axes", i, "objectives", j,
                                                     "findings"), _part(objective, "findings")))
    for i, priority in enumerate(_rows(_part(sections, "orientations", "priorities"))
                                 [:limits.ROWS["priorities"].limit + 1]):
        lists.append(("scores", json_path("plan.sections.orientations.priorities", i, "scores"),
                      _part(priority, "scores")))
    for i, indicator in enumerate(_rows(_part(sections, "suivi", "indicators"))[:limits.ROWS["indicators"].limit + 1]):
        lists.append(("targets", json_path("plan.sections.suivi.indicators", i, "targets"),
                      _part(indicator, "targets")))
    errors: dict[str, list[str]] = {}
    lines = sum(len(_rows(_part(action, "funding_lines"))) for action in _rows(plan.get("actions")))
    if limits.too_many("plan_funding_lines", lines):
        errors["plan.actions"] = [limits.too_many("plan_funding_lines", lines)]
    for key, path, value in lists:
        message = limits.too_many(key, len(value)) if isinstance(value, (list, dict)) else None
        if message:
            errors[path] = [message]
            if len(errors) >= MAX_MESSAGES:
                break
    if errors:
        raise ValidationError(errors)


def _without_controls(value: Any) -> Any:
    """Every text of the document as the forms keep typed text (plans.core.text.without_control_characters)."""
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, dict):
        return {_without_controls(k): _without_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_controls(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------------------
# The document's content, checked against the rules (no database write)


@dataclass
class _Content:
    """A plan document's content as the sectiondata modules take it, with the refs resolved to row indices."""

    doc: dict
    sections: dict[str, dict]  # section key → data for the module (ids filled in later, at write time)
    finding_rows: dict[str, tuple[str, int]]  # finding ref → (section key, index within that section's findings)
    objective_rows: dict[str, tuple[int, int]]  # objective ref → (axis index, objective index)
    association_rows: dict[str, int]  # association ref → index in diaspora_associations


def _unique_refs(rows: Iterable[tuple[str, str, Any]], label: str, errors: dict) -> dict[str, Any]:
    """ref → value from (JSON path, ref, value) rows; a ref met twice is an error at its second path."""
    table: dict[str, Any] = {}
    for path, ref, value in rows:
        if ref in table:
            errors.setdefault(path, []).append(f"Référence « {ref} » en double : chaque {label} a sa propre "
                                               "référence.")
        else:
            table[ref] = value
    return table


def check_content(doc: dict) -> _Content:
    """Refs resolved and each section checked by its own module's rules; ValidationError keyed by JSON path."""
    p = doc["plan"]
    s = p["sections"]
    errors: dict[str, list[str]] = {}
    base = "plan.sections"

    findings = [(json_path(base, "situation", "findings", i, "ref"), f["ref"], ("situation", i))
                for i, f in enumerate(s["situation"]["findings"])]
    findings += [(json_path(base, "migration", "findings", i, "ref"), f["ref"], ("migration", i))
                 for i, f in enumerate(s["migration"]["findings"])]
    finding_rows = _unique_refs(findings, "constat", errors)
    axes = s["orientations"]["axes"]
    axis_rows = _unique_refs([(json_path(base, "orientations", "axes", i, "ref"), a["ref"], i)
                              for i, a in enumerate(axes)], "axe", errors)
    objective_rows = _unique_refs([(json_path(base, "orientations", "axes", i, "objectives", j, "ref"), o["ref"],
                                    (i, j)) for i, a in enumerate(axes) for j, o in enumerate(a["objectives"])],
                                  "objectif", errors)
    criteria = s["orientations"]["criteria"]
    criterion_rows = _unique_refs([(json_path(base, "orientations", "criteria", i, "ref"), c["ref"], i)
                                   for i, c in enumerate(criteria)], "critère", errors)
    association_rows = _unique_refs([(json_path("plan.diaspora_associations", i, "ref"), a["ref"], i)
                                     for i, a in enumerate(p["diaspora_associations"])], "association", errors)
    _unique_refs([(json_path("plan.actions", i, "uuid"), a["uuid"], i) for i, a in enumerate(p["actions"])],
                 "action", errors)

    # Cross references.
    for i, a in enumerate(axes):
        for j, o in enumerate(a["objectives"]):
            for k, ref in enumerate(o["findings"]):
                if ref not in finding_rows:
                    errors.setdefault(json_path(base, "orientations", "axes", i, "objectives", j, "findings", k),
                                      []).append(f"Constat inconnu : « {ref} » ne désigne aucun constat du fichier.")
    for i, pr in enumerate(s["orientations"]["priorities"]):
        if pr["axis"] is not None and pr["axis"] not in axis_rows:
            errors.setdefault(json_path(base, "orientations", "priorities", i, "axis"), []).append(
                f"Axe inconnu : « {pr['axis']} » ne désigne aucun axe du fichier.")
        for ref in pr["scores"]:
            if ref not in criterion_rows:
                errors.setdefault(json_path(base, "orientations", "priorities", i, "scores", ref), []).append(
                    f"Critère inconnu : « {ref} » ne désigne aucun critère de la grille du fichier.")
    for i, a in enumerate(p["actions"]):
        if a["objective"] is not None and a["objective"] not in objective_rows:
            errors.setdefault(json_path("plan.actions", i, "objective"), []).append(
                f"Objectif inconnu : « {a['objective']} » ne désigne aucun objectif de la section 4 du fichier.")
        for j, line in enumerate(a["funding_lines"]):
            if line["association"] is not None and line["association"] not in association_rows:
                errors.setdefault(json_path("plan.actions", i, "funding_lines", j, "association"), []).append(
                    f"Association inconnue : « {line['association']} » ne désigne aucune association de "
                    "plan.diaspora_associations.")

    dates = [(json_path(base, "identification", "process_steps", i, "date"), row["date"])
             for i, row in enumerate(s["identification"]["process_steps"])]
    dates += [(json_path(base, "adoption", n), s["adoption"][n]) for n in adoption.DATE_FIELDS]
    dates.append(("plan.owner.founding_act_date", p["owner"].get("founding_act_date")))
    bad_dates = {path for path, value in dates if value is not None and _bad_date(value)}
    for path, value in dates:
        if path in bad_dates:
            errors.setdefault(path, []).append(f"Date impossible : « {value} » (jour, mois ou année invalide).")

    data = _module_data(doc, finding_rows, placeholder_findings=True)
    years = list(range(p["period"]["start"], p["period"]["end"] + 1))
    checks = [
        ("identification", identification.validate),
        ("situation", situation.validate),
        ("migration", migration.validate),
        ("orientations", lambda d: orientations.validate(d, None)),
    ]
    if years:  # else the period itself is refused (identification): targets cannot be judged against it
        checks.append(("suivi", lambda d: suivi.validate(d, years)))
    if not any(path.startswith("plan.sections.adoption") for path in bad_dates):
        checks.append(("adoption", adoption.validate))
    for key, check in checks:
        try:
            check(data[key])
        except ValidationError as error:
            for path, messages in messages_at(error, lambda k, key=key: _section_path(key, k, doc)).items():
                errors.setdefault(path, []).extend(messages)
    for i, a in enumerate(p["diaspora_associations"]):
        try:
            migration.clean_association(a)
        except ValidationError as error:
            for path, messages in messages_at(
                    error, lambda k, i=i: json_path("plan.diaspora_associations", i, k)).items():
                errors.setdefault(path, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return _Content(doc, data, finding_rows, objective_rows, association_rows)


def _bad_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return True
    return False


_IDENTIFICATION_TOP = {"title": "plan.title", "period_start": "plan.period.start", "period_end": "plan.period.end",
                       "guide_version": "plan.guide_version"}


def _section_path(key: str, form_key: str, doc: dict) -> str:
    """The JSON path of a sectiondata error key."""
    prefix = json_path("plan.sections", key)
    if key == "identification" and form_key in _IDENTIFICATION_TOP:
        return _IDENTIFICATION_TOP[form_key]
    parts = form_key.split("-")
    if key == "suivi" and len(parts) == 4 and parts[2] == "targets" and parts[3].isdigit():
        start = doc["plan"]["period"]["start"]
        return json_path(prefix, "indicators", int(parts[1]), "targets", str(start + int(parts[3])))
    if key == "orientations" and len(parts) == 4 and parts[2] == "scores" and parts[3].isdigit():
        criteria = doc["plan"]["sections"]["orientations"]["criteria"]
        k = int(parts[3])
        ref = criteria[k]["ref"] if k < len(criteria) else parts[3]
        return json_path(prefix, "priorities", int(parts[1]), "scores", ref)
    return _form_key_path(prefix, form_key)


def _module_data(doc: dict, finding_rows: dict, *, placeholder_findings: bool = False,
                 finding_ids: dict[str, int] | None = None) -> dict[str, dict]:
    """What each sectiondata module's apply() takes, from the document (rows without ids: new rows)."""
    p = doc["plan"]
    s = p["sections"]
    ident = s["identification"]
    out: dict[str, dict] = {
        "identification": {"title": p["title"], "period_start": p["period"]["start"],
                           "period_end": p["period"]["end"], "guide_version": p["guide_version"],
                           **{n: ident[n] for n in IDENTIFICATION_TEXTS},
                           **{n: ident[n] for n in OPTIONAL_IDENTIFICATION_TEXTS if n in ident},
                           "process_steps": [{n: row[n] for n in identification.STEP_FIELDS}
                                             for row in ident["process_steps"]]},
        "situation": {
            "population_records": [{n: r[n] for n in situation.POPULATION_FIELDS}
                                   for r in s["situation"]["population_records"]],
            "sector_diagnostics": [{n: r[n] for n in situation.DIAGNOSTIC_FIELDS}
                                   for r in s["situation"]["sector_diagnostics"]],
            "findings": [{"theme": f["theme"], "text": f["text"]} for f in s["situation"]["findings"]]},
        "migration": {
            **{n: s["migration"][n] for n in migration.PROFILE_FIELDS},
            "destinations": [{n: r[n] for n in migration.DESTINATION_FIELDS} for r in s["migration"]["destinations"]],
            "codev_projects": [{n: r[n] for n in migration.CODEV_FIELDS} for r in s["migration"]["codev_projects"]],
            "findings": [{"text": f["text"]} for f in s["migration"]["findings"]]},
        "suivi": {"indicators": [{n: r[n] for n in suivi.FIELDS} for r in s["suivi"]["indicators"]]},
        "adoption": dict(s["adoption"]),
    }
    ori = s["orientations"]
    axis_index = {a["ref"]: i for i, a in enumerate(ori["axes"])}
    placeholder = {ref: n + 1 for n, ref in enumerate(finding_rows)}
    ids = placeholder if placeholder_findings else (finding_ids or {})
    out["orientations"] = {
        "axes": [{"title": a["title"], "general_objective": a["general_objective"],
                  "migration_crosscutting": a["migration_crosscutting"],
                  "objectives": [{"title": o["title"], "finding_ids": [ids[r] for r in o["findings"] if r in ids]}
                                 for o in a["objectives"]]} for a in ori["axes"]],
        "criteria": [{"name": c["name"], "weight": c["weight"]} for c in ori["criteria"]],
        "priorities": [{"title": pr["title"], "axis": axis_index.get(pr["axis"]) if pr["axis"] is not None else None,
                        "scores": [pr["scores"].get(c["ref"]) for c in ori["criteria"]]}
                       for pr in ori["priorities"]],
    }
    return out


# ---------------------------------------------------------------------------------------------------------------
# Writing a document's content into a plan


def _with_ids(rows: list[dict], existing: list) -> list[dict]:
    """Row i takes the id of the plan's row i: a file that changes nothing keeps every row's identity."""
    return [{**row, "id": existing[i].id if i < len(existing) else None} for i, row in enumerate(rows)]


def _save(session: Session, plan: Plan, key: str, user: Optional[User], summary: str, apply, dump,
          before: dict) -> bool:
    """Writes one section of the document; records it (a PlanChange, a new version) only if it changed the section,
    which was `before[key]` before the import started. True when it did."""
    def run() -> str:
        detail = apply()
        return f"{summary} : {detail}" if detail else summary

    after: dict[str, Any] = {}

    def unchanged() -> bool:
        after["dump"] = dump()  # kept: the snapshot, asked next, is the same
        return after["dump"] == before[key]

    change = sections.save_section(session, plan, key, sections.current_version(session, plan, key), user, apply=run,
                                   snapshot=lambda: {**(after["dump"] if "dump" in after else dump()),
                                                     IMPORT_MARK: summary},
                                   unchanged=unchanged)
    return change is not None


def _dumps(plan: Plan) -> dict[str, Any]:
    """Every section as its module dumps it: what an import compares with, to record only what it changed."""
    return {"identification": identification.dump(plan), "situation": situation.dump(plan),
            "migration": migration.dump(plan), "orientations": orientations.dump(plan), "suivi": suivi.dump(plan),
            "adoption": adoption.dump(plan), "actions": _actions_dump(plan)}


def _actions_dump(plan: Plan) -> dict:
    return {"actions": [actions_service.dump_action(a) for a in sorted(plan.actions, key=lambda a: a.position or 0)]}


def _upsert_associations(session: Session, owner: PlanOwner, rows: list[dict]) -> list[DiasporaAssociation]:
    """The file's associations, matched to the owner's by name and country (created when missing)."""
    known = {(a.name.casefold(), a.host_country): a for a in migration.associations_of(session, owner)}
    out = []
    for i, row in enumerate(rows):
        try:
            values = migration.clean_association(row)
        except ValidationError as error:
            raise ValidationError(messages_at(error, lambda k: json_path("plan.diaspora_associations", i, k)))
        association = known.get((values["name"].casefold(), values["host_country"]))
        if association is None:
            if limits.too_many("diaspora_associations", len(known) + 1):
                raise ValidationError({"plan.diaspora_associations": [
                    limits.ROWS["diaspora_associations"].full(len(known), f"« {owner.name} »")]})
            association = DiasporaAssociation(owner_id=owner.id, **values)
            session.add(association)
            known[(values["name"].casefold(), values["host_country"])] = association
        else:
            for name, value in values.items():
                setattr(association, name, value)
        out.append(association)
    session.flush()
    return out


def _action_path(i: int, key: str) -> str:
    renames = {"objective_id": "objective", "association_id": "association"}
    parts = key.split("-")
    if parts[0] == "schedule" and len(parts) == 2:
        return json_path("plan.actions", i, "schedule", parts[1])
    return _form_key_path(json_path("plan.actions", i), key, renames)


def write_content(session: Session, plan: Plan, content: _Content, user: Optional[User], summary: str,
                  warnings: Optional[list[str]] = None) -> int:
    """Writes the document's content into `plan`; returns how many sections it changed (each of them recorded in
    the history; a section the file leaves as it was records nothing). What the user should know (a masked point
    the file did not carry) is appended to `warnings`."""
    doc = content.doc
    p = doc["plan"]
    data = content.sections
    # Every action with its lines and schedule in three queries, not three per action; held here, since the session
    # keeps only weak references and `plan.actions` is reloaded on the way.
    preloaded = session.scalars(sa.select(Action).where(Action.plan_id == plan.id).options(
        orm.selectinload(Action.funding_lines).selectinload(FundingLine.association),
        orm.selectinload(Action.schedule))).all() if plan.id is not None else []
    before = _dumps(plan)
    changed = 0

    associations = _upsert_associations(session, plan.owner, p["diaspora_associations"])

    # Free the rows the sections replace: actions not in the file go, the others let go of their objective
    # (orientations refuses to drop an objective an action answers) and objectives of their findings.
    wanted = {a["uuid"] for a in p["actions"]}
    for action in list(plan.actions):
        if action.uuid not in wanted:
            session.delete(action)
        else:
            action.objective = None
            action.objective_id = None
    for axis in plan.axes:
        for objective in axis.objectives:
            objective.findings = []
    session.flush()
    session.expire(plan, ["actions"])

    ident = dict(data["identification"])
    ident["process_steps"] = _with_ids(ident["process_steps"], list(plan.process_steps))
    changed += _save(session, plan, "identification", user, summary,
                     lambda: identification.apply(session, plan, ident), lambda: identification.dump(plan), before)

    sit = dict(data["situation"])
    sit["population_records"] = _with_ids(sit["population_records"], list(plan.population_records))
    sit["sector_diagnostics"] = _with_ids(sit["sector_diagnostics"], list(plan.sector_diagnostics))
    sit["findings"] = _with_ids(sit["findings"], situation.situation_findings(plan))
    changed += _save(session, plan, "situation", user, summary, lambda: situation.apply(session, plan, sit),
                     lambda: situation.dump(plan), before)

    mig = dict(data["migration"])
    mig["destinations"] = _with_ids(mig["destinations"], list(plan.destinations))
    mig["codev_projects"] = _with_ids(mig["codev_projects"], list(plan.codev_projects))
    mig["findings"] = _with_ids(mig["findings"], [f for f in plan.findings if f.theme == migration.THEME])
    changed += _save(session, plan, "migration", user, summary, lambda: migration.apply(session, plan, mig),
                     lambda: migration.dump(plan), before)
    session.flush()

    by_section = {"situation": situation.situation_findings(plan),
                  "migration": [f for f in plan.findings if f.theme == migration.THEME]}
    finding_ids = {ref: by_section[key][index].id for ref, (key, index) in content.finding_rows.items()}
    ori = _module_data(doc, content.finding_rows, finding_ids=finding_ids)["orientations"]
    axes = list(plan.axes)
    for i, axis_row in enumerate(ori["axes"]):
        axis_row["id"] = axes[i].id if i < len(axes) else None
        existing = list(axes[i].objectives) if i < len(axes) else []
        axis_row["objectives"] = _with_ids(axis_row["objectives"], existing)
    ori["criteria"] = _with_ids(ori["criteria"], list(plan.criteria))
    ori["priorities"] = _with_ids(ori["priorities"], list(plan.priorities))
    changed += _save(session, plan, "orientations", user, summary, lambda: orientations.apply(session, plan, ori),
                     lambda: orientations.dump(plan), before)

    sv = {"indicators": _with_ids(data["suivi"]["indicators"], list(plan.indicators))}
    changed += _save(session, plan, "suivi", user, summary, lambda: suivi.apply(session, plan, sv),
                     lambda: suivi.dump(plan), before)
    changed += _save(session, plan, "adoption", user, summary,
                     lambda: adoption.apply(session, plan, data["adoption"]), lambda: adoption.dump(plan), before)
    session.flush()

    objectives = {ref: plan.axes[i].objectives[j] for ref, (i, j) in content.objective_rows.items()}
    association_by_ref = {ref: associations[i] for ref, i in content.association_rows.items()}
    changed += _write_actions(session, plan, p["actions"], objectives, association_by_ref, user, summary, before,
                              warnings if warnings is not None else [])
    del preloaded
    return changed


def _kept_point(row: dict, stored: Optional[Action], path: str, errors: dict, warnings: list[str]) -> dict:
    """lon and lat for an action of the file: its own, or, when the file says a masked point was withheld from its
    reader, the point this server keeps for that action (an owner re-importing a file a reviewer downloaded must
    not lose it). A new action stays without a point, and the warnings say so."""
    if not row.get(WITHHELD):
        return {"lon": row["lon"], "lat": row["lat"]}
    if not location.is_masked(row["location_precision"]) or row["lon"] is not None or row["lat"] is not None:
        errors.setdefault(json_path(path, WITHHELD), []).append(MSG_WITHHELD_ALONE)
        return {"lon": row["lon"], "lat": row["lat"]}
    if stored is not None and stored.lon is not None and stored.lat is not None:
        return {"lon": stored.lon, "lat": stored.lat}
    warnings.append(f"Action « {row['title']} » : le fichier ne contient pas les coordonnées de ce site sensible "
                    "(elles ne sont communiquées qu'aux planificateurs de la collectivité et aux administrateurs) ; "
                    "l'action est importée sans point.")
    return {"lon": None, "lat": None}


def _stored_points(session: Session, plan: Plan, uuids: list[str]) -> dict[str, Action]:
    """The actions of this plan, else of its latest earlier revision (a file imported over an adopted plan opens
    the next revision, empty), whose uuid is in `uuids`: where a point a file withheld is kept."""
    found = {a.uuid: a for a in plan.actions if a.uuid in set(uuids)}
    missing = [u for u in uuids if u not in found]
    if missing and plan.uuid is not None:
        earlier = session.scalars(sa.select(Action).join(Plan, Plan.id == Action.plan_id).where(
            Plan.uuid == plan.uuid, Plan.id != plan.id, Action.uuid.in_(missing)).order_by(Plan.revision))
        for action in earlier:  # the latest revision last: it wins
            found[action.uuid] = action
    return found


def _write_actions(session: Session, plan: Plan, rows: list[dict], objectives: dict, associations: dict,
                   user: Optional[User], summary: str, before: dict, warnings: list[str]) -> bool:
    errors: dict[str, list[str]] = {}
    checked = []
    owner_associations = actions_service.owner_associations(session, plan)  # read once, not once per action
    stored = _stored_points(session, plan, [row["uuid"] for row in rows if row.get(WITHHELD)])
    for i, row in enumerate(rows):
        point = _kept_point(row, stored.get(row["uuid"]), json_path("plan.actions", i), errors, warnings)
        data = {**{k: v for k, v in row.items() if k not in ("uuid", "objective", "funding_lines", WITHHELD)},
                **point,
                "objective_id": objectives[row["objective"]].id if row["objective"] is not None else None,
                "funding_lines": [{**{k: v for k, v in ln.items() if k != "association"},
                                   "association_id": associations[ln["association"]].id
                                   if ln["association"] is not None else None}
                                  for ln in row["funding_lines"]]}
        try:
            cleaned, _ = actions_service.check(session, plan, data, associations=owner_associations)
        except ValidationError as error:
            for path, messages in messages_at(error, lambda k, i=i: _action_path(i, k)).items():
                errors.setdefault(path, []).extend(messages)
            continue
        checked.append((row["uuid"], cleaned))
    if errors:
        raise ValidationError(errors)

    written: list[Action] = []  # held until the section is recorded: the session keeps only weak references

    def apply() -> str:
        existing = {a.uuid: a for a in plan.actions}
        count = len(existing)
        for position, (uuid, cleaned) in enumerate(checked):
            action = existing.get(uuid)
            if action is None:
                action = Action(plan_id=plan.id, uuid=uuid, schedule=[], funding_lines=[])  # nothing to load
                session.add(action)
            action.position = position
            actions_service._assign(session, action, cleaned)
            written.append(action)
        try:
            session.flush()
        except orm.exc.StaleDataError:
            raise ConflictError(actions_service.SECTION) from None
        session.expire(plan, ["actions"])
        return f"Actions : {count} → {len(checked)}" if count != len(checked) else "actions remplacées"

    return _save(session, plan, "actions", user, summary, apply, lambda: _actions_dump(plan), before)


def load_into(session: Session, plan: Plan, document: dict | bytes | str, user: Optional[User], *,
              summary: str = "Import d'un fichier de plan") -> None:
    """Replaces the whole content of `plan` (sections, associations used, actions by uuid, indicators) with the
    document's, in the caller's transaction. Each section records a PlanChange whose summary starts with
    `summary` and its version moves on (open forms get a 409). The plan's owner, uuid, revision and status are
    left alone. ValidationError (JSON paths) when the document breaks a rule; the caller then rolls back, since
    part of the plan may already be written."""
    document = read_document(document)
    content = check_content(document)
    write_content(session, plan, content, user, summary)
    plan.updated_at = utcnow()
    session.flush()
