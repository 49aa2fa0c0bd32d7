"""The plan summaries on a database upgraded without `flask setup`: the pages that read them fill what is missing.

plans/planning/summary.py keeps each plan's summary up to date in the transaction of every save; `flask setup`
(run by `make run`) and `flask plans refresh-summaries` compute the missing ones. A deployment that only ran
`flask db upgrade` would still show plans without figures: the desk's pages call `ensure_summaries()` first (one
cheap query when nothing is missing). Two workers filling the same plan at once: the second one's insert fails on
the primary key, it rolls back and reads the first one's rows.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from plans.planning import summary


def ensure_summaries() -> None:
    try:
        if summary.fill_missing(db.session):
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
