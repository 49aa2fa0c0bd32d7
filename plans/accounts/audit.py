"""Writing and reading the audit log. Every admin action and every plan status change calls record()."""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts.models import User
from plans.accounts.models import AuditEntry


def record(session: Session, user: Optional[User], action: str, target: str = "", details: dict | None = None,
           ip: str = "") -> AuditEntry:
    """Adds an entry to the caller's transaction (so it is kept exactly when the change it describes is)."""
    entry = AuditEntry(user_id=user.id if user is not None else None, action=action, target=target[:200],
                       details=details or {}, ip=(ip or "")[:45])
    session.add(entry)
    return entry


def recent(session: Session, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))
