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


def can_see_masked_location(user: User | None, owner: PlanOwner) -> bool:
    """Whether `user` may see where an action of `owner` lies when its location is masked (precision "masquee", a
    sensitive site): its planners and the administrators. The one rule for the point of a masked site; every output
    asks it (plans/planning/location.visible_point):

    - made for one reader, who gets the point if this says so: the plan file they download, the partner API with
      their token, the action page, the plan's map, the versions page (a reviewer, another owner's planner who
      could read the plan, a partner's token: no point, and the file says the point is withheld);
    - made for anyone (`user` None, PUBLIC): the council's Word document and its map (the PNG), printed and
      published; and what gathers many plans for the DGCT and its partners (the national map, the comparison,
      the dashboard's CSV, XLSX and GeoJSON): nobody sees the point there, administrators included.

    The command line (`flask plans export`) is the operator's, trusted like an administrator."""
    if user is None:
        return False
    if user.role is Role.ADMIN:
        return True
    return can_edit_owner_plans(user, owner)


PUBLIC = None  # the reader of an output made for anyone (can_see_masked_location)


def can_manage_territory(user: User) -> bool:
    return user.role is Role.ADMIN


def can_move_owner(user: User, owner: PlanOwner) -> bool:
    """Moving a collectivité or a grouping to the units of a newer edition (plans/planning/succession.py): its
    planners or an administrator."""
    return user.role is Role.ADMIN or can_edit_owner_plans(user, owner)
