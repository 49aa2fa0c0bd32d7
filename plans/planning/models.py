"""The plan (PDESC/PDSEC integrating migration) and everything it holds, section by section.

Money is an integer number of FCFA (BigInteger); years are integers; points are WGS 84.
A section is saved as a whole (plans/planning/sections.py): its rows are matched by id, so rows that others point at
(objectives, findings, associations) keep their identity. Actions are edited one by one and carry their own
version for optimistic locking.
"""
from __future__ import annotations

import enum
import uuid as uuid_module
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from plans.accounts.models import User
from plans.core.db import Base, utcnow
from plans.core.ids import canonical_uuid
from plans.owners.models import PlanOwner

FCFA = sa.BigInteger


def new_uuid() -> str:
    return str(uuid_module.uuid4())


# A UUID is kept in its canonical form (plans/core/ids.py): whatever sets one (an import, a revision, a test) gets it
# lower-cased and hyphenated by the models' validators. PostgreSQL also refuses an upper-case one (CHECK,
# migrations/versions/0007); SQLite cannot add a CHECK without rebuilding the table, and rebuilding a table that
# others cascade from would delete their rows (the DROP of the old table runs their ON DELETE CASCADE).
def uuid_lower_case(column: str = "uuid") -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} = lower({column})", name=f"{column}_lower_case").ddl_if(
        dialect="postgresql")


def canonical_or_as_is(value):
    return canonical_uuid(value) or value


class PlanStatus(str, enum.Enum):
    BROUILLON = "brouillon"
    SOUMIS = "soumis"
    EN_REVUE = "en_revue"
    A_REVISER = "a_reviser"
    VALIDE = "valide"
    ADOPTE = "adopte"

    @property
    def label(self) -> str:
        return {"brouillon": "Brouillon", "soumis": "Soumis", "en_revue": "En revue", "a_reviser": "À réviser",
                "valide": "Validé", "adopte": "Adopté"}[self.value]


# Content can change only in a draft or a plan sent back for revision (plans/review/workflow.py's moves; read here
# so that an area below review, plans/execution/nextplan.py, asks the same question).
EDITABLE_STATUSES = frozenset({PlanStatus.BROUILLON, PlanStatus.A_REVISER})


