"""Who may see or change what. The web layer asks these questions; it never answers them itself."""
from __future__ import annotations

from plans.accounts.models import Role, User
from plans.owners.models import PlanOwner


def owner_region_ids(owner: PlanOwner) -> set[int]:
    """The Malian régions an owner lies in (a grouping may span several)."""
    units = [owner.unit] if owner.unit is not None else owner.member_units
    regions = set()
    for unit in units:
        if unit is None or unit.is_foreign:
            continue
        top = unit.ancestors()[0] if unit.parent is not None else unit
        regions.add(top.id)
    return regions


def can_read_owner(user: User, owner: PlanOwner) -> bool:
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.REVIEWER:
        return user.region_id is None or user.region_id in owner_region_ids(owner)
    return owner in user.owners


def can_view_national_scale(user: User) -> bool:
    """The national map and the comparison across communes are the DGCT's: its reviewers and the admins."""
    return user.role in (Role.REVIEWER, Role.ADMIN)


def review_regions(user: User) -> set[int] | None:
    """The régions a user's national views are limited to: a regional reviewer's own, None for all of Mali."""
    if user.role is Role.REVIEWER and user.region_id is not None:
        return {user.region_id}
    return None


def can_edit_owner_plans(user: User, owner: PlanOwner) -> bool:
    """Only the planners attached to an owner write its plans; reviewers comment, admins manage."""
    return user.role is Role.PLANNER and owner in user.owners


def can_manage_territory(user: User) -> bool:
    return user.role is Role.ADMIN
