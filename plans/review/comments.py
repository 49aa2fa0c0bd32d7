"""The review's conversation and checklist: comments anchored to the plan, a section or an action, and the
reviewer's checklist (items in plans/core/vocab.py REVIEW_CHECKLIST).

Reviewers who may read a plan comment on it and fill its checklist; the planners of its owner reply, and either
side resolves or reopens a comment. A comment opens a thread; a reply belongs to it (`PlanComment.parent_id`, the
thread's first comment, whose anchor it shares). A thread is resolved or reopened as a whole (its state is kept on
its first comment), and every count of unresolved comments counts open threads (`OPEN_THREAD`: the work queue and
the dashboard read it too). Comments never change the plan's content. An adopted plan is frozen: its
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
NO_PARENT = "Le commentaire auquel vous répondez n'existe pas (ou plus) dans ce plan."


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


# An open thread: a first comment (not a reply) not resolved. Every count of unresolved comments uses it.
OPEN_THREAD = sa.and_(PlanComment.parent_id.is_(None), PlanComment.resolved_at.is_(None))


def parse_parent(session: Session, plan: Plan, value) -> Optional[PlanComment]:
    """The comment a reply answers, as a form sends its id ("" or None: not a reply); refused when it is not a
    comment of this plan."""
    value = str(value if value is not None else "").strip()
    if not value:
        return None
    parent = get_comment(session, plan, int(value)) if value.isdecimal() and len(value) <= 12 else None
    if parent is None:
        raise ValidationError({"parent": NO_PARENT})
    return parent


def add_comment(session: Session, plan: Plan, user: User, body: str, anchor: Anchor | str | None = None, *,
                reply_to: PlanComment | None = None) -> PlanComment:
    """A new thread at `anchor`, or, with `reply_to`, a reply in that comment's thread (at the thread's anchor,
    whatever `anchor` says). A reply leaves the thread's state as it is."""
    _require(can_comment(user, plan), plan,
             "Seuls les relecteurs de ce plan et les planificateurs de la collectivité peuvent le commenter.")
    body = _clean_body(body)
    if reply_to is not None:
        if reply_to.plan_id != plan.id:
            raise ValidationError({"parent": NO_PARENT})
        root = thread_root(session, reply_to)
        comment = PlanComment(plan_id=plan.id, section=root.section, action_uuid=root.action_uuid,
                              parent_id=root.id, body=body, author=user, created_at=utcnow())
    else:
        if not isinstance(anchor, Anchor):
            anchor = parse_anchor(plan, anchor)
        comment = PlanComment(plan_id=plan.id, section=anchor.section, action_uuid=anchor.action_uuid,
                              body=body, author=user, created_at=utcnow())
    session.add(comment)
    session.flush()
    return comment


def get_comment(session: Session, plan: Plan, comment_id: int) -> Optional[PlanComment]:
    comment = session.get(PlanComment, comment_id)
    return comment if comment is not None and comment.plan_id == plan.id else None


def thread_root(session: Session, comment: PlanComment) -> PlanComment:
    """The first comment of the thread `comment` belongs to (itself when it opened it)."""
    return comment if comment.parent_id is None else session.get(PlanComment, comment.parent_id)


def resolve(session: Session, plan: Plan, comment: PlanComment, user: User) -> bool:
    """Marks the comment's whole thread resolved; False if it already was (a second click changes nothing)."""
    _require(can_comment(user, plan), plan, "Vous ne pouvez pas résoudre les commentaires de ce plan.")
    root = thread_root(session, comment)
    if root.resolved_at is not None:
        return False
    root.resolved_at, root.resolved_by = utcnow(), user
    session.flush()
    return True


def reopen(session: Session, plan: Plan, comment: PlanComment, user: User) -> bool:
    """Reopens the comment's whole thread; False if it was open."""
    _require(can_comment(user, plan), plan, "Vous ne pouvez pas rouvrir les commentaires de ce plan.")
    root = thread_root(session, comment)
    if root.resolved_at is None:
        return False
    root.resolved_at, root.resolved_by = None, None
    session.flush()
    return True


def comments(session: Session, plan: Plan, anchor: Anchor | None = None) -> list[PlanComment]:
    """The plan's comments (first comments and replies), oldest first; only those anchored exactly at `anchor`
    when given."""
    query = sa.select(PlanComment).where(PlanComment.plan_id == plan.id)
    if anchor is not None:
        query = query.where(PlanComment.section.is_(None) if anchor.section is None
                            else PlanComment.section == anchor.section)
        query = query.where(PlanComment.action_uuid.is_(None) if anchor.action_uuid is None
                            else PlanComment.action_uuid == anchor.action_uuid)
    return list(session.scalars(query.order_by(PlanComment.created_at, PlanComment.id)))


