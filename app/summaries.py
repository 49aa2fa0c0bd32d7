"""The plan summaries brought up to date before a desk page reads them.

A save only counts its change (plans/planning/summary.py); the pages that read the summaries — the national map,
the dashboard and its exports, the reviewer's work queue, the totals by territory — call `ensure_summaries()`
first: it recomputes the plans changed since their summary was computed, and those a database upgraded without
`flask setup` lacks (one cheap query when nothing is behind), and commits.
Two readers refreshing the same plan at once: the second one's insert fails on the primary key (a missing row), or
the server ends one of them on a lock it would wait for forever (PostgreSQL's deadlock detection); it rolls back
and reads what is stored. The row stays behind until a refresh commits, so the next reader tries again.
The exports' stored parts and workbooks (plans/reporting/export_parts.py), written by a download, are committed the
same way by `commit_kept_work`: a write that fails leaves them to the next download, the file is served all the same.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from plans.planning import summary


def ensure_summaries() -> None:
    try:
        if summary.refresh_stale(db.session):
            db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()


def commit_kept_work() -> None:
    try:
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()
