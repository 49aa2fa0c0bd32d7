"""The execution of a validated or adopted plan, kept apart from its frozen content (docs/DOMAIN.md §15).

- `ExecutionRecord`: one action in one year — status, physical progress at the end of the year, dates, contractor,
  observations, the work's functioning state once realised — with its own `version` (optimistic locking: a form
  carries it, a stale form is a ConflictError, plans/execution/service.py).
- `ExecutionFunding`: one funding line of the plan in that record's year — the FCFA mobilised (received) that year
  and the FCFA paid out that year. Flows, not stocks: what was mobilised or paid by the end of a year is the sum of
  the records of that year and the years before (plans/execution/figures.py).
- `ExecutionChange`: one save of a record (who, when, what, the record as saved), for its history and its restore.
- `IndicatorMeasure`: the value of one monitoring indicator in one year, with its source and date (§10).

Money is an integer number of FCFA; progress a whole percentage 0–100.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from plans.accounts.models import User
from plans.core.db import Base, utcnow
from plans.planning.models import FCFA, Action, FundingLine, Indicator


class ExecutionRecord(Base):
    __tablename__ = "execution_record"
    __table_args__ = (sa.UniqueConstraint("action_id", "year", name="uq_execution_record_action_id_year"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    action_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), index=True)
    year: orm.Mapped[int]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="prevu")
    progress: orm.Mapped[int] = orm.mapped_column(default=0)  # physical progress at the end of the year, %
    start_date: orm.Mapped[Optional[date]]
    end_date: orm.Mapped[Optional[date]]
    contractor: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    observations: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    functioning: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(20))  # CODEV_STATES, once realised
    version: orm.Mapped[int] = orm.mapped_column(default=0)
    saved_at: orm.Mapped[Optional[datetime]]
    saved_by_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))

    action: orm.Mapped[Action] = orm.relationship()
    saved_by: orm.Mapped[Optional[User]] = orm.relationship()
    funding: orm.Mapped[list["ExecutionFunding"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="ExecutionFunding.funding_line_id", back_populates="record")


class ExecutionFunding(Base):
    __tablename__ = "execution_funding"
    __table_args__ = (sa.UniqueConstraint("record_id", "funding_line_id",
                                          name="uq_execution_funding_record_id_funding_line_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    record_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("execution_record.id", ondelete="CASCADE"),
                                                   index=True)
    funding_line_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("funding_line.id", ondelete="CASCADE"),
                                                         index=True)
    mobilised: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)  # received in the record's year
    paid: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)  # paid out in the record's year

    record: orm.Mapped[ExecutionRecord] = orm.relationship(back_populates="funding")
    funding_line: orm.Mapped[FundingLine] = orm.relationship()


class ExecutionChange(Base):
    """One save of an execution record: its history, and what a restore writes back (while `restorable`)."""

    __tablename__ = "execution_change"
    __table_args__ = (sa.Index("ix_execution_change_history_key", "plan_id", "action_uuid", "year"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    action_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    year: orm.Mapped[int]
    user_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    summary: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    snapshot: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    restorable: orm.Mapped[bool] = orm.mapped_column(default=True)

    user: orm.Mapped[Optional[User]] = orm.relationship()


class IndicatorMeasure(Base):
    """An indicator's measured value in one year (and, where the indicator is disaggregated, by group)."""

    __tablename__ = "indicator_measure"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "year", name="uq_indicator_measure_indicator_id_year"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    indicator_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("indicator.id", ondelete="CASCADE"),
                                                      index=True)
    year: orm.Mapped[int]
    value: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(18, 2))
    breakdown: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)  # group key → value (str decimal)
    source: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    measured_on: orm.Mapped[Optional[date]]
    version: orm.Mapped[int] = orm.mapped_column(default=0)
    saved_at: orm.Mapped[Optional[datetime]]
    saved_by_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))

    indicator: orm.Mapped[Indicator] = orm.relationship()
