"""The review of a plan: its status transitions, the reviewers' comments and checklist, and the frozen
snapshots (plan documents) taken at each transition, between which a diff is shown.

The rules (who may move a plan from which status to which) live in plans/review/workflow.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from plans.accounts.models import User
from plans.core.db import Base, utcnow
from plans.core.ids import canonical_uuid
from plans.planning.models import uuid_lower_case


class PlanTransition(Base):
    """One status change: who, when, from what to what, and why (the reviewer's reason for a send-back)."""

    __tablename__ = "plan_transition"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    from_status: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    to_status: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    user_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    snapshot_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("plan_snapshot.id"))

    user: orm.Mapped[Optional[User]] = orm.relationship()
    snapshot: orm.Mapped[Optional["PlanSnapshot"]] = orm.relationship()


class PlanSnapshot(Base):
    """The whole plan as a plan document (plans/review/planfile.py) at a moment worth keeping: a submission, a
    validation, an adoption, an import. Diffs compare two snapshots, or a snapshot with the plan as it is."""

    __tablename__ = "plan_snapshot"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    # status reached ("soumis", "valide", "adopte") or "import"
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    label: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    user_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))
    document: orm.Mapped[dict] = orm.mapped_column(sa.JSON)

    user: orm.Mapped[Optional[User]] = orm.relationship()


class PlanComment(Base):
    """A reviewer's (or planner's) comment on the plan, a section, or one action (by its uuid, which survives
    revisions). A reply names the comment that opened its thread (`parent_id`) and shares its anchor; a thread is
    resolved or reopened as a whole, through its first comment (plans/review/comments.py)."""

    __tablename__ = "plan_comment"
    __table_args__ = (uuid_lower_case("action_uuid"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    section: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(30))
    action_uuid: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(36))
    parent_id: orm.Mapped[Optional[int]] = orm.mapped_column(
        sa.ForeignKey("plan_comment.id", ondelete="CASCADE"), index=True)
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    author_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    resolved_at: orm.Mapped[Optional[datetime]]
    resolved_by_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))

    author: orm.Mapped[Optional[User]] = orm.relationship(foreign_keys=[author_id])
    resolved_by: orm.Mapped[Optional[User]] = orm.relationship(foreign_keys=[resolved_by_id])

    @orm.validates("action_uuid")
    def _canonical_uuid(self, _key, value):
        return canonical_uuid(value) or value if value is not None else None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class ReviewCheck(Base):
    """One item of a plan's reviewer checklist (the items are listed in plans/core/vocab.py)."""

    __tablename__ = "review_check"

    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    key: orm.Mapped[str] = orm.mapped_column(sa.String(40), primary_key=True)
    checked: orm.Mapped[bool] = orm.mapped_column(default=False)
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    user_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))
    at: orm.Mapped[Optional[datetime]]

    user: orm.Mapped[Optional[User]] = orm.relationship()
