"""The review's conversation and checklist: comments anchored to the plan, a section or an action, and the
reviewer's checklist (items in plans/core/vocab.py REVIEW_CHECKLIST).

Reviewers who may read a plan comment on it and fill its checklist; the planners of its owner reply, and either
side resolves or reopens a comment. Comments never change the plan's content. An adopted plan is frozen: its
conversation and checklist are kept as they were and no longer change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import Role, User
from plans.core import limits
from plans.core.db import utcnow
from plans.core.errors import ValidationError
from plans.core.ids import canonical_uuid
from plans.core.vocab import REVIEW_CHECKLIST
from plans.planning.models import Plan, PlanStatus
from plans.planning.sections import SECTIONS, SECTIONS_BY_KEY
from plans.review.models import PlanComment, ReviewCheck

MAX_COMMENT = limits.COMMENT_CHARS
MAX_NOTE = limits.NOTE_CHARS
PLAN_ANCHOR = "plan"


# ----- Who may do what -----

def _is_reviewer_of(user: User, plan: Plan) -> bool:
    return user.role is Role.REVIEWER and access.can_read_owner(user, plan.owner)


def can_comment(user: User, plan: Plan) -> bool:
    return plan.status is not PlanStatus.ADOPTE and (
        _is_reviewer_of(user, plan) or access.can_edit_owner_plans(user, plan.owner))


def can_check(user: User, plan: Plan) -> bool:
    """The checklist is the reviewer's own."""
    return plan.status is not PlanStatus.ADOPTE and _is_reviewer_of(user, plan)


def _require(allowed: bool, plan: Plan, what: str) -> None:
    if allowed:
        return
    if plan.status is PlanStatus.ADOPTE:
        raise PermissionError("Ce plan est adopté : sa revue est close et ne change plus.")
    raise PermissionError(what)


# ----- Anchors -----

@dataclass(frozen=True)
class Anchor:
    """Where a comment points: the whole plan, a section (key) or an action (uuid)."""

    section: Optional[str] = None
    action_uuid: Optional[str] = None

    @property
    def value(self) -> str:
        """As a form sends it: "plan", "section:<key>" or "action:<uuid>"."""
        if self.action_uuid:
            return f"action:{self.action_uuid}"
        if self.section:
            return f"section:{self.section}"
        return PLAN_ANCHOR


def parse_anchor(plan: Plan, value: str | None) -> Anchor:
    """Reads "plan", "section:<key>" or "action:<uuid>"; the section must exist and the action be in this plan."""
    value = (value or "").strip()
    if value in ("", PLAN_ANCHOR):
        return Anchor()
    kind, _, key = value.partition(":")
    if kind == "section" and key in SECTIONS_BY_KEY:
        return Anchor(section=key)
    key = canonical_uuid(key) or key if kind == "action" else key  # "action:3F2A…" is the action "3f2a…"
    if kind == "action" and any(a.uuid == key for a in plan.actions):
        return Anchor(action_uuid=key)
    if kind == "action":
        raise ValidationError({"anchor": "Cette action n'existe pas (ou plus) dans ce plan."})
    raise ValidationError({"anchor": "Choisissez ce que vous commentez : le plan, une section ou une action."})


def anchor_choices(plan: Plan) -> list[tuple[str, str]]:
    """(value, French label) of everything a comment may point at, in the plan's order."""
    choices = [(PLAN_ANCHOR, "Le plan dans son ensemble")]
    choices += [(f"section:{s.key}", f"Section {s.number}. {s.title}") for s in SECTIONS]
    choices += [(f"action:{a.uuid}", f"Action {i}. {a.title}") for i, a in enumerate(plan.actions, start=1)]
    return choices


# ----- Comments -----

def _clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Écrivez le commentaire."})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": f"Un commentaire ne doit pas dépasser {MAX_COMMENT} caractères."})
    return body


def add_comment(session: Session, plan: Plan, user: User, body: str, anchor: Anchor | str | None = None) -> PlanComment:
    _require(can_comment(user, plan), plan,
             "Seuls les relecteurs de ce plan et les planificateurs de la collectivité peuvent le commenter.")
    if not isinstance(anchor, Anchor):
        anchor = parse_anchor(plan, anchor)
    comment = PlanComment(plan_id=plan.id, section=anchor.section, action_uuid=anchor.action_uuid,
                          body=_clean_body(body), author=user, created_at=utcnow())
    session.add(comment)
    session.flush()
    return comment


def get_comment(session: Session, plan: Plan, comment_id: int) -> Optional[PlanComment]:
    comment = session.get(PlanComment, comment_id)
    return comment if comment is not None and comment.plan_id == plan.id else None