@dataclass
class Thread:
    """A first comment and its replies, oldest first. Its state is the first comment's."""

    root: PlanComment
    replies: list[PlanComment] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        return self.root.resolved

    @property
    def comments(self) -> list[PlanComment]:
        return [self.root, *self.replies]


def threads(session: Session, plan: Plan, anchor: Anchor | None = None) -> list[Thread]:
    """The plan's threads, oldest first (only those at `anchor` when given), each with its replies."""
    found: dict[int, Thread] = {}
    for comment in comments(session, plan, anchor):
        if comment.parent_id is None:
            found[comment.id] = Thread(comment)
        elif comment.parent_id in found:
            found[comment.parent_id].replies.append(comment)
    return list(found.values())


@dataclass
class CommentGroup:
    anchor: Anchor
    label: str
    threads: list[Thread] = field(default_factory=list)

    @property
    def comments(self) -> list[PlanComment]:
        """Every comment of the group, thread by thread."""
        return [c for t in self.threads for c in t.comments]

    @property
    def unresolved(self) -> int:
        """Open threads (a thread counts once, whatever its replies)."""
        return sum(1 for t in self.threads if not t.resolved)


def grouped_comments(session: Session, plan: Plan) -> list[CommentGroup]:
    """The threads by what they point at, in the plan's order (plan, sections, actions); anchors without a
    comment are left out, and comments on a since-deleted action come last."""
    labels = dict(anchor_choices(plan))
    groups: dict[str, CommentGroup] = {}
    for thread in threads(session, plan):
        anchor = Anchor(thread.root.section, thread.root.action_uuid)
        label = labels.get(anchor.value, "Action supprimée depuis")
        groups.setdefault(anchor.value, CommentGroup(anchor, label)).threads.append(thread)
    order = {value: i for i, (value, _) in enumerate(anchor_choices(plan))}
    return sorted(groups.values(), key=lambda g: order.get(g.anchor.value, len(order)))


def unresolved_count(session: Session, plan: Plan) -> int:
    """The plan's open threads."""
    return unresolved_counts(session, [plan.id]).get(plan.id, 0)


def unresolved_counts(session: Session, plan_ids: Iterable[int]) -> dict[int, int]:
    """plan id → number of open threads, in one query (for lists of plans); plans without any are absent."""
    ids = list(plan_ids)
    if not ids:
        return {}
    rows = session.execute(sa.select(PlanComment.plan_id, sa.func.count()).where(
        PlanComment.plan_id.in_(ids), OPEN_THREAD).group_by(PlanComment.plan_id))
    return {plan_id: count for plan_id, count in rows}


def commented_actions(session: Session, plan: Plan) -> dict[str, tuple[int, int]]:
    """action uuid → (threads, open threads) for the plan's actions that carry a comment (the PIP list's marks)."""
    rows = session.execute(
        sa.select(PlanComment.action_uuid, sa.func.count(),
                  sa.func.sum(sa.case((PlanComment.resolved_at.is_(None), 1), else_=0)))
        .where(PlanComment.plan_id == plan.id, PlanComment.action_uuid.is_not(None), PlanComment.parent_id.is_(None))
        .group_by(PlanComment.action_uuid))
    return {uuid: (int(total), int(open_ or 0)) for uuid, total, open_ in rows}


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


# ----- What is still open when a reviewer validates -----

def open_points(session: Session, plan: Plan) -> list[str]:
    """In French, one line each: the checklist items not ticked, then the open threads (their anchor and first
    words). A validation with any of them needs the reviewer's confirmation (plans/review/workflow.py)."""
    lines = [f"Point de contrôle non coché : {item.label}" for item in checklist(session, plan) if not item.checked]
    labels = dict(anchor_choices(plan))
    for thread in threads(session, plan):
        if thread.resolved:
            continue
        body = " ".join(thread.root.body.split())
        body = body if len(body) <= 80 else body[:79] + "…"
        where = labels.get(Anchor(thread.root.section, thread.root.action_uuid).value, "Action supprimée depuis")
        lines.append(f"Commentaire non résolu ({where}) : « {body} »")
    return lines
