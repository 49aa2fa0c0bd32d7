"""Demo data for a new laptop install (`make run`): accounts now, plans once the plan builder exists."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts import User


def seed_if_new(session: Session) -> list[tuple[str, str, str]]:
    """On a database with no account, creates the demo accounts; returns (email, password, role) to print."""
    if session.scalar(sa.select(sa.func.count()).select_from(User)):
        return []
    from plans import accounts_service

    return accounts_service.create_demo_accounts(session)