def _enum(cls):
    return sa.Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Plan(Base):
    __tablename__ = "plan"
    __table_args__ = (sa.UniqueConstraint("uuid", "revision", name="uq_plan_uuid_revision"), uuid_lower_case())

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), default=new_uuid, index=True)
    revision: orm.Mapped[int] = orm.mapped_column(default=1)  # a revision of an adopted plan keeps the uuid
    owner_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan_owner.id"), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    period_start: orm.Mapped[int]
    period_end: orm.Mapped[int]
    guide_version: orm.Mapped[str] = orm.mapped_column(sa.String(10), default="2018")
    status: orm.Mapped[PlanStatus] = orm.mapped_column(_enum(PlanStatus), default=PlanStatus.BROUILLON)
    facilitators: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    process_funders: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    summary: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # résumé / contexte
    # « Bilan du plan précédent »: pre-filled from the last plan's execution (plans/execution/nextplan.py), editable
    previous_review: orm.Mapped[str] = orm.mapped_column(sa.Text, default="", server_default="")
    # Adoption
    deliberation_number: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(100))
    deliberation_date: orm.Mapped[Optional[date]]
    council_session: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(200))
    transmission_date: orm.Mapped[Optional[date]]
    transmission_authority: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(200))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    created_by_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))

    owner: orm.Mapped[PlanOwner] = orm.relationship()
    created_by: orm.Mapped[Optional[User]] = orm.relationship()
    section_states: orm.Mapped[list["SectionState"]] = orm.relationship(cascade="all, delete-orphan")
    process_steps: orm.Mapped[list["ProcessStep"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="ProcessStep.position")
    population_records: orm.Mapped[list["PopulationRecord"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="PopulationRecord.year")
    sector_diagnostics: orm.Mapped[list["SectorDiagnostic"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="SectorDiagnostic.position")
    findings: orm.Mapped[list["Finding"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="Finding.position")
    migration_profile: orm.Mapped[Optional["MigrationProfile"]] = orm.relationship(
        cascade="all, delete-orphan", uselist=False)
    destinations: orm.Mapped[list["DestinationStock"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="DestinationStock.position")
    codev_projects: orm.Mapped[list["CodevProject"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="CodevProject.position")
    axes: orm.Mapped[list["Axis"]] = orm.relationship(cascade="all, delete-orphan", order_by="Axis.position")
    criteria: orm.Mapped[list["ScoringCriterion"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="ScoringCriterion.position")
    priorities: orm.Mapped[list["Priority"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="Priority.position")
    actions: orm.Mapped[list["Action"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="Action.position", back_populates="plan")
    indicators: orm.Mapped[list["Indicator"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="Indicator.position")
    changes: orm.WriteOnlyMapped["PlanChange"] = orm.relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PlanChange.id")

    @orm.validates("uuid")
    def _canonical_uuid(self, _key, value):
        return canonical_or_as_is(value)

    @property
    def years(self) -> list[int]:
        return list(range(self.period_start, self.period_end + 1))


class SectionState(Base):
    """The version of one section of one plan: a form carries it, a stale form gets a 409."""

    __tablename__ = "plan_section_state"

    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    section: orm.Mapped[str] = orm.mapped_column(sa.String(30), primary_key=True)
    version: orm.Mapped[int] = orm.mapped_column(default=0)
    saved_at: orm.Mapped[Optional[datetime]]
    saved_by_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))

    saved_by: orm.Mapped[Optional[User]] = orm.relationship()


class ProcessStep(Base):
    __tablename__ = "process_step"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    step: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    date: orm.Mapped[Optional[date]]
    place: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    place_country: orm.Mapped[str] = orm.mapped_column(sa.String(2), default="ML")  # ISO 3166-1 alpha-2: abroad too
    men: orm.Mapped[int] = orm.mapped_column(default=0)
    women: orm.Mapped[int] = orm.mapped_column(default=0)
    youth: orm.Mapped[int] = orm.mapped_column(default=0)
    diaspora: orm.Mapped[int] = orm.mapped_column(default=0)


class PopulationRecord(Base):
    __tablename__ = "population_record"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    year: orm.Mapped[int]
    value: orm.Mapped[int]
    source: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    note: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")


class SectorDiagnostic(Base):
    __tablename__ = "sector_diagnostic"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    sector: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    sub_sector: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    findings_text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # constats
    assets: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # atouts
    constraints: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # contraintes
    potentials: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # potentialités


objective_finding = sa.Table(
    "objective_finding",
    Base.metadata,
    sa.Column("objective_id", sa.ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("finding_id", sa.ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True),
)


class Finding(Base):
    """A key finding of the diagnosis (sectoral or migration) that strategic objectives answer."""

    __tablename__ = "finding"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    theme: orm.Mapped[str] = orm.mapped_column(sa.String(30))  # "migration" or a sector key
    text: orm.Mapped[str] = orm.mapped_column(sa.Text)


class MigrationProfile(Base):
    __tablename__ = "migration_profile"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), unique=True)
    emigrants_total: orm.Mapped[Optional[int]]
    emigrants_internal: orm.Mapped[Optional[int]]
    emigrants_international: orm.Mapped[Optional[int]]
    data_year: orm.Mapped[Optional[int]]
    source: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    reliability: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(20))
    households_with_emigrant_pct: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(5, 2))
    households_receiving_remittances_pct: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(5, 2))
    remittances_fcfa_per_year: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    remittance_uses: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    returnees_voluntary: orm.Mapped[Optional[int]]
    returnees_forced: orm.Mapped[Optional[int]]
    returnee_graduates: orm.Mapped[Optional[int]]  # of the returnees, graduates trained abroad
    returnee_skills_needs: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    displaced_hosted: orm.Mapped[Optional[int]]
    displaced_returned: orm.Mapped[Optional[int]]
    transit_seasonal: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")


class DestinationStock(Base):
    __tablename__ = "destination_stock"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    country: orm.Mapped[str] = orm.mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    city: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    count: orm.Mapped[Optional[int]]
    trend: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="inconnue")


class DiasporaAssociation(Base):
    """Shared by every plan of the same owner: the association outlives one plan."""

    __tablename__ = "diaspora_association"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    owner_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan_owner.id"), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    host_country: orm.Mapped[str] = orm.mapped_column(sa.String(2))
    host_city: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    sections: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")  # other sections abroad, one per line
    sectors: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")  # sector keys, comma-separated
    contact_name: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    contact_details: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    contact_consent: orm.Mapped[bool] = orm.mapped_column(default=False)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)

    owner: orm.Mapped[PlanOwner] = orm.relationship()


class CodevProject(Base):
    """A past co-development project (GRDR fiche-projet)."""

    __tablename__ = "codev_project"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    locality: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    sector: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    year: orm.Mapped[Optional[int]]
    cost_fcfa: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    funders: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    state: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="fonctionnel")


class Axis(Base):
    __tablename__ = "axis"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    general_objective: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    migration_crosscutting: orm.Mapped[bool] = orm.mapped_column(default=False)

    objectives: orm.Mapped[list["Objective"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="Objective.position", back_populates="axis")


class Objective(Base):
    __tablename__ = "objective"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    axis_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("axis.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(300))

    axis: orm.Mapped[Axis] = orm.relationship(back_populates="objectives")
    findings: orm.Mapped[list[Finding]] = orm.relationship(secondary=objective_finding)


class ScoringCriterion(Base):
    """A criterion of the prioritisation grid with its weight, shown beside every score."""

    __tablename__ = "scoring_criterion"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    weight: orm.Mapped[int] = orm.mapped_column(default=1)


class Priority(Base):
    __tablename__ = "priority"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    axis_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("axis.id", ondelete="SET NULL"))
    scores: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)  # criterion id (str) → score 0-5

    axis: orm.Mapped[Optional[Axis]] = orm.relationship()


class Action(Base):
    """A line of the PIP."""

    __tablename__ = "action"
    # An action's uuid survives revisions (the copy keeps it): unique within a plan, where comments anchor to it and
    # a plan file's actions are matched by it (a unique index: SQLite adds one without rebuilding the table). Across
    # plans, the import keeps it apart (plans/review/planfile_import.py).
    __table_args__ = (sa.Index("uq_action_plan_id_uuid", "plan_id", "uuid", unique=True), uuid_lower_case())

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), default=new_uuid, index=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    objective_id: orm.Mapped[Optional[int]] = orm.mapped_column(
        sa.ForeignKey("objective.id", ondelete="SET NULL"), index=True)
    sector: orm.Mapped[str] = orm.mapped_column(sa.String(30), index=True)
    sub_sector: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    title: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    expected_results: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    localities: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    quantity: orm.Mapped[Decimal] = orm.mapped_column(sa.Numeric(14, 3), default=Decimal(1))
    unit: orm.Mapped[str] = orm.mapped_column(sa.String(50), default="")
    unit_cost: orm.Mapped[int] = orm.mapped_column(FCFA, default=0)
    total_override: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)
    override_reason: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    maitre_ouvrage: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    tags: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")  # migration tag keys, comma-separated
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="prevu", index=True)
    cofinancing_scheme: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(40))
    lon: orm.Mapped[Optional[float]]
    lat: orm.Mapped[Optional[float]]
    location_precision: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="exacte")
    version_id: orm.Mapped[int] = orm.mapped_column(default=1)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)

    plan: orm.Mapped[Plan] = orm.relationship(back_populates="actions")
    objective: orm.Mapped[Optional[Objective]] = orm.relationship()
    schedule: orm.Mapped[list["ScheduleEntry"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="ScheduleEntry.year")
    funding_lines: orm.Mapped[list["FundingLine"]] = orm.relationship(
        cascade="all, delete-orphan", order_by="FundingLine.position")

    __mapper_args__ = {"version_id_col": version_id}

    @orm.validates("uuid")
    def _canonical_uuid(self, _key, value):
        return canonical_or_as_is(value)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class ScheduleEntry(Base):
    __tablename__ = "schedule_entry"

    action_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), primary_key=True)
    year: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    amount: orm.Mapped[int] = orm.mapped_column(FCFA)