def resolve(session: Session, plan: Plan, comment: PlanComment, user: User) -> bool:
    """Marks the comment resolved; False if it already was (a second click changes nothing)."""
    _require(can_comment(user, plan), plan, "Vous ne pouvez pas résoudre les commentaires de ce plan.")
    if comment.resolved_at is not None:
        return False
    comment.resolved_at, comment.resolved_by = utcnow(), user
    session.flush()
    return True


def reopen(session: Session, plan: Plan, comment: PlanComment, user: User) -> bool:
    _require(can_comment(user, plan), plan, "Vous ne pouvez pas rouvrir les commentaires de ce plan.")
    if comment.resolved_at is None:
        return False
    comment.resolved_at, comment.resolved_by = None, None
    session.flush()
    return True


def comments(session: Session, plan: Plan, anchor: Anchor | None = None) -> list[PlanComment]:
    """The plan's comments, oldest first; only those anchored exactly at `anchor` when given."""
    query = sa.select(PlanComment).where(PlanComment.plan_id == plan.id)
    if anchor is not None:
        query = query.where(PlanComment.section.is_(None) if anchor.section is None
                            else PlanComment.section == anchor.section)
        query = query.where(PlanComment.action_uuid.is_(None) if anchor.action_uuid is None
                            else PlanComment.action_uuid == anchor.action_uuid)
    return list(session.scalars(query.order_by(PlanComment.created_at, PlanComment.id)))


@dataclass
class CommentGroup:
    anchor: Anchor
    label: str
    comments: list[PlanComment] = field(default_factory=list)

    @property
    def unresolved(self) -> int:
        return sum(1 for c in self.comments if not c.resolved)


def grouped_comments(session: Session, plan: Plan) -> list[CommentGroup]:
    """The comments by what they point at, in the plan's order (plan, sections, actions); anchors without a
    comment are left out, and comments on a since-deleted action come last."""
    labels = dict(anchor_choices(plan))
    groups: dict[str, CommentGroup] = {}
    for comment in comments(session, plan):
        anchor = Anchor(comment.section, comment.action_uuid)
        label = labels.get(anchor.value, "Action supprimée depuis")
        groups.setdefault(anchor.value, CommentGroup(anchor, label)).comments.append(comment)
    order = {value: i for i, (value, _) in enumerate(anchor_choices(plan))}
    return sorted(groups.values(), key=lambda g: order.get(g.anchor.value, len(order)))


def unresolved_count(session: Session, plan: Plan) -> int:
    return unresolved_counts(session, [plan.id]).get(plan.id, 0)


def unresolved_counts(session: Session, plan_ids: Iterable[int]) -> dict[int, int]:
    """plan id → number of unresolved comments, in one query (for lists of plans); plans without any are absent."""
    ids = list(plan_ids)
    if not ids:
        return {}
    rows = session.execute(sa.select(PlanComment.plan_id, sa.func.count()).where(
        PlanComment.plan_id.in_(ids), PlanComment.resolved_at.is_(None)).group_by(PlanComment.plan_id))
    return {plan_id: count for plan_id, count in rows}


# ----- Checklist -----

@dataclass
class ChecklistItem:
    key: str
    label: str
    checked: bool = False
    note: str = ""
    user: Optional[User] = None
    at: Optional[datetime] = None


def checklist(session: Session, plan: Plan) -> list[ChecklistItem]:
    """Every item of REVIEW_CHECKLIST for this plan, in order, with its state (unchecked when never set)."""
    stored = {row.key: row for row in session.scalars(sa.select(ReviewCheck).where(ReviewCheck.plan_id == plan.id))}
    items = []
    for key, label in REVIEW_CHECKLIST.items():
        row = stored.get(key)
        items.append(ChecklistItem(key, label) if row is None
                     else ChecklistItem(key, label, row.checked, row.note, row.user, row.at))
    return items


def set_check(session: Session, plan: Plan, user: User, key: str, checked: bool, note: str = "") -> bool:
    """Sets one item (checked or not, with a note). Returns False when nothing changed, so who and when stay
    those of the last real change."""
    _require(can_check(user, plan), plan, "Seuls les relecteurs de ce plan remplissent sa grille de contrôle.")
    if key not in REVIEW_CHECKLIST:
        raise ValidationError({key or "key": "Point de contrôle inconnu."})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({key: f"La note ne doit pas dépasser {MAX_NOTE} caractères."})
    row = session.get(ReviewCheck, (plan.id, key))
    if row is None:
        if not checked and not note:
            return False
        row = ReviewCheck(plan_id=plan.id, key=key)
        session.add(row)
    elif row.checked == bool(checked) and row.note == note:
        return False
    row.checked, row.note, row.user, row.at = bool(checked), note, user, utcnow()
    session.flush()
    return True
