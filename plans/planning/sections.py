"""The sections of a plan: their order, their version (optimistic locking) and their history.

Saving a section is one transaction: check the version the form was loaded with, apply the data, bump the
version, and record a PlanChange holding the section as saved, so that an earlier state can be restored.

History is kept within bounds (plans/core/limits.py, HISTORY_RESTORABLE): each save prunes the saves of its own
key — the section, or for section "actions" the action — beyond the newest HISTORY_RESTORABLE. A pruned change
stays in the history (when, who, what changed) but drops its copy and can no longer be restored; the review's
frozen versions (plans/review/workflow.py, PlanSnapshot) are another table, never pruned. A save may also be
skipped when it changed nothing (`unchanged`, what a plan-file import asks): no new version, no history entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from plans.accounts.models import User
from plans.core import limits
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.planning.models import Plan, PlanChange, SectionState


@dataclass(frozen=True)
class Section:
    key: str
    number: int
    title: str
    computed: bool = False  # Financement: shown, never typed


SECTIONS = (
    Section("identification", 1, "Identification et démarche"),
    Section("situation", 2, "Situation de référence"),
    Section("migration", 3, "Diagnostic migratoire"),
    Section("orientations", 4, "Orientations stratégiques"),
    Section("actions", 5, "Actions (PIP)"),
    Section("financement", 6, "Financement", computed=True),
    Section("suivi", 7, "Suivi-évaluation"),
    Section("adoption", 8, "Adoption"),
)
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}
EDITABLE_SECTIONS = tuple(s.key for s in SECTIONS if not s.computed)


def section(key: str) -> Section:
    try:
        return SECTIONS_BY_KEY[key]
    except KeyError:
        raise ValidationError({"section": f"Section inconnue : « {key} »."}) from None


def state(session: Session, plan: Plan, key: str) -> SectionState:
    """The section's saved state. A section never saved reads as version 0, and reading it writes nothing."""
    row = session.get(SectionState, (plan.id, key))
    if row is None:
        return SectionState(plan_id=plan.id, section=key, version=0)  # transient: not added to the session
    return row


def _stored_state(session: Session, plan: Plan, key: str) -> SectionState:
    """The section's state row, created at version 0 if missing. Two first saves at once both find no row: the
    insert skips a row that the other has just created (a plain INSERT failed on the unique key: a 500)."""
    row = session.get(SectionState, (plan.id, key))
    if row is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(SectionState).values(plan_id=plan.id, section=key, version=0)
                        .on_conflict_do_nothing())
        row = session.get(SectionState, (plan.id, key))
    return row


def current_version(session: Session, plan: Plan, key: str) -> int:
    row = session.get(SectionState, (plan.id, key))
    return row.version if row else 0


def last_saved(session: Session, plan: Plan) -> Optional[SectionState]:
    return session.scalar(sa.select(SectionState).where(SectionState.plan_id == plan.id,
                                                        SectionState.saved_at.is_not(None))
                          .order_by(SectionState.saved_at.desc()).limit(1))


VERSION_FIELD = "version"
MSG_BAD_VERSION = ("Le formulaire reçu est altéré (son numéro de version est illisible) : rien n'a été enregistré. "
                   "Votre saisie est conservée ci-dessous : enregistrez à nouveau ; si la section a changé "
                   "entre-temps, les deux versions vous seront présentées.")


