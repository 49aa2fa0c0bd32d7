"""User accounts and roles, their logins (server-side sessions), API tokens and login attempts. Password hashing
is werkzeug's scrypt (a dependency of Flask, not of the web layer)."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from plans.core.db import Base, utcnow
from plans.owners.models import PlanOwner
from plans.territory.models import AdminUnit


class Role(str, enum.Enum):
    PLANNER = "planner"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"planner": "Planificateur (collectivité)", "reviewer": "Relecteur (DGCT)",
                "admin": "Administrateur"}[self.value]


user_owner = sa.Table(
    "user_owner",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("owner_id", sa.ForeignKey("plan_owner.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(Base):
    __tablename__ = "app_user"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    email: orm.Mapped[str] = orm.mapped_column(sa.String(254), unique=True)
    full_name: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    password_hash: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    role: orm.Mapped[Role] = orm.mapped_column(
        sa.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    # A reviewer may be limited to one région; None means the whole country.
    region_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("admin_unit.id"))
    active: orm.Mapped[bool] = orm.mapped_column(default=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_login_at: orm.Mapped[Optional[datetime]]

    region: orm.Mapped[Optional[AdminUnit]] = orm.relationship()
    owners: orm.Mapped[list[PlanOwner]] = orm.relationship(secondary=user_owner, order_by=PlanOwner.name)

    # The four members Flask-Login expects, written out so that plans/ needs no flask_login.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    # The token of the login this object was loaded for (plans.accounts.service.open_login /
    # user_by_login_token): what Flask-Login keeps in the signed cookie. Not a column.
    login_token = None  # Optional[str]; a plain attribute (unannotated, so the ORM leaves it alone)

    def get_id(self) -> str:
        if not self.login_token:
            raise RuntimeError("no login session: open one with plans.accounts.service.open_login")
        return self.login_token

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


# One login of an account: the session cookie carries only its token, so the server ends it — at logout, on a
# password change or reset, on deactivation — and a copied cookie stops working at once.
class LoginSession(Base):
    __tablename__ = "login_session"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    token: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True, default=new_session_token)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    started_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    ended_at: orm.Mapped[Optional[datetime]]

    user: orm.Mapped[User] = orm.relationship()


# Tokens of the read-only partner API: only the token's SHA-256 is stored; the token itself is shown once.
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


# The login attempts that login throttling counts (kept in the database so every gunicorn worker sees them).
class LoginAttempt(Base):
    __tablename__ = "login_attempt"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    email: orm.Mapped[str] = orm.mapped_column(sa.String(254), index=True)
    ip: orm.Mapped[str] = orm.mapped_column(sa.String(45), index=True)
    # None while the password is being checked: a pending attempt counts as a failure, so that parallel guesses
    # cannot all pass the count before any is recorded (plans/accounts/throttle.py).
    success: orm.Mapped[Optional[bool]] = orm.mapped_column(default=False)
