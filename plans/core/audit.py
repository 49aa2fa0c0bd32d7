"""The audit log: who did what, on what, from where. Each operation of plans/ that the administration may need to
reconstruct (status moves, revisions, imports, accounts, tokens, groupings, lockouts) calls record() itself, in
the transaction of the change it describes, so the entry is kept exactly when the change is committed.
plans/reporting/journal.py reads it for the administrators' journal.

The log sits in core, below every area that writes it; it knows its author only as a row of app_user by id.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional, Protocol

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.core.db import Base, utcnow

if TYPE_CHECKING:  # the account model, for the type of the relationship only
    from plans.accounts.models import User


class Actor(Protocol):
    """Whoever acts: a user account (plans.accounts.models.User)."""
    id: int


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    user_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(60), index=True)  # e.g. "plan.transition", "user.create"
    target: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    details: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    ip: orm.Mapped[str] = orm.mapped_column(sa.String(45), default="")

    user: orm.Mapped[Optional[User]] = orm.relationship("User")


def record(session: Session, user: Optional[Actor], action: str, target: str = "", details: dict | None = None,
           ip: str = "") -> AuditEntry:
    """Adds an entry to the caller's transaction. `user` None: the command line or the system."""
    entry = AuditEntry(user_id=user.id if user is not None else None, action=action, target=target[:200],
                       details=details or {}, ip=(ip or "")[:45])
    session.add(entry)
    return entry


def recent(session: Session, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))
