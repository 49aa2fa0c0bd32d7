"""What the administration may need to reconstruct: the audit log of admin actions and status changes, and
the login attempts that login throttling counts (kept in the database so every gunicorn worker sees them)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from plans.accounts import User
from plans.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    user_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(60), index=True)  # e.g. "plan.transition", "user.create"
    target: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    details: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    ip: orm.Mapped[str] = orm.mapped_column(sa.String(45), default="")

    user: orm.Mapped[Optional[User]] = orm.relationship()


class LoginAttempt(Base):
    __tablename__ = "login_attempt"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    email: orm.Mapped[str] = orm.mapped_column(sa.String(254), index=True)
    ip: orm.Mapped[str] = orm.mapped_column(sa.String(45), index=True)
    success: orm.Mapped[bool] = orm.mapped_column(default=False)