class FundingLine(Base):
    __tablename__ = "funding_line"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    action_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    source_type: orm.Mapped[str] = orm.mapped_column(sa.String(40), index=True)
    source_name: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    association_id: orm.Mapped[Optional[int]] = orm.mapped_column(
        sa.ForeignKey("diaspora_association.id", ondelete="SET NULL"))
    # The association's section that pays this line, as typed ("Paris, France"); meant for diaspora lines.
    association_section: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    amount: orm.Mapped[Optional[int]] = orm.mapped_column(FCFA)  # typed in FCFA, or …
    share_pct: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(5, 2))  # … as a share of the total
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20), default="promis")
    in_kind: orm.Mapped[bool] = orm.mapped_column(default=False)

    association: orm.Mapped[Optional[DiasporaAssociation]] = orm.relationship()


class Indicator(Base):
    __tablename__ = "indicator"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    category: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(300))
    unit: orm.Mapped[str] = orm.mapped_column(sa.String(50), default="")
    baseline_value: orm.Mapped[Optional[Decimal]] = orm.mapped_column(sa.Numeric(18, 2))
    baseline_year: orm.Mapped[Optional[int]]
    targets: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)  # year (str) → target value (str decimal)
    source: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")


class PlanChange(Base):
    """One save: who, when, which section, a French summary and the section as it was saved (for restore). Past
    the newest saves of its section (or action), a change is pruned (plans/planning/sections.py, `prune_history`):
    still listed, its copy dropped, no longer restorable."""

    __tablename__ = "plan_change"
    __table_args__ = (sa.Index("ix_plan_change_history_key", "plan_id", "section", "action_uuid"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    plan_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    section: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    user_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("app_user.id"))
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    summary: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    snapshot: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    # Section "actions": the action saved (None when the change holds the whole section, as an import saves it).
    action_uuid: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(36))
    restorable: orm.Mapped[bool] = orm.mapped_column(default=True, server_default=sa.true())

    user: orm.Mapped[Optional[User]] = orm.relationship()
