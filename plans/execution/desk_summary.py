"""The execution's figures in each plan's summary (plans/planning/summary.py, the exec_* columns), for the national
desk: the national map, the dashboard and its exports, the totals by territory, the partner API's plan list.

Nothing is computed here: for each plan with at least one execution record, `contribute` calls
plans/execution/figures.py's `plan_execution` at the end of the latest year recorded (`figures.latest_year`:
money and progress cumulated through that year, docs/DOMAIN.md §15) and copies its rates and sums. A plan without
any record gets NULL everywhere (« — » on the desk, never 0 %).

The summary is recomputed by the desk's next reader after an execution save: plans/execution/service.py and
measures.py mark the plan (`summary.mark`) in the save's transaction. Registered by plans/execution/__init__.py.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.execution import figures
from plans.execution.models import ExecutionRecord

EMPTY: dict[str, Any] = {
    "exec_year": None, "exec_physical_rate": None, "exec_financial_rate": None, "exec_mobilised_rate": None,
    "exec_mobilised": None, "exec_paid": None, "exec_weighted_progress": None, "exec_diaspora_promised": None,
    "exec_diaspora_mobilised": None, "exec_diaspora_rate": None, "exec_by_sector": None}


def values(plan, records: list) -> dict[str, Any]:
    """The exec_* columns of one plan (loaded with plans.planning.finance.load_options) from its records."""
    year = figures.latest_year(records)
    if year is None:
        return dict(EMPTY)
    ex = figures.plan_execution(plan, records, year)
    return {
        "exec_year": year, "exec_physical_rate": ex.physical_rate, "exec_financial_rate": ex.financial_rate,
        "exec_mobilised_rate": ex.mobilised_rate, "exec_mobilised": ex.mobilised, "exec_paid": ex.paid,
        "exec_weighted_progress": ex.weighted_progress, "exec_diaspora_promised": ex.diaspora_promised,
        "exec_diaspora_mobilised": ex.diaspora_mobilised, "exec_diaspora_rate": ex.diaspora_mobilised_rate,
        "exec_by_sector": {g.key: [g.planned, g.mobilised, g.paid, g.weighted_progress] for g in ex.by_sector},
    }


def contribute(session: Session, plans: list) -> dict[int, dict[str, Any]]:
    """plans/planning/summary.py's contributor: every plan's exec_* values, the records read in one query."""
    if not plans:
        return {}
    by_plan: dict[int, list] = {}
    for record in session.scalars(
            sa.select(ExecutionRecord).where(ExecutionRecord.plan_id.in_([p.id for p in plans]))
            .options(orm.selectinload(ExecutionRecord.funding))
            .order_by(ExecutionRecord.action_id, ExecutionRecord.year)):
        by_plan.setdefault(record.plan_id, []).append(record)
    return {p.id: values(p, by_plan.get(p.id, [])) for p in plans}
