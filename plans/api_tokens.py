"""Tokens for the read-only partner API. A token acts for one user account (so it reads exactly what that
account may read); only its SHA-256 is stored, the token itself is shown once at creation."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from plans.accounts import User
from plans.db import Base, utcnow


class ApiToken(Base):
    __tablename__ = "api_token"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_used_at: orm.Mapped[Optional[datetime]]
    revoked_at: orm.Mapped[Optional[datetime]]

    user: orm.Mapped[User] = orm.relationship()
