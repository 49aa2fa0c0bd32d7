"""Login throttling: after too many failed logins on one account or from one client address, further attempts are
refused for a while without the password being checked.

The attempts are rows of `login_attempt` (plans/accounts/models.py), so every gunicorn worker counts the same failures.
The count is atomic: an attempt is first recorded as pending (`begin_attempt`, committed at once), and only then are
the other attempts counted (`refusal(..., exclude=attempt.id)`), a pending one counting as a failure. Of parallel
guesses, the k-th to be committed sees at least k - 1 others, so no more than the limit are ever checked, on SQLite
and on PostgreSQL alike. A refused attempt is then withdrawn (`withdraw`): the block ends at a fixed time instead of
being prolonged by whoever keeps trying. A successful login clears the failures of its account; attempts older than
the window are deleted as new ones come. The password change checks the current password the same way
(app/auth/routes.py), so it is no oracle either.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts.models import LoginAttempt
from plans.accounts.service import normalise_email
from plans.core import audit
from plans.core.db import utcnow

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused now, and for how long (whole seconds, at least 1)."""

    retry_after: int
    scope: str  # "account" or "address"

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self) -> str:
        unit = "minute" if self.minutes == 1 else "minutes"
        return f"Trop de tentatives de connexion. Réessayez dans {self.minutes} {unit}."


def _failure_times(session: Session, column, value: str, since: datetime, exclude: Optional[int]) -> list[datetime]:
    """Failed and pending attempts in the window (a pending one is being checked: it counts until it succeeds)."""
    query = (sa.select(LoginAttempt.at)
             .where(column == value, LoginAttempt.at > since, sa.or_(LoginAttempt.success.is_(False),
                                                                     LoginAttempt.success.is_(None))))
    if exclude is not None:
        query = query.where(LoginAttempt.id != exclude)
    return list(session.scalars(query.order_by(LoginAttempt.at)))


def _blocked_for(times: list[datetime], limit: int, now: datetime) -> Optional[int]:
    """Seconds until fewer than `limit` of these failures remain in the window, or None when not blocked."""
    if len(times) < limit:
        return None
    # Blocked until the oldest failure whose expiry brings the count under the limit leaves the window.
    releasing = times[len(times) - limit]
    return max(1, math.ceil((releasing + WINDOW - now).total_seconds()))


def refusal(session: Session, email: str, ip: str, now: Optional[datetime] = None, *,
            exclude: Optional[int] = None) -> Optional[Refusal]:
    """The refusal that applies to a login attempt now, or None when the password may be checked. `exclude`: the
    attempt being decided, recorded by begin_attempt (the others are counted)."""
    now = now or utcnow()
    since = now - WINDOW
    found = []
    account = _blocked_for(_failure_times(session, LoginAttempt.email, normalise_email(email), since, exclude),
                           MAX_FAILURES_PER_ACCOUNT, now)
    if account is not None:
        found.append(Refusal(account, "account"))
    if ip:
        address = _blocked_for(_failure_times(session, LoginAttempt.ip, ip, since, exclude),
                               MAX_FAILURES_PER_ADDRESS, now)
        if address is not None:
            found.append(Refusal(address, "address"))
    return max(found, key=lambda r: r.retry_after) if found else None


def purge(session: Session, now: Optional[datetime] = None) -> None:
    """Deletes the attempts that no longer count."""
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at <= (now or utcnow()) - WINDOW))


def begin_attempt(session: Session, email: str, ip: str, now: Optional[datetime] = None) -> int:
    """Records an attempt as pending, before anything is counted or checked, and returns its id; the caller commits
    at once, so that a parallel attempt counts it. The id, not the row: a parallel successful login of the same
    account deletes the account's attempts, this one included (`record_success`)."""
    now = now or utcnow()
    purge(session, now)
    attempt = LoginAttempt(at=now, email=normalise_email(email)[:254], ip=(ip or "")[:45], success=None)
    session.add(attempt)
    session.flush()
    return attempt.id


def withdraw(session: Session, attempt_id: int) -> None:
    """A refused attempt is not kept: it was never checked, and must not prolong the block."""
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.id == attempt_id))


def record_failure(session: Session, email: str, ip: str, now: Optional[datetime] = None, *,
                   attempt_id: Optional[int] = None) -> Optional[Refusal]:
    """Records a wrong password (or unknown address) — the pending attempt `attempt_id` when given and still
    there, else a new row; returns the refusal it starts, if it is the one too many."""
    now = now or utcnow()
    marked = attempt_id is not None and session.execute(
        sa.update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(success=False)).rowcount == 1
    if not marked:
        purge(session, now)
        session.add(LoginAttempt(at=now, email=normalise_email(email)[:254], ip=(ip or "")[:45], success=False))
    session.flush()
    started = refusal(session, email, ip, now)
    if started is not None:
        audit.record(session, None, "auth.lockout", email, {"scope": started.scope, "minutes": started.minutes}, ip)
    return started


def record_success(session: Session, email: str, now: Optional[datetime] = None) -> None:
    """A successful login: the account's failures no longer count."""
    purge(session, now)
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == normalise_email(email)))
