"""Imports every model so that one import registers them all (Alembic autogenerate, create_all in tests)."""
from plans.accounts import User, Role, user_owner  # noqa: F401
from plans.owners import GroupingMember, OwnerKind, PlanOwner  # noqa: F401
from plans.territory import AdminUnit, TerritoryEdition  # noqa: F401
