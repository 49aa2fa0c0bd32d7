"""Imports every model so that one import registers them all (Alembic autogenerate, create_all in tests)."""
from plans.accounts import User, Role, user_owner  # noqa: F401
from plans.owners import GroupingMember, OwnerKind, PlanOwner  # noqa: F401
from plans.territory import AdminUnit, TerritoryEdition  # noqa: F401
from plans.plan import (  # noqa: F401
    Action, Axis, CodevProject, DestinationStock, DiasporaAssociation, Finding, FundingLine, Indicator,
    MigrationProfile, Objective, Plan, PlanChange, PopulationRecord, Priority, ProcessStep, ScheduleEntry,
    ScoringCriterion, SectionState, SectorDiagnostic,
)
from plans.review import PlanComment, PlanSnapshot, PlanTransition, ReviewCheck  # noqa: F401
from plans.audit import AuditEntry, LoginAttempt  # noqa: F401
from plans.api_tokens import ApiToken  # noqa: F401
