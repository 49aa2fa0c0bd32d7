"""Imports every model so that one import registers them all (Alembic autogenerate, create_all in tests)."""
from plans.accounts.models import ApiToken, LoginAttempt, LoginSession, Role, User, user_owner  # noqa: F401
from plans.core.audit import AuditEntry  # noqa: F401
from plans.execution.evidence import ExecutionEvidence  # noqa: F401
from plans.execution.models import ExecutionChange, ExecutionFunding, ExecutionRecord, IndicatorMeasure  # noqa: F401
from plans.owners.models import GroupingMember, OwnerKind, PlanOwner  # noqa: F401
from plans.planning.models import (  # noqa: F401
    Action,
    Axis,
    CodevProject,
    DestinationStock,
    DiasporaAssociation,
    Finding,
    FundingLine,
    Indicator,
    MigrationProfile,
    Objective,
    Plan,
    PlanChange,
    PopulationRecord,
    Priority,
    ProcessStep,
    ScheduleEntry,
    ScoringCriterion,
    SectionState,
    SectorDiagnostic,
)
from plans.planning.summary import PlanSummary, PlanSummaryPlace  # noqa: F401  (and its session hook)
from plans.reporting.export_parts import ExportPart, PreparedWorkbook  # noqa: F401
from plans.review.models import PlanComment, PlanSnapshot, PlanTransition, ReviewCheck  # noqa: F401
from plans.territory.models import AdminUnit, TerritoryEdition, UnitSuccession  # noqa: F401