def parse_version(raw: object) -> int | None:
    """The version a form was loaded with (its hidden field): None when the form sent none (a stale form: the
    caller's version check refuses it as a conflict), ValidationError keyed VERSION_FIELD when it is not a whole
    number (a tampered or broken form: a 400 that keeps what was typed, never a 500)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    # ASCII digits only ("²" and "١" pass str.isdigit), and few of them: int() of thousands of digits fails.
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ValidationError({VERSION_FIELD: [MSG_BAD_VERSION]})
    return int(text)


def save_section(session: Session, plan: Plan, key: str, expected_version: int | str | None, user: Optional[User],
                 apply: Callable[[], str], snapshot: Callable[[], dict],
                 unchanged: Optional[Callable[[], bool]] = None) -> Optional[PlanChange]:
    """Runs `apply` (which changes the plan and returns a French summary) if the section is still at
    `expected_version`, then records the change. The version check is an UPDATE … WHERE version = expected, so
    two concurrent saves cannot both pass it. A version that is not a number: ValidationError (`parse_version`).
    When `unchanged` says, after `apply`, that nothing changed, nothing is recorded and None is returned. The
    caller commits."""
    section(key)
    expected = parse_version(expected_version)
    st = _stored_state(session, plan, key)
    if expected is None or expected != st.version:
        raise ConflictError(key)
    try:
        summary = apply()
        session.flush()
    except sa.exc.IntegrityError as error:
        # Two first saves of a section at once (PostgreSQL): both create its one row (the migration profile,
        # unique per plan) and the second fails on the key. It lost the race: the user gets the 409 screen.
        raise ConflictError(key) from error
    if unchanged is not None and unchanged():
        return None
    now = utcnow()
    updated = session.execute(
        sa.update(SectionState).where(SectionState.plan_id == plan.id, SectionState.section == key,
                                      SectionState.version == st.version)
        .values(version=st.version + 1, saved_at=now, saved_by_id=user.id if user else None)
        .execution_options(synchronize_session=False))
    if updated.rowcount != 1:
        raise ConflictError(key)
    session.expire(st)
    plan.updated_at = now
    saved = snapshot()
    action_uuid = saved.get("action_uuid") if key == "actions" and isinstance(saved.get("action_uuid"), str) else None
    change = PlanChange(plan_id=plan.id, section=key, user_id=user.id if user else None, at=now,
                        summary=summary, snapshot=saved, action_uuid=action_uuid)
    session.add(change)
    session.flush()
    prune_history(session, plan.id, key, action_uuid)
    return change


def _pruned_copy(snapshot) -> dict:
    """What a pruned change keeps of its copy: the keys that say what it was (the action, the operation, marks such
    as plans/review/planfile.py's IMPORT_MARK, all starting with "_")."""
    if not isinstance(snapshot, dict):
        return {}
    return {k: v for k, v in snapshot.items() if k.startswith("_") or k in ("action_uuid", "operation")}


def prune_history(session: Session, plan_id: int, key: str, action_uuid: Optional[str] = None) -> int:
    """Prunes the changes of one key (a section; for "actions", one action, or the whole section when
    `action_uuid` is None) beyond the newest limits.HISTORY_RESTORABLE restorable ones. Returns how many."""
    same_action = PlanChange.action_uuid.is_(None) if action_uuid is None else PlanChange.action_uuid == action_uuid
    older = list(session.scalars(
        sa.select(PlanChange).where(PlanChange.plan_id == plan_id, PlanChange.section == key, same_action,
                                    PlanChange.restorable.is_(True))
        .order_by(PlanChange.id.desc()).offset(limits.HISTORY_RESTORABLE)))
    for change in older:
        change.snapshot = _pruned_copy(change.snapshot)
        change.restorable = False
    if older:
        session.flush()
    return len(older)


def history(session: Session, plan: Plan, key: str | None = None, limit: int = 50) -> list[PlanChange]:
    query = sa.select(PlanChange).where(PlanChange.plan_id == plan.id)
    if key:
        query = query.where(PlanChange.section == key)
    return list(session.scalars(query.order_by(PlanChange.id.desc()).limit(limit)))


def sync_rows(session: Session, collection: list, rows: Iterable[dict[str, Any]], factory: Callable[[], Any],
              fields: Iterable[str]) -> None:
    """Makes `collection` hold exactly `rows`, in order: a row with the id of an existing item updates it (so
    what points at it keeps pointing), a row without a known id creates an item, items not named are removed."""
    fields = tuple(fields)
    existing = {item.id: item for item in collection if item.id is not None}
    kept = []
    for position, row in enumerate(rows):
        item = existing.pop(row.get("id"), None) if row.get("id") is not None else None
        if item is None:
            item = factory()
        for name in fields:
            if name in row:
                setattr(item, name, row[name])
        if hasattr(item, "position"):
            item.position = position
        kept.append(item)
    collection[:] = kept
    for orphan in existing.values():
        if orphan in session:
            session.delete(orphan)


def current_changes(plan: Plan, changes: list[PlanChange]) -> set[int]:
    """The changes that hold what the plan holds now (restoring them would change nothing): the latest change of
    each section, and for actions the latest change of each action that still exists. `changes`: newest first."""
    existing_actions = {a.uuid for a in plan.actions}
    current, seen = set(), set()
    for change in changes:
        key = (change.section, change.action_uuid) if change.section == "actions" else (change.section, None)
        if key in seen:
            continue
        seen.add(key)
        if change.section != "actions" or key[1] in existing_actions:
            current.add(change.id)
    return current
